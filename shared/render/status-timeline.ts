/**
 * Status counts at the end of each month of the current year, drawn from the history: the
 * current counts with every later update undone (each update moved one commitment from its
 * previous status to its new one). Earlier years are told by their yearly history files.
 */
import type { StatusUpdate } from '../domain/model.ts';
import type { PlanSnapshot } from './snapshot.ts';

export interface TimelineMonth {
  /** YYYY-MM. */
  month: string;
  /** Count per status code, in the order of the codes asked for. */
  counts: number[];
}

const monthOf = (iso: string) => iso.slice(0, 7);

function shiftMonth(month: string, by: number): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (m - 1) + by;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * The months shown: the end of last year, then each month of the year the data last changed,
 * up to that month. Only that year's updates are undone, and a publish after an update reads
 * that year in full already (for its history files), so the chart costs no extra read.
 */
export function timelineMonths(generatedAt: string): string[] {
  const last = monthOf(generatedAt);
  const months = Number(last.slice(5, 7));
  return Array.from({ length: months + 1 }, (_, i) => shiftMonth(last, i - months));
}

/** The history years the chart needs loaded in full: the year of its months, and any later one. */
export function timelineYears(snapshot: Pick<PlanSnapshot, 'generatedAt' | 'history'>): number[] {
  const first = Number(snapshot.generatedAt.slice(0, 4));
  return [...snapshot.history.years.keys()].filter((year) => year >= first).sort((a, b) => a - b);
}

export function statusTimeline(snapshot: PlanSnapshot, codes: string[]): TimelineMonth[] {
  const months = timelineMonths(snapshot.generatedAt);
  const later: StatusUpdate[] = [];
  for (const year of timelineYears(snapshot)) {
    const updates = snapshot.years.get(year);
    // Rendering from a year never read would draw a wrong chart without a word.
    if (!updates) throw new Error(`the snapshot has no updates loaded for year ${year}`);
    for (const u of updates) if (monthOf(u.reportedAt) > months[0]!) later.push(u);
  }
  const index = new Map(codes.map((code, i) => [code, i]));
  const counts = codes.map(() => 0);
  for (const c of snapshot.commitments) {
    const i = index.get(c.status);
    if (i !== undefined) counts[i]!++;
  }
  // Newest month first: undo the updates reported after each month, walking back.
  later.sort((a, b) => b.reportedAt.localeCompare(a.reportedAt));
  const result: TimelineMonth[] = [];
  let next = 0;
  for (let m = months.length - 1; m >= 0; m--) {
    const month = months[m]!;
    while (next < later.length && monthOf(later[next]!.reportedAt) > month) {
      const u = later[next++]!;
      const now = index.get(u.status);
      const before = index.get(u.previousStatus);
      if (now !== undefined) counts[now]!--;
      if (before !== undefined) counts[before]!++;
    }
    // A commitment deleted or redefined since can leave a count short; never draw below zero.
    result.push({ month, counts: counts.map((n) => Math.max(0, n)) });
  }
  return result.reverse();
}
