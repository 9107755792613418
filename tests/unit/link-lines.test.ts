/**
 * The related links as the commitments' CSV writes them (its `links` column, one "title <url>"
 * per line) read back by `mandat import` exactly: a plan exported, edited in a spreadsheet and
 * imported keeps every link, titles with brackets, pipes, colons and angle brackets included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Link, linkSchema } from '#shared/domain/model';
import { linkLines } from '#shared/render/csv';
import { parseLinks } from '../../cli/import/read-rows.ts';

/**
 * Titles from the characters the other link forms use as separators, around ordinary words. Not
 * an address inside a title: such a line is read as the foreign "title | url || …" form.
 */
const title = fc
  .array(
    fc.constantFrom('Acta', 'Pla (2024)', '[annex]', '<b>', ' <', '>', '|', ' | ', ' || ', ':', ' - ', 'x.example', '🚧', 'l·l', ' '),
    {
      minLength: 1,
      maxLength: 8,
    },
  )
  .map((parts) => parts.join(''));
const url = fc.webUrl({ validSchemes: ['https', 'http'] });

/** As the API stores a link: trimmed title, the URL as the WHATWG parser serialises it. */
const stored = fc
  .record({ title, url })
  .map((link) => linkSchema.safeParse(link))
  .filter((parsed) => parsed.success)
  .map((parsed) => parsed.data as Link);

describe('the links column', () => {
  it('reads back exactly what it wrote', () => {
    fc.assert(
      fc.property(fc.array(stored, { maxLength: 6 }), (links) => {
        expect(parseLinks(linkLines(links))).toEqual(links);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a title the older reading would have cut', () => {
    const links = [{ title: 'Pressupost (2024) [PDF] <annex>', url: 'https://example.org/p.pdf' }];
    expect(linkLines(links)).toBe('Pressupost (2024) [PDF] <annex> <https://example.org/p.pdf>');
    expect(parseLinks(linkLines(links))).toEqual(links);
  });
});
