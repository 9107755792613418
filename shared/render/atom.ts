/**
 * Atom 1.0 (RFC 4287). Entry ids are `urn:uuid:{updateId}`, so they never change when the
 * site moves; the feed id is the feed's own URL.
 */
import type { StatusUpdate } from '../domain/model.ts';
import { statusLabel } from '../domain/vocabulary.ts';
import { feedDescription, feedItems, feedTitle, statusTransition, updateHtml, updateTitle } from './feed-item.ts';
import { commitmentUrl, type FeedScope, type PlanSnapshot, planUrl } from './snapshot.ts';
import { escapeXml } from './xml.ts';

export const ATOM_FILE = 'feed.atom';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A permanent entry id: the update's UUID as a URN (RFC 4122), or a tag URI (RFC 4151) otherwise. */
export function entryId(snapshot: PlanSnapshot, update: StatusUpdate): string {
  if (UUID.test(update.updateId)) return `urn:uuid:${update.updateId.toLowerCase()}`;
  const host = new URL(snapshot.baseUrl).hostname;
  const year = new Date(snapshot.plan.createdAt).getUTCFullYear();
  return `tag:${host},${year}:${encodeURIComponent(snapshot.plan.planId)}/${encodeURIComponent(update.updateId)}`;
}

export function renderAtom(snapshot: PlanSnapshot, scope: FeedScope): string {
  const { plan } = snapshot;
  const self = planUrl(snapshot, scope.dir + ATOM_FILE);
  const author = [
    '<author>',
    `<name>${escapeXml(plan.publisher.name)}</name>`,
    ...(plan.publisher.url ? [`<uri>${escapeXml(plan.publisher.url)}</uri>`] : []),
    ...(plan.publisher.email ? [`<email>${escapeXml(plan.publisher.email)}</email>`] : []),
    '</author>',
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXml(plan.language)}">`,
    `<id>${escapeXml(self)}</id>`,
    `<title type="text">${escapeXml(feedTitle(snapshot, scope))}</title>`,
    `<subtitle type="text">${escapeXml(feedDescription(snapshot))}</subtitle>`,
    `<updated>${scope.updated}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${escapeXml(self)}"/>`,
    // WebSub discovery: subscribers register with these hubs for this topic (the self URL).
    ...(snapshot.hubs ?? []).map((hub) => `<link rel="hub" href="${escapeXml(hub)}"/>`),
    `<link rel="alternate" type="text/html" href="${escapeXml(scope.alternateUrl)}"/>`,
    ...author,
    `<rights type="text">${escapeXml(plan.license.title || plan.license.id)}</rights>`,
    `<link rel="license" href="${escapeXml(plan.license.url)}"/>`,
    '<generator>mandat-obert</generator>',
  ];
  for (const u of feedItems(scope)) {
    lines.push(
      '<entry>',
      `<id>${escapeXml(entryId(snapshot, u))}</id>`,
      `<title type="text">${escapeXml(updateTitle(snapshot, u))}</title>`,
      `<updated>${u.receivedAt}</updated>`,
      `<published>${u.reportedAt}</published>`,
      // The responsible area speaks for the update (never the official's name: no personal data).
      `<author><name>${escapeXml(u.area)}</name></author>`,
      `<link rel="alternate" type="text/html" href="${escapeXml(commitmentUrl(snapshot, u.commitmentId))}"/>`,
      `<category term="${escapeXml(u.areaSlug)}" label="${escapeXml(u.area)}"/>`,
      `<category term="${escapeXml(u.status)}" label="${escapeXml(statusLabel(plan.statuses, u.status, plan.language))}"/>`,
      `<summary type="text">${escapeXml(statusTransition(snapshot, u))}</summary>`,
      `<content type="html">${escapeXml(updateHtml(snapshot, u))}</content>`,
      '</entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}
