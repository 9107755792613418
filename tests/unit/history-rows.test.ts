/**
 * The month files built from rows kept across publishes: byte for byte what rendering every row
 * afresh writes (JSON.stringify(doc, null, 2) for the JSON), whatever the rows hold, and never a
 * row kept for other content under the same ids. Linear transforms only (no backtracking
 * expressions): the test timeout is the hang guard.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Plan, StatusUpdate } from '#shared/domain/model';
import { statusLabel } from '#shared/domain/vocabulary';
import { parseMonthFile } from '#shared/publish/month-history';
import { csvDateTime, renderUpdatesCsv, toCsv, UPDATE_COLUMNS } from '#shared/render/csv';
import { renderUpdatesJson, updateJson } from '#shared/render/json';
import { collectRenderFallbacks, observationsText } from '#shared/render/observations';
import { MONTH_FIXTURE, monthFixturePlan } from '#tests/support/render-fixture';

/** Observations containing this make the Markdown renderer throw. */
const POISON = '☠ renderer failure ☠';

vi.mock('#shared/render/markdown', async (importOriginal) => {
  const actual = await importOriginal<typeof import('#shared/render/markdown')>();
  return {
    ...actual,
    markdownToText: (text: string) => {
      if (text.includes(POISON)) throw new RangeError('injected renderer failure');
      return actual.markdownToText(text);
    },
  };
});

const MONTH = MONTH_FIXTURE;
const plan = monthFixturePlan;

/** One update of the fixture's month, with what a test is about. */
const oneUpdate = (over: Pick<StatusUpdate, 'updateId' | 'observations' | 'links'> & Partial<StatusUpdate>): StatusUpdate => ({
  planId: 'p',
  commitmentId: 'c1',
  reportedAt: '2025-03-02T10:00:00.000Z',
  receivedAt: '2025-03-02T10:00:00.000Z',
  status: 'pending',
  previousStatus: '',
  revision: 1,
  planRevision: 1,
  keyId: 'k',
  commitmentNumber: 1,
  commitmentTitle: 'C',
  area: 'A',
  areaSlug: 'a',
  ...over,
});

/** What the month files were before rows were kept: every row rendered, the JSON by JSON.stringify. */
const referenceJson = (p: Plan, month: string, updates: StatusUpdate[]) =>
  `${JSON.stringify({ planId: p.planId, year: Number(month.slice(0, 4)), month, updates: updates.map((u) => updateJson(p, u)) }, null, 2)}\n`;
const referenceCsv = (p: Plan, updates: StatusUpdate[]) =>
  toCsv(
    UPDATE_COLUMNS,
    updates.map((u) => [
      u.planId,
      u.updateId,
      csvDateTime(u.reportedAt),
      csvDateTime(u.receivedAt),
      u.commitmentId,
      u.commitmentNumber,
      u.commitmentTitle,
      u.area,
      u.areaSlug,
      u.previousStatus,
      u.status,
      statusLabel(p.statuses, u.status, p.language),
      u.progress,
      observationsText(u.observations, `update ${u.updateId}`),
      u.links.map((l) => `${l.title} <${l.url}>`).join('\n'),
      u.revision,
      u.planRevision,
      u.keyId,
      u.imported === true ? 'true' : 'false',
    ]),
  );

/** Texts a JSON or CSV writer can get wrong: quotes, backslashes, control characters, line separators, lone surrogates. */
const text = fc.oneof(
  fc.string({
    unit: fc.constantFrom(
      '"',
      '\\',
      '\n',
      '\r',
      '\t',
      '\0',
      '\u001f',
      '\u2028',
      '\u2029',
      '\ud800',
      '\udfff',
      ',',
      '=',
      ' ',
      'a',
      'é',
      '🎉',
      '[',
      ']',
      '{',
      '}',
      '  ',
    ),
  }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '[]', '{}', 'null', '    ', '\n    '),
);
const ids = fc.constantFrom('u1', 'u2', 'u3');
const instant = fc.constantFrom('2025-03-01T10:00:00.000Z', '2025-03-31T23:59:59.999Z', '2025-02-29T10:00:00.000Z');
const updateArbitrary = fc.record(
  {
    planId: fc.constantFrom('p'),
    commitmentId: text,
    updateId: ids,
    reportedAt: instant,
    receivedAt: instant,
    status: fc.constantFrom('pending', 'delayed', 'on_track', 'unknown-code', ''),
    previousStatus: fc.constantFrom('pending', ''),
    observations: fc.oneof(text, fc.constantFrom(`- **${POISON}**`, '# títol\n\n- punt "a"')),
    links: fc.array(fc.record({ title: text, url: text }), { maxLength: 3 }),
    progress: fc.integer({ min: 0, max: 100 }),
    revision: fc.integer({ min: 1, max: 3 }),
    planRevision: fc.integer({ min: 1, max: 3 }),
    keyId: text,
    commitmentNumber: fc.integer({ min: 1, max: 3 }),
    commitmentTitle: text,
    area: text,
    areaSlug: text,
    imported: fc.boolean(),
  },
  {
    requiredKeys: [
      'planId',
      'commitmentId',
      'updateId',
      'reportedAt',
      'receivedAt',
      'status',
      'previousStatus',
      'observations',
      'links',
      'revision',
      'planRevision',
      'keyId',
      'commitmentNumber',
      'commitmentTitle',
      'area',
      'areaSlug',
    ],
  },
) as fc.Arbitrary<StatusUpdate>;
const plans = fc
  .record({ planId: fc.oneof(fc.constantFrom('p'), text), language: fc.constantFrom('ca', 'en', 'es', 'fr-FR') })
  .map((over) => ({ ...plan, ...over }) as Plan);

