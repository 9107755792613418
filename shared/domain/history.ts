/**
 * What a plan's history holds, in the shape the publisher needs without reading all of it:
 * the years that have updates (with how many, and the plan revision of the latest one) and the
 * areas updates were recorded under. The DynamoDB adapter keeps it on the plan item, written by
 * the same transaction as each update; `summarizeHistory` computes the same from a full history,
 * which is what a full republish, the tests and the in-memory reader use.
 */
import type { StatusUpdate } from './model.ts';

export interface HistoryYear {
  count: number;
  /** The highest plan revision of an update reported in that year: tells whether the year changed since a publish. */
  revision: number;
}

export interface HistorySummary {
  years: Map<number, HistoryYear>;
  /** Every area an update was recorded under (an update keeps the area its commitment had then). */
  areaSlugs: Set<string>;
}

/** Which of a plan's updates a read is about: all, one commitment's, or one area's. */
export type HistoryScope = { commitmentId: string } | { areaSlug: string } | undefined;

export function reportedYear(update: Pick<StatusUpdate, 'reportedAt'>): number {
  return new Date(update.reportedAt).getUTCFullYear();
}

/** The order of every feed: newest reported first, then the later revision, then the id (a total order). */
export function compareNewestFirst(a: StatusUpdate, b: StatusUpdate): number {
  return b.reportedAt.localeCompare(a.reportedAt) || b.planRevision - a.planRevision || b.updateId.localeCompare(a.updateId);
}

export function inScope(update: StatusUpdate, scope: HistoryScope): boolean {
  if (!scope) return true;
  return 'commitmentId' in scope ? update.commitmentId === scope.commitmentId : update.areaSlug === scope.areaSlug;
}

/** Counts one more update into a summary (what the update transaction does to the plan item). */
export function addToHistory(summary: HistorySummary, u: StatusUpdate): void {
  const year = reportedYear(u);
  const entry = summary.years.get(year);
  if (entry) {
    entry.count++;
    if (u.planRevision > entry.revision) entry.revision = u.planRevision;
  } else {
    summary.years.set(year, { count: 1, revision: u.planRevision });
  }
  summary.areaSlugs.add(u.areaSlug);
}

export function summarizeHistory(updates: Iterable<StatusUpdate>): HistorySummary {
  const summary: HistorySummary = { years: new Map(), areaSlugs: new Set() };
  for (const u of updates) addToHistory(summary, u);
  return summary;
}
