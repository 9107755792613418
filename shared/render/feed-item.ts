/**
 * What a status update says in any feed (RSS, Atom, JSON Feed): the same title, the same
 * "previous → new" status line and the same safe HTML body, so the three formats never drift.
 */
import type { StatusUpdate } from '../domain/model.ts';
import { statusLabel } from '../domain/vocabulary.ts';
import { labelsFor } from './labels.ts';
import { observationsHtml, observationsText } from './observations.ts';
import { FEED_ITEM_LIMIT, type FeedScope, type PlanSnapshot } from './snapshot.ts';
import { escapeXml } from './xml.ts';

export { FEED_ITEM_LIMIT } from './snapshot.ts';

export const feedItems = (scope: FeedScope) => scope.updates.slice(0, FEED_ITEM_LIMIT);

export function feedTitle(snapshot: PlanSnapshot, scope: FeedScope): string {
  const { plan } = snapshot;
  return scope.label ? `${plan.municipality} · ${plan.title} — ${scope.label}` : `${plan.municipality} · ${plan.title}`;
}

export function feedDescription(snapshot: PlanSnapshot): string {
  const { plan } = snapshot;
  return `${plan.municipality}: ${plan.title} (${plan.period.start}–${plan.period.end})`;
}

/** "Pendent → En execució però amb retard", or "Pendent (sense canvis)" when the status stayed. */
export function statusTransition(snapshot: PlanSnapshot, u: StatusUpdate): string {
  const { plan } = snapshot;
  const next = statusLabel(plan.statuses, u.status, plan.language);
  if (u.previousStatus === u.status) return `${next} (${labelsFor(plan.language).unchanged})`;
  return `${statusLabel(plan.statuses, u.previousStatus, plan.language)} → ${next}`;
}

export function updateTitle(snapshot: PlanSnapshot, u: StatusUpdate): string {
  return `${u.commitmentNumber}. ${u.commitmentTitle} — ${statusTransition(snapshot, u)}`;
}

/**
 * One update appears in up to nine feeds (plan, area and commitment × RSS, Atom, JSON Feed);
 * its HTML and text are made once per snapshot rather than once per feed.
 */
const rendered = new WeakMap<PlanSnapshot, { html: WeakMap<StatusUpdate, string>; text: WeakMap<StatusUpdate, string> }>();

function cacheFor(snapshot: PlanSnapshot) {
  let cache = rendered.get(snapshot);
  if (!cache) {
    cache = { html: new WeakMap(), text: new WeakMap() };
    rendered.set(snapshot, cache);
  }
  return cache;
}

/** The item body as HTML. Every user-written string is escaped or goes through the safe Markdown renderer. */
export function updateHtml(snapshot: PlanSnapshot, u: StatusUpdate): string {
  const cache = cacheFor(snapshot).html;
  let html = cache.get(u);
  if (html === undefined) {
    html = renderUpdateHtml(snapshot, u);
    cache.set(u, html);
  }
  return html;
}

function renderUpdateHtml(snapshot: PlanSnapshot, u: StatusUpdate): string {
  const { plan } = snapshot;
  const words = labelsFor(plan.language);
  const previous = statusLabel(plan.statuses, u.previousStatus, plan.language);
  const next = statusLabel(plan.statuses, u.status, plan.language);
  const status =
    u.previousStatus === u.status
      ? `<strong>${escapeXml(next)}</strong> (${escapeXml(words.unchanged)})`
      : `${escapeXml(previous)} → <strong>${escapeXml(next)}</strong>`;
  const facts = [
    `${escapeXml(words.status)}: ${status}`,
    ...(u.progress !== undefined ? [`${escapeXml(words.progress)}: ${u.progress}%`] : []),
    `${escapeXml(words.area)}: ${escapeXml(u.area)}`,
  ];
  const parts = [`<p>${facts.join('<br>')}</p>`, observationsHtml(u.observations, `update ${u.updateId}`)];
  if (u.links.length > 0) {
    parts.push(
      `<p>${escapeXml(words.relatedLinks)}:</p>`,
      `<ul>${u.links.map((l) => `<li><a href="${escapeXml(l.url)}" rel="nofollow noopener">${escapeXml(l.title)}</a></li>`).join('')}</ul>`,
    );
  }
  return parts.filter((part) => part !== '').join('\n');
}

/** The same content as plain text, for JSON Feed's content_text and summaries. */
export function updateText(snapshot: PlanSnapshot, u: StatusUpdate): string {
  const cache = cacheFor(snapshot).text;
  let text = cache.get(u);
  if (text === undefined) {
    text = renderUpdateText(snapshot, u);
    cache.set(u, text);
  }
  return text;
}

function renderUpdateText(snapshot: PlanSnapshot, u: StatusUpdate): string {
  const words = labelsFor(snapshot.plan.language);
  const lines = [`${words.status}: ${statusTransition(snapshot, u)}`];
  if (u.progress !== undefined) lines.push(`${words.progress}: ${u.progress}%`);
  lines.push(`${words.area}: ${u.area}`);
  const observations = observationsText(u.observations, `update ${u.updateId}`);
  if (observations) lines.push('', observations);
  if (u.links.length > 0) lines.push('', `${words.relatedLinks}:`, ...u.links.map((l) => `- ${l.title} <${l.url}>`));
  return lines.join('\n');
}
