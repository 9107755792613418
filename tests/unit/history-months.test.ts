/**
 * The monthly history summary: the status-over-time chart drawn from each month's net status
 * moves equals the chart drawn by undoing every later update one by one (what it read before),
 * and the DynamoDB items that keep the summary give it back, or nothing when incomplete.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarizeHistory } from '#shared/domain/history';
import type { StatusUpdate } from '#shared/domain/model';
import { statusTimeline, timelineMonths } from '#shared/render/status-timeline';
import { historyMonthItems, historyOfPlanItem, planHistoryAttributes } from '#shared/store/dynamo/items';
import { fixtureSnapshot } from '#tests/support/render-fixture';

const CODES = ['not_started', 'pending', 'delayed', 'on_track'];

/** The chart as it was drawn from the updates themselves: current counts, later updates undone. */
function undoingUpdates(commitmentStatuses: string[], updates: StatusUpdate[], generatedAt: string) {
  const months = timelineMonths(generatedAt);
  const counts = CODES.map((code) => commitmentStatuses.filter((s) => s === code).length);
  const later = updates.filter((u) => u.reportedAt.slice(0, 7) > months[0]!).sort((a, b) => b.reportedAt.localeCompare(a.reportedAt));
  const result = [];
  let next = 0;
  for (let m = months.length - 1; m >= 0; m--) {
    while (next < later.length && later[next]!.reportedAt.slice(0, 7) > months[m]!) {
      const u = later[next++]!;
      if (CODES.includes(u.status)) counts[CODES.indexOf(u.status)]!--;
      if (CODES.includes(u.previousStatus)) counts[CODES.indexOf(u.previousStatus)]!++;
    }
    result.push({ month: months[m]!, counts: counts.map((n) => Math.max(0, n)) });
  }
  return result.reverse();
}

const base = fixtureSnapshot();
const template = [...base.months.values()][0]![0]!;
const arbitraryUpdate = fc.record({
  // From two years before the data's year to its last month, some in later years' months too.
  month: fc.integer({ min: 0, max: 35 }),
  day: fc.integer({ min: 1, max: 28 }),
  status: fc.constantFrom(...CODES, 'unknown_code'),
  previousStatus: fc.constantFrom(...CODES),
});

describe('the monthly history summary', () => {
  it('draws the same chart from the net moves as from undoing each update', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryUpdate, { maxLength: 60 }),
        fc.array(fc.constantFrom(...CODES), { minLength: 1, maxLength: 12 }),
        (raw, statuses) => {
          const updates: StatusUpdate[] = raw.map((r, i) => {
            const year = 2017 + Math.floor(r.month / 12);
            const reportedAt = new Date(Date.UTC(year, r.month % 12, r.day, 10)).toISOString();
            return { ...template, updateId: `u${i}`, reportedAt, status: r.status, previousStatus: r.previousStatus, planRevision: 10 + i };
          });
          const generatedAt = '2019-06-30T10:00:00.000Z';
          const commitments = statuses.map((status, i) => ({ ...base.commitments[0]!, commitmentId: `c${i}`, status }));
          const snapshot = { generatedAt, commitments, history: summarizeHistory(updates) };
          expect(statusTimeline(snapshot, CODES)).toEqual(undoingUpdates(statuses, updates, generatedAt));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is given back by the plan item and its month items, and not at all while a month item is missing', () => {
    const summary = base.history;
    const planItem = { ...planHistoryAttributes(summary), PK: 'PLAN#p', SK: 'PLAN' };
    const monthItems = historyMonthItems('p', summary);
    expect(monthItems.map((item) => item.SK)).toEqual([...summary.months!.keys()].map((month) => `HISTORY#${month}`));
    expect(historyOfPlanItem(planItem, monthItems)).toEqual(summary);
    expect(historyOfPlanItem(planItem, monthItems.slice(1))).toBeUndefined();
    expect(historyOfPlanItem({ ...planItem, historyIndexed: undefined }, monthItems)).toBeUndefined();
  });
});
