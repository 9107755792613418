import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvDateTime, neutraliseCell, toCsv } from '#shared/render/csv';

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
      fc.string({ unit: fc.constantFrom('"', ',', '\r', '\n', ' ', 'a', '=', '+', '-', '@', "'", ';', '\t', '🎉', 'é', '\u2028', '\0') }),
      fc.constantFrom('', '"', '""', '\r', '\n', '\r\n', '=', '+1', '-1', '@x', '\t=1', '\r=1', "'=1", ' =1', '🎉,"'),
      fc.string(),
      fc.string({ unit: 'grapheme' }),
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

  it('leaves numbers and empty cells as they are: a negative number is not a formula, an absent value is empty', () => {
    expect(toCsv(['a', 'b', 'c'], [[-5, undefined, '-5']])).toBe("a,b,c\r\n-5,,'-5\r\n");
    expect(toCsv(['a,"b"'], [])).toBe('"a,""b"""\r\n');
  });

  // The instants stored are cut as text; the cut must give what Date gives, and anything Date
  // would read otherwise (an impossible day rolls over, a leap day, hour 24) goes through Date.
  it('writes a datetime exactly as Date would, for any instant-shaped text', { timeout: 30_000 }, () => {
    const outcome = (write: (iso: string) => string) => (iso: string) => {
      try {
        return write(iso);
      } catch (error) {
        return error instanceof RangeError ? 'RangeError' : 'other';
      }
    };
    const viaDate = outcome((iso) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const ours = outcome(csvDateTime);
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const shaped = fc
      .record({
        year: fc.integer({ min: 0, max: 9999 }),
        month: fc.integer({ min: 0, max: 13 }),
        day: fc.integer({ min: 0, max: 32 }),
        hour: fc.integer({ min: 0, max: 25 }),
        minute: fc.integer({ min: 0, max: 60 }),
        second: fc.integer({ min: 0, max: 60 }),
        ms: fc.integer({ min: 0, max: 999 }),
      })
      .map(
        (t) =>
          `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}.${pad(t.ms, 3)}Z`,
      );
    const instants = fc
      .date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
      .map((d) => d.toISOString());
    // One character of a stored instant changed: a letter where a digit goes, another separator, a non-ASCII digit.
    const mutated = fc
      .tuple(instants, fc.nat(), fc.constantFrom('a', '-', ':', '.', 'Z', '+', ' ', '9', '0', '٣'))
      .map(([iso, at, c]) => iso.slice(0, at % iso.length) + c + iso.slice((at % iso.length) + 1));
    const others = fc.constantFrom(
      '2025-02-29T10:00:00.000Z',
      '2024-02-29T10:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
      '2025-01-01T24:00:00.000Z',
      '2025-03-01T10:00:00Z',
      '2025-03-01T10:00:00.000+01:00',
      '2025-03-01',
      '',
    );
    fc.assert(
      fc.property(fc.oneof(shaped, instants, mutated, others), (iso) => {
        expect(ours(iso)).toBe(viaDate(iso));
      }),
      { numRuns: 3000 },
    );
    expect(csvDateTime('2024-02-29T10:00:00.123Z')).toBe('2024-02-29T10:00:00Z');
    expect(csvDateTime('2025-02-29T10:00:00.000Z')).toBe('2025-03-01T10:00:00Z');
  });
});
