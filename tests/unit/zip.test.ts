/** The hand-written ZIP container, read back by an independent implementation (fflate). */
import fc from 'fast-check';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { zip } from '#shared/render/zip';

const AT = new Date('2026-11-29T22:31:43Z');

describe('zip', () => {
  it('holds every file byte for byte, names in UTF-8, whatever their content', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          // fflate reads entries into a plain object, where __proto__ is no ordinary key.
          fc.string({ minLength: 1, maxLength: 40 }).filter((name) => !name.includes('\0') && name !== '__proto__'),
          fc.uint8Array({ maxLength: 5_000 }),
          { maxKeys: 8 },
        ),
        (files) => {
          const read = unzipSync(zip(files, AT));
          expect(Object.keys(read).sort()).toEqual(Object.keys(files).sort());
          for (const [name, bytes] of Object.entries(files)) expect(Buffer.from(read[name]!)).toEqual(Buffer.from(bytes));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the same bytes for the same files and time (no clock inside)', () => {
    const files = { 'xl/workbook.xml': new TextEncoder().encode('<workbook>Econòmic 🚧</workbook>') };
    expect(Buffer.from(zip(files, AT))).toEqual(Buffer.from(zip(files, new Date(AT))));
    expect(Buffer.from(zip(files, AT))).not.toEqual(Buffer.from(zip(files, new Date('2027-01-01T00:00:00Z'))));
  });
});
