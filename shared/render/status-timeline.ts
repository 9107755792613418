/**
 * Status counts at the end of each month of the current year, drawn from the history: the
 * current counts with every later update undone (each update moved one commitment from its
 * previous status to its new one). The history summary keeps each month's net moves, so the
 * chart reads no update at all; earlier years are told by their monthly history files.
 */
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

/** The months shown: the end of last year, then each month of the year the data last changed, up to that month. */
export function timelineMonths(generatedAt: string): string[] {
  const last = monthOf(generatedAt);
  const months = Number(last.slice(5, 7));
  return Array.from({ length: months + 1 }, (_, i) => shiftMonth(last, i - months));
}

export function statusTimeline(snapshot: Pick<PlanSnapshot, 'generatedAt' | 'history' | 'commitments'>, codes: string[]): TimelineMonth[] {
  const months = timelineMonths(snapshot.generatedAt);
  const summary = snapshot.history.months;
  // Drawing without the monthly moves would draw a wrong chart without a word.
  if (!summary) throw new Error('the snapshot has no monthly history summary');
  const index = new Map(codes.map((code, i) => [code, i]));
  const counts = codes.map(() => 0);
  for (const c of snapshot.commitments) {
    const i = index.get(c.status);
    if (i !== undefined) counts[i]!++;
  }
  // Newest month first: undo the moves of the months after each one shown, walking back.
  const later = [...summary.keys()]
    .filter((month) => month > months[0]!)
    .sort()
    .reverse();
  const result: TimelineMonth[] = [];
  let next = 0;
  for (let m = months.length - 1; m >= 0; m--) {
    const month = months[m]!;
    while (next < later.length && later[next]! > month) {
      for (const [code, by] of summary.get(later[next++]!)!.net) {
        const i = index.get(code);
        if (i !== undefined) counts[i]! -= by;
      }
    }
    // A commitment deleted or redefined since can leave a count short; never draw below zero.
    result.push({ month, counts: counts.map((n) => Math.max(0, n)) });
  }
  return result.reverse();
}
