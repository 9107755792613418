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

/**
 * The updates of a published month file. Throws unless each row is exactly what the renderer
 * writes for it under this plan (fields, their order and types, status labels): a file written by
 * another version of the renderer, under another vocabulary, or by hand is not built upon.
 */
export function parseMonthFile(plan: Plan, body: string): StatusUpdate[] {
  const doc = JSON.parse(body) as { planId: string; updates: Array<Record<string, unknown>> };
  return doc.updates.map((row) => {
    const { statusLabel: _, progress, ...rest } = row;
    const update = { ...rest, planId: plan.planId, ...(progress === null ? {} : { progress }) } as unknown as StatusUpdate;
    // Every field there (a missing one, rendered as null, would differ) and each as rendered.
    const same = JSON.stringify(updateJson(plan, update), (_, value) => value ?? null) === JSON.stringify(row);
    // The file's month needs no check: mergeMonth keeps no row of another month.
    if (doc.planId !== plan.planId || !same) {
      throw Error();
    }
    return update;
  });
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
