/**
 * Building a month from its published file plus the newest updates: the same bytes as rendering
 * the whole month, or nothing (the caller then reads the month from the table).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reportedMonth, summarizeHistory } from '#shared/domain/history';
import type { StatusUpdate } from '#shared/domain/model';
import { mergeMonth, monthFromPublished, parseMonthFile } from '#shared/publish/month-history';
import { renderUpdatesCsv } from '#shared/render/csv';
import { renderUpdatesJson } from '#shared/render/json';
import { historyPath, MONTH_PART_ROWS, monthPartCount, monthParts } from '#shared/render/snapshot';
import { MONTH_FIXTURE, monthFixturePlan } from '#tests/support/render-fixture';

const MONTH = MONTH_FIXTURE;
const plan = monthFixturePlan;

const update = (i: number, over: Partial<StatusUpdate> = {}): StatusUpdate => ({
  planId: 'p',
  commitmentId: `c${i % 3}`,
  updateId: `u${String(i).padStart(4, '0')}`,
  reportedAt: `${MONTH}-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z`,
  receivedAt: '2025-04-01T00:00:00.000Z',
  status: ['pending', 'delayed', 'on_track'][i % 3]!,
  previousStatus: i % 4 ? 'pending' : '',
  observations: i % 5 ? `- punt **${i}**\n- "cometes", i =suma` : '',
  links: i % 2 ? [{ title: `Enllaç ${i}`, url: `https://example.org/${i}` }] : [],
  ...(i % 3 ? { progress: i % 101 } : {}),
  revision: 1 + i,
  planRevision: 10 + i,
  keyId: 'k1',
  commitmentNumber: 1 + (i % 3),
  commitmentTitle: `Compromís ${i % 3}`,
  area: 'Àrea',
  areaSlug: 'area',
  ...(i % 7 === 0 ? { imported: true } : {}),
  ...over,
});

const oldestFirst = (updates: StatusUpdate[]) =>
  [...updates].sort((a, b) => a.reportedAt.localeCompare(b.reportedAt) || a.planRevision - b.planRevision);
const summaryOf = (updates: StatusUpdate[]) => summarizeHistory(updates).months!.get(MONTH)!;
const files = (updates: StatusUpdate[]) => [renderUpdatesCsv(plan, updates), renderUpdatesJson(plan, MONTH, updates)];
/** Spread over the month, so that the rows sort by reportedAt alone. */
const reportedIn = (i: number) => new Date(Date.UTC(2025, 2, 1) + i * 60_000).toISOString();
const store = (body?: string) => ({ read: async () => (body === undefined ? undefined : { body, etag: 'x' }) });

