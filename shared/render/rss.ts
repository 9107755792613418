/** RSS 2.0: one item per status update, newest first, guid = updateId. */
import type { StatusUpdate } from '../model.ts';
import { statusLabel } from '../vocabulary.ts';
import { planUrl, type PlanSnapshot } from './context.ts';
import { markdownToHtml } from './markdown.ts';
import { cdata, escapeXml } from './xml.ts';

export interface FeedScope {
  /** Feed title suffix, e.g. the area name; undefined for the whole plan. */
  label?: string;
  /** Path of the feed under the plan, e.g. "feed.rss" or "areas/x/feed.rss". */
  path: string;
  updates: StatusUpdate[];
}

export const FEED_ITEM_LIMIT = 100;

export function updateTitle(snapshot: PlanSnapshot, u: StatusUpdate): string {
  const label = statusLabel(snapshot.plan.statuses, u.status, snapshot.plan.language);
  return `${u.commitmentNumber}. ${u.commitmentTitle} — ${label}`;
}

export function updateHtml(snapshot: PlanSnapshot, u: StatusUpdate): string {
  const { plan } = snapshot;
  const parts = [
    `<p><strong>${escapeXml(statusLabel(plan.statuses, u.status, plan.language))}</strong>` +
      (u.previousStatus !== u.status ? ` (${escapeXml(statusLabel(plan.statuses, u.previousStatus, plan.language))} →)` : '') +
      (u.progress !== undefined ? ` · ${u.progress}%` : '') +
      ` · ${escapeXml(u.area)}</p>`,
    markdownToHtml(u.observations),
  ];
  if (u.links.length > 0) {
    parts.push(`<ul>${u.links.map((l) => `<li><a href="${escapeXml(l.url)}">${escapeXml(l.title)}</a></li>`).join('')}</ul>`);
  }
  return parts.join('\n');
}

export function commitmentUrl(snapshot: PlanSnapshot, commitmentId: string): string {
  return planUrl(snapshot, `#${encodeURIComponent(commitmentId)}`);
}

export function renderRss(snapshot: PlanSnapshot, scope: FeedScope): string {
  const { plan } = snapshot;
  const items = scope.updates.slice(0, FEED_ITEM_LIMIT);
  const title = scope.label ? `${plan.title} — ${scope.label}` : plan.title;
  const lastBuild = items[0]?.receivedAt ?? plan.updatedAt;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '<channel>',
    `<title>${escapeXml(title)}</title>`,
    `<link>${escapeXml(planUrl(snapshot))}</link>`,
    `<atom:link href="${escapeXml(planUrl(snapshot, scope.path))}" rel="self" type="application/rss+xml"/>`,
    `<description>${escapeXml(`${plan.municipality}: ${plan.title} (${plan.period.start}–${plan.period.end})`)}</description>`,
    `<language>${escapeXml(plan.language)}</language>`,
    `<copyright>${escapeXml(plan.license.title || plan.license.id)}</copyright>`,
    `<lastBuildDate>${new Date(lastBuild).toUTCString()}</lastBuildDate>`,
    '<generator>mandat-obert</generator>',
    '<ttl>15</ttl>',
  ];
  for (const u of items) {
    lines.push(
      '<item>',
      `<title>${escapeXml(updateTitle(snapshot, u))}</title>`,
      `<link>${escapeXml(commitmentUrl(snapshot, u.commitmentId))}</link>`,
      `<guid isPermaLink="false">${escapeXml(u.updateId)}</guid>`,
      `<pubDate>${new Date(u.reportedAt).toUTCString()}</pubDate>`,
      `<category>${escapeXml(u.area)}</category>`,
      `<dc:creator>${escapeXml(u.area)}</dc:creator>`,
      `<description>${cdata(updateHtml(snapshot, u))}</description>`,
      '</item>',
    );
  }
  lines.push('</channel>', '</rss>', '');
  return lines.join('\n');
}
