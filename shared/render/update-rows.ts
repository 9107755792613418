/**
 * History rows (an update's CSV line and its JSON entry) kept across the publishes of a warm
 * function, as the observations are: a publish after one update renders the touched month again,
 * thousands of rows in a dense year, and an update never changes once sequenced.
 *
 * A row is served only when everything it was rendered from is equal: every field the renderers
 * read, compared value by value with the update it was rendered for, and the status label the
 * plan gives it. Ids alone are not trusted (tests, imports and a re-sequenced update may reuse
 * one with other content), and comparing equal strings costs far less than rendering them.
 * Bounded by the characters held; cleared when full.
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
  for (const link of u.links) {
    if (typeof link !== 'object' || link === null || typeof link.title !== 'string' || typeof link.url !== 'string') return false;
    const keys = Object.keys(link);
    if (keys.length !== 2 || keys[0] !== 'title' || keys[1] !== 'url') return false;
  }
  return true;
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
export function rememberedRow(
  kind: 'csv' | 'json',
  u: StatusUpdate,
  label: string,
  render: () => { text: string; keep: boolean },
): string {
  if (!plainLinks(u)) return render().text;
  // By id only: everything else is compared, so an id seen with other content is a miss, never a wrong row.
  let entry = memo.rows.get(u.updateId);
  if (entry && entry.label === label && sameContent(entry.source, u)) {
    const known = entry[kind];
    if (known !== undefined) return known;
  } else {
    entry = undefined;
  }
  const { text, keep } = render();
  if (!keep) return text;
  if (memo.characters > MEMO_CHARACTERS) {
    memo.rows.clear();
    memo.characters = 0;
  }
  if (!entry) {
    // A copy of what the row shows: a caller mutating its update afterwards cannot change what is compared.
    entry = { source: { ...u, links: u.links.map((l) => ({ title: l.title, url: l.url })) }, label };
    memo.rows.set(u.updateId, entry);
  }
  entry[kind] = text;
  // Twice the row: the copy of the update it was rendered from is about as long.
  memo.characters += 2 * text.length;
  return text;
}