describe('a month from its published file', () => {
  it('reads back exactly the rows the renderer wrote', () => {
    const rows = oldestFirst(Array.from({ length: 40 }, (_, i) => update(i)));
    const parsed = parseMonthFile(plan, renderUpdatesJson(plan, MONTH, rows));
    expect(files(parsed)).toEqual(files(rows));
  });

  it('puts a late update in its place by reportedAt, not at the end, and renders what the whole month renders', () => {
    const published = oldestFirst(Array.from({ length: 20 }, (_, i) => update(i)));
    // Ordered after every published row, reported before most of them.
    const late = update(100, { reportedAt: `${MONTH}-02T08:00:00.000Z`, planRevision: 500 });
    const merged = mergeMonth(
      MONTH,
      parseMonthFile(plan, renderUpdatesJson(plan, MONTH, published)),
      [late],
      summaryOf([...published, late]),
    );
    expect(merged!.map((u) => u.updateId)).toEqual(oldestFirst([...published, late]).map((u) => u.updateId));
    expect(merged!.at(-1)!.updateId).not.toBe(late.updateId);
    expect(files(merged!)).toEqual(files(oldestFirst([...published, late])));
  });

  it('for any split of a month into published and new rows, gives the whole month, or nothing when a row is missing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ day: fc.integer({ min: 1, max: 28 }), fresh: fc.boolean(), dropped: fc.boolean() }), { maxLength: 30 }),
        (shape) => {
          const all = shape.map((s, i) =>
            update(i, { reportedAt: `${MONTH}-${String(s.day).padStart(2, '0')}T10:00:00.000Z`, planRevision: 10 + i }),
          );
          // The rows published: those ordered before the first fresh one (a publish is a prefix of the order).
          const cut = shape.findIndex((s) => s.fresh);
          const published = oldestFirst(cut < 0 ? all : all.slice(0, cut));
          const newest = cut < 0 ? [] : all.slice(cut);
          const summary = summaryOf(all);
          const whole = oldestFirst(all);
          const merged = mergeMonth(MONTH, published, newest, summary ?? { count: 0, revision: 0 });
          expect(files(merged!)).toEqual(files(whole));
          // A published file behind by a row (a stale writer's) never passes for the month.
          const behind = published.filter((_, i) => !(shape[i]?.dropped && i === 0));
          if (behind.length < published.length) expect(mergeMonth(MONTH, behind, newest, summary)).toBeUndefined();
        },
      ),
    );
  });

  it('builds nothing when the rows do not add up to the month summary', () => {
    const rows = oldestFirst(Array.from({ length: 10 }, (_, i) => update(i)));
    const summary = summaryOf(rows);
    expect(mergeMonth(MONTH, rows.slice(1), [], summary)).toBeUndefined();
    // A row ordered after the summary was read (a racing round's file): not provably this month.
    const ahead = update(50, { planRevision: summary.revision + 1 });
    expect(mergeMonth(MONTH, [...rows.slice(1), ahead], [], summary)).toBeUndefined();
    // A row of another month.
    expect(mergeMonth(MONTH, [...rows.slice(1), update(51, { reportedAt: '2025-04-01T00:00:00.000Z' })], [], summary)).toBeUndefined();
    // The same row twice counts once.
    expect(mergeMonth(MONTH, rows, [rows[3]!], summary)).toHaveLength(10);
  });

  it('refuses a file that is not exactly what the renderer writes for this plan', () => {
    const rows = oldestFirst(Array.from({ length: 5 }, (_, i) => update(i)));
    const body = renderUpdatesJson(plan, MONTH, rows);
    const doc = JSON.parse(body) as { updates: Array<Record<string, unknown>> };
    const variants = [
      body.slice(0, body.length >> 1),
      renderUpdatesJson({ ...plan, planId: 'other' }, MONTH, rows),
      renderUpdatesJson({ ...plan, language: 'en' }, MONTH, rows),
      JSON.stringify({ ...doc, updates: doc.updates.map(({ keyId: _, ...u }) => u) }),
      JSON.stringify({ ...doc, updates: doc.updates.map(({ updateId, ...u }) => ({ ...u, updateId })) }),
      JSON.stringify({ ...doc, updates: null }),
      'null',
    ];
    for (const [i, variant] of variants.entries()) expect(() => parseMonthFile(plan, variant), String(i)).toThrow();
  });

  it('falls back (undefined) on an unreadable or refused file, and builds a new month from the newest updates alone', async () => {
    const rows = oldestFirst(Array.from({ length: 4 }, (_, i) => update(i)));
    const summary = summaryOf(rows);
    const failing = { read: async () => Promise.reject(new Error('AccessDenied')) };
    expect(await monthFromPublished(failing, plan, MONTH, rows, summary)).toBeUndefined();
    expect(await monthFromPublished(store('{"garbage"'), plan, MONTH, rows, summary)).toBeUndefined();
    expect(await monthFromPublished(store(), plan, MONTH, rows, summary)).toEqual({ rows, parts: [undefined] });
    expect(await monthFromPublished(store(), plan, MONTH, rows.slice(1), summary)).toBeUndefined();
    expect(reportedMonth(rows[0]!)).toBe(MONTH);
  });

  it('scans an unchanged part once: the same object read again (S3 answering 304) gives its rows without its body being read', async () => {
    // As the table gives them (`imported` set): only such rows are kept, and read back as kept.
    const rows = oldestFirst(Array.from({ length: 6 }, (_, i) => update(300 + i, { imported: false })));
    const body = renderUpdatesJson(plan, MONTH, rows);
    let scans = 0;
    const stored = {
      etag: 'x',
      get body() {
        scans++;
        return body;
      },
    };
    const files = { read: async () => stored };
    const summary = summaryOf(rows);
    const first = await monthFromPublished(files, plan, MONTH, [], summary);
    expect(first?.rows).toEqual(rows);
    expect(scans).toBe(1);
    expect(await monthFromPublished(files, plan, MONTH, [], summary)).toEqual(first);
    expect(scans).toBe(1);
    // A later update with it: the part's rows as before, plus the update.
    const late = update(400, { reportedAt: `${MONTH}-28T23:00:00.000Z`, planRevision: 900, imported: false });
    expect((await monthFromPublished(files, plan, MONTH, [late], summaryOf([...rows, late])))?.rows).toEqual(oldestFirst([...rows, late]));
    expect(scans).toBe(1);
    // Other status labels: the file is not what the plan renders now, so it is read again, and refused.
    const relabelled = {
      ...plan,
      statuses: plan.statuses.map((s) => ({ ...s, labels: Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, `${v}!`])) })),
    };
    expect(await monthFromPublished(files, relabelled, MONTH, [], summary)).toBeUndefined();
    expect(scans).toBeGreaterThan(1);
    // Another object with the same text (S3 answering 200): read again.
    expect((await monthFromPublished({ read: async () => ({ body, etag: 'x' }) }, plan, MONTH, [], summary))?.rows).toEqual(rows);
  });

  it('reads a long month from every part its count makes, and tells what each part held', async () => {
    const published = oldestFirst(Array.from({ length: MONTH_PART_ROWS + 20 }, (_, i) => update(i, { reportedAt: reportedIn(i) })));
    const late = update(5_000, { reportedAt: `${MONTH}-28T23:00:00.000Z`, planRevision: 9_000 });
    const parts = monthParts(published);
    expect(parts.map((p) => p.length)).toEqual([MONTH_PART_ROWS, 20]);
    const byKey = new Map(parts.map((rows, i) => [`plans/p/${historyPath(MONTH, 'json', i + 1)}`, renderUpdatesJson(plan, MONTH, rows)]));
    const asked: string[] = [];
    const files = {
      read: async (key: string) => {
        asked.push(key);
        const body = byKey.get(key);
        return body === undefined ? undefined : { body, etag: 'x' };
      },
    };
    const all = [...published, late];
    const built = await monthFromPublished(files, plan, MONTH, [late], summaryOf(all));
    expect(asked.sort()).toEqual(['plans/p/updates/2025/03-part-2.json', 'plans/p/updates/2025/03.json']);
    expect(built?.rows).toEqual(oldestFirst(all));
    expect(built?.parts).toEqual(parts.map((rows) => rows.map((u) => u.updateId)));
    // A part missing (a crash, a deletion): its rows are not there, the count does not add up.
    byKey.delete('plans/p/updates/2025/03.json');
    expect(await monthFromPublished(files, plan, MONTH, [late], summaryOf(all))).toBeUndefined();
    // The month's third part, not written yet, is asked for once the count reaches it.
    asked.length = 0;
    const more = Array.from({ length: MONTH_PART_ROWS }, (_, i) => update(10_000 + i, { reportedAt: `${MONTH}-28T23:30:00.000Z` }));
    await monthFromPublished(files, plan, MONTH, more, summaryOf([...published, ...more]));
    expect(asked).toContain('plans/p/updates/2025/03-part-3.json');
  });
});

describe('a month in parts', () => {
  it('cuts a month into parts of MONTH_PART_ROWS in file order, names the first as the month and the others by number', () => {
    expect(monthParts([])).toEqual([[]]);
    expect(monthParts([1, 2, 3]).length).toBe(1);
    const rows = Array.from({ length: 2 * MONTH_PART_ROWS + 1 }, (_, i) => i);
    expect(monthParts(rows).map((p) => p.length)).toEqual([MONTH_PART_ROWS, MONTH_PART_ROWS, 1]);
    expect(monthParts(rows).flat()).toEqual(rows);
    expect([0, 1, MONTH_PART_ROWS, MONTH_PART_ROWS + 1].map(monthPartCount)).toEqual([1, 1, 1, 2]);
    expect(historyPath('2025-03', 'csv')).toBe('updates/2025/03.csv');
    expect(historyPath('2025-03', 'json', 2)).toBe('updates/2025/03-part-2.json');
  });
});
