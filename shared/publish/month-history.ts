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
import { updateJson } from '../render/json.ts';
import { historyPath } from '../render/snapshot.ts';
import type { ArtifactStore } from '../store/artifacts.ts';

/** A row of a month file as the renderer writes it (undefined fields are left out). */
type Row = Record<string, unknown>;

const fieldsOf = (row: Row) =>
  Object.keys(row)
    .filter((key) => row[key] !== undefined)
    .join();

/**
 * The updates of a published month file, or undefined unless re-rendering them for this plan
 * gives back every row as stored (same fields in the same order, same status labels): a file
 * written by another version of the renderer, or under another vocabulary, is not built upon.
 */
export function parseMonthFile(plan: Plan, month: string, body: string): StatusUpdate[] | undefined {
  let doc: { planId?: unknown; month?: unknown; updates?: unknown };
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (doc?.planId !== plan.planId || doc.month !== month || !Array.isArray(doc.updates)) return undefined;
  const updates: StatusUpdate[] = [];
  for (const row of doc.updates as Row[]) {
    if (typeof row !== 'object' || row === null) return undefined;
    const { statusLabel: _label, progress, ...rest } = row;
    const update = { ...rest, planId: plan.planId, ...(progress === null ? {} : { progress }) } as unknown as StatusUpdate;
    const rendered = updateJson(plan, update) as Row;
    if (fieldsOf(rendered) !== fieldsOf(row) || rendered.statusLabel !== row.statusLabel) return undefined;
    if (typeof update.updateId !== 'string' || typeof update.reportedAt !== 'string' || typeof update.planRevision !== 'number')
      return undefined;
    updates.push(update);
  }
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
  const byId = new Map<string, StatusUpdate>();
  for (const u of published) {
    // A row past the summary (a racing round's file) or of another month: not this round's file.
    if (!(u.planRevision > 0 && u.planRevision <= summary.revision) || reportedMonth(u) !== month) return undefined;
    byId.set(u.updateId, u);
  }
  for (const u of newest)
    if (u.planRevision > 0 && u.planRevision <= summary.revision && reportedMonth(u) === month) byId.set(u.updateId, u);
  if (byId.size !== summary.count) return undefined;
  return [...byId.values()].sort((a, b) => compareNewestFirst(b, a));
}

/** The month built from its published file (one GET) and `newest`, or undefined: read it from the table. */
export async function monthFromPublished(
  files: Pick<ArtifactStore, 'read'>,
  plan: Plan,
  month: string,
  newest: StatusUpdate[],
  summary: Pick<HistoryMonth, 'count' | 'revision'>,
): Promise<StatusUpdate[] | undefined> {
  let published: StatusUpdate[] | undefined = [];
  try {
    const stored = await files.read(`plans/${plan.planId}/${historyPath(month, 'json')}`);
    // No file yet (a new month): the newest updates may hold all of it.
    if (stored) published = parseMonthFile(plan, month, stored.body);
  } catch {
    return undefined;
  }
  return published && mergeMonth(month, published, newest, summary);
}
