/**
 * The Lambda bundles carry the renderers' static text (labels, column meanings, the pages'
 * stylesheet, the DCAT tables, the spreadsheet's fixed parts) packed as build-time defines instead of as literals. A bundle built with the
 * stack's defines must write every file byte for byte as the renderers run from source do, in
 * every language, and must not carry the literals any more.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_BUNDLING } from '#infra/bundling';
import { PROJECT_ROOT } from '#infra/constructs/mandat-function';
import { renderPlanArtifacts } from '#shared/publish/publish';
import { parseDatasetRecord, renderCatalog, renderDatasetRecord } from '#shared/render/dcat';
import { columnMeaning, packColumnMeanings } from '#shared/render/dictionary';
import { packPageStyle, renderSiteIndex } from '#shared/render/html';
import { fillLabel, labelsFor, packLabels } from '#shared/render/labels';
import { unpackJson } from '#shared/render/packed';
import { packedTextDefines } from '#shared/render/packed-defines';
import type { PlanSnapshot } from '#shared/render/snapshot';
import { fixtureSnapshot } from '#tests/support/render-fixture';

const BASE_URL = 'https://dades.example.org';
/** The languages with their own words, a regional variant of each, and two that fall back to English. */
const LANGUAGES = ['ca', 'es', 'en', 'ca-ES', 'es-419', 'fr', 'zz-Latn'];

interface Renderers {
  renderPlanArtifacts: typeof renderPlanArtifacts;
  renderDatasetRecord: typeof renderDatasetRecord;
  parseDatasetRecord: typeof parseDatasetRecord;
  renderSiteIndex: typeof renderSiteIndex;
  renderCatalog: typeof renderCatalog;
}
const fromSource: Renderers = { renderPlanArtifacts, renderDatasetRecord, parseDatasetRecord, renderSiteIndex, renderCatalog };

/** Every file a publish writes for the plan, and the site's root page and catalog. */
function everyFile(renderers: Renderers, snapshot: PlanSnapshot): Map<string, string> {
  const files = new Map<string, string>();
  for (const artifact of renderers.renderPlanArtifacts(snapshot)) {
    files.set(artifact.key, Buffer.from(artifact.body).toString('base64'));
  }
  const dataset = renderers.parseDatasetRecord(renderers.renderDatasetRecord(snapshot));
  files.set('index.html', renderers.renderSiteIndex(BASE_URL, [dataset]));
  files.set('catalog.jsonld', renderers.renderCatalog(BASE_URL, [dataset]));
  return files;
}

let outdir: string;
let code: string;
let bundled: Renderers;

beforeAll(async () => {
  mkdirSync(join(PROJECT_ROOT, '.test-data'), { recursive: true });
  outdir = mkdtempSync(join(PROJECT_ROOT, '.test-data', 'packed-'));
  const file = join(outdir, 'renderers.mjs');
  // The renderers as the publish bundle holds them: the packers are not in it, nor the literals they pack.
  await build({
    stdin: {
      contents: [
        "export { renderPlanArtifacts } from './shared/publish/publish.ts';",
        "export { parseDatasetRecord, renderCatalog, renderDatasetRecord } from './shared/render/dcat.ts';",
        "export { renderSiteIndex } from './shared/render/html.ts';",
      ].join('\n'),
      resolveDir: PROJECT_ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: FUNCTION_BUNDLING.target,
    minify: true,
    charset: 'utf8',
    external: FUNCTION_BUNDLING.externalModules,
    define: FUNCTION_BUNDLING.define,
    outfile: file,
    logLevel: 'silent',
  });
  code = readFileSync(file, 'utf8');
  bundled = (await import(pathToFileURL(file).href)) as Renderers;
}, 60_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('packed text in the Lambda bundles', () => {
  it('is what the stack bundles with', () => {
    expect(Object.keys(packedTextDefines()).length).toBeGreaterThanOrEqual(3);
    for (const [name, value] of Object.entries(packedTextDefines())) expect(FUNCTION_BUNDLING.define?.[name]).toBe(value);
  });

  it('decodes to the text as written', () => {
    expect(unpackJson(packLabels())).toStrictEqual({ ca: labelsFor('ca'), es: labelsFor('es'), en: labelsFor('en') });
    const meanings = unpackJson<Record<string, Record<string, string>>>(packColumnMeanings());
    for (const [column, meaning] of Object.entries(meanings)) {
      for (const language of ['ca', 'es', 'en']) expect(meaning[language]).toBe(columnMeaning(column as never, language));
    }
    expect(unpackJson(packPageStyle())).toMatch(/^\n:root\{[\s\S]*\}\}\n$/);
  });

  it.each(LANGUAGES)('writes every file of a plan in %s byte for byte as the renderers run from source', (language) => {
    const snapshot = fixtureSnapshot({ language });
    const expected = everyFile(fromSource, snapshot);
    const actual = everyFile(bundled, snapshot);
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    for (const [key, body] of expected) expect(actual.get(key), key).toBe(body);
  });

  it('carries none of the literals it packs', () => {
    for (const language of ['ca', 'es', 'en']) expect(code).not.toContain(labelsFor(language).readmeIntro);
    expect(code).not.toContain(columnMeaning('imported', 'es'));
    expect(code).not.toContain('.history>li{margin:0 0 1rem');
    expect(code).not.toContain('spreadsheetml.styles+xml');
  });
});

describe('fillLabel', () => {
  it('fills each placeholder with its value as written, never as a replacement pattern', () => {
    expect(fillLabel(labelsFor('ca').chartDescription, { total: 12, parts: 'En curs: 5; Fet $& $1: 7' })).toBe(
      '12 compromisos en total: En curs: 5; Fet $& $1: 7.',
    );
    expect(fillLabel(labelsFor('en').updatesOfYear, { year: 2019 })).toBe('Updates of 2019');
    expect(fillLabel('{a} {b} {a}', { a: '{b}', b: 1 })).toBe('{b} 1 {b}');
    expect(fillLabel('{missing}', {})).toBe('{missing}');
  });
});
