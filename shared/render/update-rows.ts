/**
 * History rows (an update's CSV line and its JSON entry) kept across the publishes of a warm
 * function, as the observations are: a publish after one update renders the touched month again,
 * thousands of rows in a dense year, and an update never changes once sequenced.
 *
 * A row is served only when everything it was rendered from is equal: every field the renderers
 * read, compared value by value with the update it was rendered for, and the status label the
 * plan gives it. Ids alone are not trusted (tests, imports and a re-sequenced update may reuse
 * one with other content), and comparing equal strings costs far less than rendering them.
 * Only well-typed updates are kept, as a frozen copy: a month file whose entries are exactly the
 * kept JSON entries is read back as those copies (keptRow), which the renderers then know by
 * identity. Bounded by the characters held; cleared when full.
 */
import type { StatusUpdate } from '../domain/model.ts';

interface Entry {
  source: StatusUpdate;
  label: string;
  csv?: string;
  json?: string;
}

const MEMO_CHARACTERS = 16_000_000;
const memo = { rows: new Map<string, Entry>(), characters: 0 };

/**
 * Links as JSON shows them only when each is exactly `{ title, url }` of strings, in that order:
 * anything else (a link with more fields) is rendered every time, never kept.
 */
function plainLinks(u: StatusUpdate): boolean {
  if (!Array.isArray(u.links)) return false;
  // Only the array's own elements: no holes, no extra properties.
  if (Object.keys(u.links).length !== u.links.length) return false;
  for (const link of u.links) {
    if (typeof link !== 'object' || link === null || typeof link.title !== 'string' || typeof link.url !== 'string') return false;
    const keys = Object.keys(link);
    if (keys.length !== 2 || keys[0] !== 'title' || keys[1] !== 'url') return false;
  }
  return true;
}

const isText = (value: unknown) => typeof value === 'string';
const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

/**
 * The types a month file's row is read back with (see parseMonthFile), so that a kept copy is what
 * reading its row would give: strings, finite numbers, no null.
 */
function wellTyped(u: StatusUpdate): boolean {
  return (
    isText(u.planId) &&
    isText(u.updateId) &&
    isText(u.reportedAt) &&
    isText(u.receivedAt) &&
    isText(u.commitmentId) &&
    isNumber(u.commitmentNumber) &&
    isText(u.commitmentTitle) &&
    isText(u.area) &&
    isText(u.areaSlug) &&
    isText(u.previousStatus) &&
    isText(u.status) &&
    (u.progress === undefined || isNumber(u.progress)) &&
    isText(u.observations) &&
    isNumber(u.revision) &&
    isNumber(u.planRevision) &&
    isText(u.keyId) &&
    (u.imported === undefined || typeof u.imported === 'boolean') &&
    plainLinks(u)
  );
}

/** Every field a history row shows, the status label apart (links: each title and url). */
function sameContent(a: StatusUpdate, b: StatusUpdate): boolean {
  if (
    a.updateId !== b.updateId ||
    a.planId !== b.planId ||
    a.planRevision !== b.planRevision ||
    a.revision !== b.revision ||
    a.reportedAt !== b.reportedAt ||
    a.receivedAt !== b.receivedAt ||
    a.commitmentId !== b.commitmentId ||
    a.commitmentNumber !== b.commitmentNumber ||
    a.commitmentTitle !== b.commitmentTitle ||
    a.area !== b.area ||
    a.areaSlug !== b.areaSlug ||
    a.previousStatus !== b.previousStatus ||
    a.status !== b.status ||
    a.progress !== b.progress ||
    a.observations !== b.observations ||
    a.keyId !== b.keyId ||
    (a.imported === true) !== (b.imported === true) ||
    a.links.length !== b.links.length
  ) {
    return false;
  }
  for (let i = 0; i < a.links.length; i++) {
    if (a.links[i]!.title !== b.links[i]!.title || a.links[i]!.url !== b.links[i]!.url) return false;
  }
  return true;
}

/**
 * `kind`'s row of `u` under the status label `label`: the one kept when it was rendered from equal
 * content, else `render()`'s, kept unless it says not to (`keep: false`: a fallback to report again).
 */
export function rememberedRow(kind: 'csv' | 'json', u: StatusUpdate, label: string, render: () => { text: string; keep: boolean }): string {
  // By id only: everything else is compared, so an id seen with other content is a miss, never a wrong row.
  let entry = memo.rows.get(u.updateId);
  // The kept copy itself (frozen: it cannot have changed), or an update equal to it.
  if (entry && entry.label === label && (entry.source === u || (plainLinks(u) && sameContent(entry.source, u)))) {
    const known = entry[kind];
    if (known !== undefined) return known;
  } else {
    entry = undefined;
  }
  const { text, keep } = render();
  if (!keep || !wellTyped(u)) return text;
  if (memo.characters > MEMO_CHARACTERS) {
    memo.rows.clear();
    memo.characters = 0;
  }
  if (!entry) {
    // A copy of what the row shows: a caller changing its update afterwards cannot change what is compared.
    const links = Object.freeze(u.links.map((l) => Object.freeze({ title: l.title, url: l.url })));
    entry = { source: Object.freeze({ ...u, links: links as StatusUpdate['links'] }), label };
    memo.rows.set(u.updateId, entry);
  }
  entry[kind] = text;
  // Twice the row: the copy of the update it was rendered from is about as long.
  memo.characters += 2 * text.length;
  return text;
}

/**
 * The kept copy of update `updateId` with its JSON entry and the status label it was rendered
 * under, if any: the caller checks that the label is still the plan's and the entry is the one it holds.
 */
export function keptRow(updateId: string): { source: StatusUpdate; label: string; json: string } | undefined {
  const entry = memo.rows.get(updateId);
  return entry?.json === undefined ? undefined : { source: entry.source, label: entry.label, json: entry.json };
}
