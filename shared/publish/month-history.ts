/**
 * A touched month's history without reading the whole month from the table: the rows of its
 * published JSON file plus the month's updates among the plan's newest (already read for the
 * feeds). Taken only when it provably gives the month's complete history, else undefined and the
 * caller reads the month from the table.
 *
 * Why the count is proof enough: every row kept is an update of the month that the table holds
 * (updates are immutable and never deleted), each counted once (by updateId), and none later than
 * the month summary's revision. The summary is moved in the same transaction as the updates it
 * counts, so the month's updates up to that revision are exactly `count` rows: as many distinct
 * ones as that are all of them, wherever a late update's reportedAt put it.
 */
import { compareNewestFirst, type HistoryMonth, reportedMonth } from '../domain/history.ts';
import type { Plan, StatusUpdate } from '../domain/model.ts';
import { renderUpdatesJson } from '../render/json.ts';
import { historyPath } from '../render/snapshot.ts';
import type { ArtifactStore } from '../store/artifacts.ts';

/** A row's fields as the renderer writes them, in its order, with the type each must have. */
const ROW_FIELDS: ReadonlyArray<readonly [string, 'string' | 'number' | 'boolean' | 'progress' | 'links']> = [
  ['updateId', 'string'],
  ['reportedAt', 'string'],
  ['receivedAt', 'string'],
  ['commitmentId', 'string'],
  ['commitmentNumber', 'number'],
  ['commitmentTitle', 'string'],
  ['area', 'string'],
  ['areaSlug', 'string'],
  ['previousStatus', 'string'],
  ['status', 'string'],
  ['statusLabel', 'string'],
  ['progress', 'progress'],
  ['observations', 'string'],
  ['links', 'links'],
  ['revision', 'number'],
  ['planRevision', 'number'],
  ['keyId', 'string'],
  ['imported', 'boolean'],
];

function linksOf(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((link) => typeof link === 'object' && link !== null && typeof link.title === 'string' && typeof link.url === 'string')
  );
}

function wellTyped(row: Record<string, unknown>): boolean {
  const keys = Object.keys(row);
  if (keys.length !== ROW_FIELDS.length) return false;
  for (let i = 0; i < ROW_FIELDS.length; i++) {
    const [name, type] = ROW_FIELDS[i]!;
    const value = row[name];
    if (keys[i] !== name) return false;
    if (type === 'progress' ? value !== null && typeof value !== 'number' : type === 'links' ? !linksOf(value) : typeof value !== type) {
      return false;
    }
  }
  return true;
}

/**
 * The updates of a published month file. Throws unless the file is exactly what the renderer
 * writes for them under this plan, byte for byte (fields, their order and types, status labels,
 * layout): a file written by another version of the renderer, under another vocabulary, or by
 * hand is not built upon. One render of the whole month and one comparison: the rows rendered
 * are kept (see rememberedRow), so the publish that follows renders the month from them.
 */
export function parseMonthFile(plan: Plan, body: string): StatusUpdate[] {
  const doc = JSON.parse(body) as { planId: unknown; month: unknown; updates: unknown };
  if (typeof doc?.month !== 'string' || !Array.isArray(doc.updates)) throw Error('not a month file');
  const updates = (doc.updates as unknown[]).map((row) => {
    // Every field there with its type (a missing one or a null would render the same as it is read).
    if (typeof row !== 'object' || row === null || !wellTyped(row as Record<string, unknown>)) throw Error('not a row as rendered');
    const { statusLabel: _, progress, ...rest } = row as Record<string, unknown>;
    return { ...rest, planId: plan.planId, ...(progress === null ? {} : { progress }) } as unknown as StatusUpdate;
  });
  // The plan's id and the labels under its vocabulary are in the comparison; the file's month needs
  // no more: mergeMonth keeps no row of another month.
  if (renderUpdatesJson(plan, doc.month, updates) !== body) throw Error('not as rendered');
  return updates;
}

/**
 * The month's updates, oldest first as the files order them, from the published rows and the
 * newest ones; undefined when they do not add up to the month summary's count.
 */
export function mergeMonth(
  month: string,
  published: StatusUpdate[],
  newest: StatusUpdate[],
  summary: Pick<HistoryMonth, 'count' | 'revision'>,
): StatusUpdate[] | undefined {
  const byId = new Map(published.map((u) => [u.updateId, u]));
  for (const u of newest) if (reportedMonth(u) === month) byId.set(u.updateId, u);
  const rows = [...byId.values()];
  // A row past the summary (a racing round's file, an update ordered since it was read) or of
  // another month: not provably this month's history.
  return rows.length === summary.count &&
    rows.every((u) => u.planRevision > 0 && u.planRevision <= summary.revision && reportedMonth(u) === month)
    ? rows.sort((a, b) => compareNewestFirst(b, a))
    : undefined;
}

/** The month built from its published file (one GET) and `newest`, or undefined: read it from the table. */
export async function monthFromPublished(
  files: Pick<ArtifactStore, 'read'>,
  plan: Plan,
  month: string,
  newest: StatusUpdate[],
  summary: Pick<HistoryMonth, 'count' | 'revision'>,
): Promise<StatusUpdate[] | undefined> {
  try {
    const stored = await files.read(`plans/${plan.planId}/${historyPath(month, 'json')}`);
    // No file yet (a new month): the newest updates may hold all of it.
    return mergeMonth(month, stored ? parseMonthFile(plan, stored.body) : [], newest, summary);
  } catch {
    // Unreadable, unparsable, not as rendered (a row's date that is no date, too).
    return undefined;
  }
}
