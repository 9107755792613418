/**
 * The Lambda bundles carry the generated files' labels packed (brotli, base64, as a build-time
 * define) instead of as object literals: the packed words must be the words, in every language,
 * and a bundle built with the stack's defines must use them and drop the literals.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTION_BUNDLING } from '#infra/bundling';
import { PROJECT_ROOT } from '#infra/constructs/mandat-function';
import { fillLabel, LABELS_DEFINE, type Labels, labelsFor, packLabels, unpackLabels } from '#shared/render/labels';

const LANGUAGES = ['ca', 'es', 'en'] as const;
const fromSource = Object.fromEntries(LANGUAGES.map((language) => [language, labelsFor(language)]));

mkdirSync(join(PROJECT_ROOT, '.test-data'), { recursive: true });
const outdir = mkdtempSync(join(PROJECT_ROOT, '.test-data', 'labels-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('packed labels', () => {
  it('decode to the same words as the source, every language and every label', () => {
    expect(unpackLabels(packLabels())).toStrictEqual(fromSource);
  });

  it('are what the stack bundles with, a fraction of the literals', () => {
    expect(FUNCTION_BUNDLING.define?.[LABELS_DEFINE]).toBe(JSON.stringify(packLabels()));
    expect(packLabels().length).toBeLessThan(JSON.stringify(fromSource).length / 2);
  });

  it('replace the literals in a bundle built with the stack’s defines, which answers with the same words', async () => {
    const file = join(outdir, 'labels.mjs');
    await build({
      // What the renderers import: the packer is not in a Lambda bundle, nor then the literals it packs.
      stdin: { contents: "export { labelsFor } from './shared/render/labels.ts';", resolveDir: PROJECT_ROOT, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      minify: true,
      charset: 'utf8',
      define: FUNCTION_BUNDLING.define,
      outfile: file,
      logLevel: 'silent',
    });
    const code = readFileSync(file, 'utf8');
    for (const language of LANGUAGES) expect(code).not.toContain(fromSource[language]!.readmeIntro);
    const bundled = (await import(pathToFileURL(file).href)) as { labelsFor: (language: string) => Labels };
    for (const language of [...LANGUAGES, 'ca-ES', 'es-419', 'fr', 'zz-Latn'])
      expect(bundled.labelsFor(language)).toStrictEqual(labelsFor(language));
    expect(bundled.labelsFor('fr')).toStrictEqual(fromSource.en);
  });
});

describe('fillLabel', () => {
  it('fills each placeholder with its value as written, never as a replacement pattern', () => {
    const words = labelsFor('ca');
    expect(fillLabel(words.chartDescription, { total: 12, parts: 'En curs: 5; Fet $& $1: 7' })).toBe(
      '12 compromisos en total: En curs: 5; Fet $& $1: 7.',
    );
    expect(fillLabel(labelsFor('en').updatesOfYear, { year: 2019 })).toBe('Updates of 2019');
    expect(fillLabel('{a} {b} {a}', { a: '{b}', b: 1 })).toBe('{b} 1 {b}');
    expect(fillLabel('{missing}', {})).toBe('{missing}');
  });
});
