import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { neutraliseCell, toCsv } from '#shared/render/csv';

describe('CSV (RFC 4180)', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    for (const dangerous of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1']) {
      expect(neutraliseCell(dangerous)).toBe(`'${dangerous}`);
    }
    expect(neutraliseCell('Pendent')).toBe('Pendent');
  });

  it('round-trips quotes, commas, newlines and emoji through a real parser with CRLF records', () => {
    const text = toCsv(['a', 'b'], [['He said "hi", then\nleft 🎉', 7]]);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parse(text, { columns: true })).toEqual([{ a: 'He said "hi", then\nleft 🎉', b: '7' }]);
  });

  // The writer replaced csv-stringify in the bundle; the library stays to hold it byte-equal.
  // Linear regex, no backtracking: the test timeout is the hang guard.
  it('writes byte for byte what csv-stringify wrote with the options used before, for any cells', { timeout: 30_000 }, () => {
    const cell = fc.oneof(
      fc.string({ unit: fc.constantFrom('"', ',', '\r', '\n', ' ', 'a', '=', "'", ';', '\t', '🎉', 'é') }),
      fc.string(),
      fc.integer().map(String),
    );
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { maxLength: 8 }), (rows) => {
        const expected = stringify([['a', 'b'], ...rows.map((row) => row.map(neutraliseCell))], {
          record_delimiter: '\r\n',
          quoted_match: /[",\r\n]/,
        });
        expect(toCsv(['a', 'b'], rows)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