describe('history rows kept across publishes', () => {
  it('write the month JSON exactly as JSON.stringify(doc, null, 2) does, for any rows, nested and empty lists included', {
    timeout: 60_000,
  }, () => {
    fc.assert(
      fc.property(plans, fc.array(updateArbitrary, { maxLength: 6 }), (p, updates) => {
        const expected = referenceJson(p, MONTH, updates);
        // Twice: rendered, then from the rows kept.
        expect(renderUpdatesJson(p, MONTH, updates)).toBe(expected);
        expect(renderUpdatesJson(p, MONTH, updates)).toBe(expected);
      }),
      { numRuns: 400 },
    );
    expect(renderUpdatesJson(plan, MONTH, [])).toBe(referenceJson(plan, MONTH, []));
  });

  // The ids repeat across runs with other content, as tests and re-imports reuse them: a row kept
  // for one content must never be served for another.
  it('never serve a row kept for other content under the same ids, in the CSV or the JSON, under any plan language', {
    timeout: 60_000,
  }, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(plans, fc.array(updateArbitrary, { maxLength: 4 })), { minLength: 1, maxLength: 5 }), (publishes) => {
        for (const [p, updates] of publishes) {
          expect(renderUpdatesCsv(p, updates)).toBe(referenceCsv(p, updates));
          expect(renderUpdatesJson(p, MONTH, updates)).toBe(referenceJson(p, MONTH, updates));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('see a change made to an update after its row was kept', () => {
    const u = oneUpdate({ updateId: 'u-mutated', observations: 'abans', links: [{ title: 'a', url: 'https://example.org/a' }] });
    renderUpdatesCsv(plan, [u]);
    renderUpdatesJson(plan, MONTH, [u]);
    u.observations = 'després';
    u.links[0]!.url = 'https://example.org/b';
    expect(renderUpdatesCsv(plan, [u])).toContain('després,a <https://example.org/b>');
    expect(renderUpdatesJson(plan, MONTH, [u])).toBe(referenceJson(plan, MONTH, [u]));
  });

  it('report an observation the renderer fails on at every publish, not only the first', () => {
    const u = oneUpdate({ updateId: 'u-poisoned', observations: `**${POISON}**`, links: [] });
    for (let i = 0; i < 2; i++) {
      const { result, fallbacks } = collectRenderFallbacks(() => renderUpdatesCsv(plan, [u]));
      expect(result).toContain(`**${POISON}**`);
      expect(fallbacks).toEqual([{ subject: 'update u-poisoned', format: 'text', error: 'injected renderer failure' }]);
    }
  });

  it('take a published month back only when every row has every field with its type, even laid out as the renderer lays it out', () => {
    const u = oneUpdate({ updateId: 'u-typed', observations: 'text', links: [{ title: 'a', url: 'https://example.org/a' }], progress: 40 });
    const body = renderUpdatesJson(plan, MONTH, [u]);
    // Read back as kept (the entry was just rendered), or parsed: the same update either way.
    expect(parseMonthFile(plan, body)).toEqual([expect.objectContaining(u)]);
    const doc = JSON.parse(body) as { updates: Array<Record<string, unknown>> };
    const laidOut = (row: Record<string, unknown>) => `${JSON.stringify({ ...doc, updates: [row] }, null, 2)}\n`;
    const row = doc.updates[0]!;
    const { keyId: _, ...withoutKey } = row;
    const variants = [
      laidOut(withoutKey),
      laidOut({ ...row, keyId: null }),
      laidOut({ ...row, observations: null }),
      laidOut({ ...row, revision: '1' }),
      laidOut({ ...row, imported: 'false' }),
      laidOut({ ...row, links: ['a'] }),
      laidOut({ ...row, links: [{ title: 'a' }] }),
      laidOut({ ...row, extra: 1 }),
      laidOut({ ...row, statusLabel: 'Pending' }),
      `${JSON.stringify(doc, null, 4)}\n`,
      JSON.stringify(doc, null, 2),
      laidOut(row).replace('"month": "2025-03"', '"month": 202503'),
    ];
    expect(laidOut(row)).toBe(body);
    for (const [i, variant] of variants.entries()) expect(() => parseMonthFile(plan, variant), String(i)).toThrow();
  });

  // A warm function reads a month file back as the rows it keeps; a cold one parses it. Both must
  // accept the same files and give updates that render the same bytes.
  it('read a month file back the same whether its rows are kept or parsed', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(plans, fc.array(updateArbitrary, { maxLength: 5 }), async (p, drawn) => {
        const updates = [...new Map(drawn.map((u) => [u.updateId, { ...u, planId: p.planId }])).values()];
        const body = renderUpdatesJson(p, MONTH, updates);
        vi.resetModules();
        const cold = await import('#shared/publish/month-history');
        const coldCsv = await import('#shared/render/csv');
        const parsed = cold.parseMonthFile(p, body);
        const kept = cold.parseMonthFile(p, body);
        for (const read of [parsed, kept]) {
          expect(read.map((u) => u.updateId)).toEqual(updates.map((u) => u.updateId));
          expect(referenceJson(p, MONTH, read)).toBe(body);
          expect(coldCsv.renderUpdatesCsv(p, read)).toBe(referenceCsv(p, updates));
        }
        // Rows of another plan, or under another vocabulary, are refused by both.
        const other = { ...p, language: p.language === 'en' ? 'ca' : 'en' } as Plan;
        if (updates.some((u) => statusLabel(p.statuses, u.status, p.language) !== statusLabel(other.statuses, u.status, other.language))) {
          expect(() => cold.parseMonthFile(other, body)).toThrow();
        }
      }),
      { numRuns: 60 },
    );
  });
});
