/**
 * 6. Cold-start proxy: the size of each deployed bundle and the time to import it in a fresh
 * Node process, split into the AWS SDK (which the Lambda runtime provides, loaded from disk at
 * init all the same) and our own code.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildConsole } from '#infra/console-assets';
import { buildFunctions, lambdaBundleOptions } from '../product.ts';
import { progress } from '../progress.ts';
import { type Summary, summarize } from '../stats.ts';

const run = promisify(execFile);

export interface ColdStartResult {
  settings: Record<string, unknown>;
  functions: Array<{
    name: string;
    bundleKB: number;
    sourceMapKB: number;
    /** import() of the bundle in a fresh process: what Lambda's init phase pays. */
    importMs: Summary;
    /** The same, split: the SDK packages first, then the bundle with them already loaded. */
    sdkImportMs: Summary;
    ownImportMs: Summary;
    externals: string[];
    largestParts: Array<{ source: string; kB: number }>;
  }>;
  /** The signing console's files as the bucket serves them (the browser downloads these). */
  console?: { scriptKB: number; totalKB: number };
}

/** One fresh process; prints {"total"} or {"sdk","own"}. */
const PROBE = `
const [file, split, ...externals] = process.argv.slice(1);
const t0 = performance.now();
if (split === 'split') for (const m of externals) await import(m);
const t1 = performance.now();
await import(file);
const t2 = performance.now();
process.stdout.write(JSON.stringify(split === 'split' ? { sdk: t1 - t0, own: t2 - t1 } : { total: t2 - t0 }));
`;

export async function coldStart(options: { root: string; imports: number }): Promise<ColdStartResult> {
  const outdir = join(options.root, 'bench', '.build');
  progress('bundling the Lambda functions with esbuild');
  const built = await buildFunctions(outdir, options.root);
  const functions: ColdStartResult['functions'] = [];
  for (const fn of built) {
    const total: number[] = [];
    const sdk: number[] = [];
    const own: number[] = [];
    const url = pathToFileURL(fn.file).href;
    for (let i = 0; i < options.imports; i++) {
      // Alternating the two kinds of probe spreads any background noise over both.
      const whole = await run(process.execPath, ['--input-type=module', '-e', PROBE, url, 'whole'], { cwd: options.root });
      total.push((JSON.parse(whole.stdout) as { total: number }).total);
      const split = await run(process.execPath, ['--input-type=module', '-e', PROBE, url, 'split', ...fn.externals], { cwd: options.root });
      const parts = JSON.parse(split.stdout) as { sdk: number; own: number };
      sdk.push(parts.sdk);
      own.push(parts.own);
    }
    progress(`${fn.name}: ${(fn.bytes / 1024).toFixed(1)} KB, import median ${summarize(total).median.toFixed(0)} ms`);
    functions.push({
      name: fn.name,
      bundleKB: fn.bytes / 1024,
      sourceMapKB: fn.sourceMapBytes / 1024,
      importMs: summarize(total),
      sdkImportMs: summarize(sdk),
      ownImportMs: summarize(own),
      externals: fn.externals,
      largestParts: fn.composition.slice(0, 5).map((p) => ({ source: p.source, kB: p.bytes / 1024 })),
    });
  }
  const consoleFiles = await buildConsole();
  const script = consoleFiles.find((file) => file.key.endsWith('.js'))!;
  const consoleSize = {
    scriptKB: script.body.length / 1024,
    totalKB: consoleFiles.reduce((sum, file) => sum + file.body.length, 0) / 1024,
  };
  progress(`console: ${consoleSize.scriptKB.toFixed(1)} KB script, ${consoleSize.totalKB.toFixed(1)} KB in all`);
  const { external, ...settings } = lambdaBundleOptions();
  return { settings: { ...settings, external }, functions, console: consoleSize };
}
