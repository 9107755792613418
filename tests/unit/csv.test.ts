import { parse } from 'csv-parse/sync';
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
});
