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

/** One month of history: as a year, plus how its updates moved the status counts. */
export interface HistoryMonth extends HistoryYear {
  /**
   * Net change of each status's count by the month's updates (+1 to the status reported, -1 to
   * the one it replaced): the status-over-time chart undoes months with it instead of reading them.
   */
  net: Map<string, number>;
}

export interface HistorySummary {
  years: Map<number, HistoryYear>;
  /**
   * The same by month (`YYYY-MM`): which monthly history files exist and which moved since a
   * publish. Undefined for a summary kept before months were counted (read the history whole).
   */
  months?: Map<string, HistoryMonth>;
  /** Every area an update was recorded under (an update keeps the area its commitment had then). */
  areaSlugs: Set<string>;
}

/** Which of a plan's updates a read is about: all, one commitment's, or one area's. */
export type HistoryScope = { commitmentId: string } | { areaSlug: string } | undefined;

export function reportedYear(update: Pick<StatusUpdate, 'reportedAt'>): number {
  return new Date(update.reportedAt).getUTCFullYear();
}

/** `YYYY-MM` (UTC) of an update: the monthly history file it lands in. */
export function reportedMonth(update: Pick<StatusUpdate, 'reportedAt'>): string {
  return new Date(update.reportedAt).toISOString().slice(0, 7);
}

export const yearOfMonth = (month: string) => Number(month.slice(0, 4));

/** The months of a summary, oldest first. */
export function historyMonthKeys(summary: HistorySummary): string[] {
  return [...(summary.months?.keys() ?? [])].sort();
}

/**
 * Whether the month entries account for every update of every year: a summary whose years
 * predate the monthly counts cannot tell which months exist.
 */
export function monthsComplete(summary: HistorySummary): boolean {
  if (!summary.months) return summary.years.size === 0;
  const counted = new Map<number, number>();
  for (const [month, entry] of summary.months) counted.set(yearOfMonth(month), (counted.get(yearOfMonth(month)) ?? 0) + entry.count);
  if (counted.size !== summary.years.size) return false;
  for (const [year, entry] of summary.years) if (counted.get(year) !== entry.count) return false;
  return true;
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
  summary.months ??= new Map();
  const key = reportedMonth(u);
  let month = summary.months.get(key);
  if (!month) summary.months.set(key, (month = { count: 0, revision: u.planRevision, net: new Map() }));
  month.count++;
  if (u.planRevision > month.revision) month.revision = u.planRevision;
  for (const [code, by] of statusMoves(u)) month.net.set(code, (month.net.get(code) ?? 0) + by);
  summary.areaSlugs.add(u.areaSlug);
}

/** How an update moves the status counts: nothing when the status stays. */
export function statusMoves(u: Pick<StatusUpdate, 'status' | 'previousStatus'>): Array<[string, number]> {
  if (u.status === u.previousStatus) return [];
  return u.previousStatus
    ? [
        [u.status, 1],
        [u.previousStatus, -1],
      ]
    : [[u.status, 1]];
}

export function summarizeHistory(updates: Iterable<StatusUpdate>): HistorySummary {
  const summary: HistorySummary = { years: new Map(), months: new Map(), areaSlugs: new Set() };
  for (const u of updates) addToHistory(summary, u);
  return summary;
}
