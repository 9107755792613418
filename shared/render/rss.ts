/** RSS 2.0: one item per status update, newest first, guid = updateId. */

import { feedDescription, feedItems, feedTitle, updateHtml, updateTitle } from './feed-item.ts';
import { commitmentUrl, type FeedScope, type PlanSnapshot, planUrl } from './snapshot.ts';
import { cdata, escapeXml } from './xml.ts';

export const RSS_FILE = 'feed.rss';

export function renderRss(snapshot: PlanSnapshot, scope: FeedScope): string {
  const { plan } = snapshot;
  const items = feedItems(scope);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '<channel>',
    `<title>${escapeXml(feedTitle(snapshot, scope))}</title>`,
    `<link>${escapeXml(scope.alternateUrl)}</link>`,
    `<atom:link href="${escapeXml(planUrl(snapshot, scope.dir + RSS_FILE))}" rel="self" type="application/rss+xml"/>`,
    // WebSub discovery: subscribers register with these hubs for this topic (the self URL).
    ...(snapshot.hubs ?? []).map((hub) => `<atom:link href="${escapeXml(hub)}" rel="hub"/>`),
    `<description>${escapeXml(feedDescription(snapshot))}</description>`,
    `<language>${escapeXml(plan.language)}</language>`,
    `<copyright>${escapeXml(`${plan.publisher.name} — ${plan.license.title || plan.license.id}`)}</copyright>`,
    `<lastBuildDate>${new Date(scope.updated).toUTCString()}</lastBuildDate>`,
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
