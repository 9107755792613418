/**
 * `npm run bench`: measures the product on this machine against its own DynamoDB Local and S3
 * server, prints a table, and writes bench/results/latest.json and latest.svg.
 *
 *   npm run bench                  full run (the issue's sizes; under 10 minutes on 2 cores)
 *   npm run bench -- --quick       smaller sizes, fewer samples (under 2 minutes)
 *   npm run bench -- --smoke       the smallest sizes (trying the harness; the test suite runs --quick)
 *   npm run bench -- --json        print the results as JSON instead of the table
 *   npm run bench -- --only freshness,growth
 *   npm run bench -- --only citizen-site   the citizen pages of a 1,500-commitment plan alone (no emulators)
 *   npm run bench -- --out DIR     write the results there instead of bench/results/
 *
 * Progress goes to stderr. Everything started is stopped at the end, on error and on Ctrl-C.
 */
import './silence-handlers.ts';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, parseArgs } from 'node:util';
import { chart } from './chart.ts';
import { type Mode, SIZES } from './config.ts';
import { type BenchContext, openContext } from './context.ts';
import { describeMachine } from './machine.ts';
import { progress, setQuiet, step } from './progress.ts';
import { textTable } from './report.ts';
import { type BenchResults, deriveCost, MEASUREMENTS, type Measurement } from './results.ts';
import { bulkImport } from './scenarios/bulk-import.ts';
import { burst } from './scenarios/burst.ts';
import { citizenSite } from './scenarios/citizen-site.ts';
import { coldStart } from './scenarios/cold-start.ts';
import { freshness } from './scenarios/freshness.ts';
import { growth } from './scenarios/growth.ts';
import { ingest } from './scenarios/ingest.ts';
import { regional } from './scenarios/regional.ts';
import { renderSpeed } from './scenarios/render.ts';
import { type RunningStack, startStack } from './scenarios/stack.ts';
import { rounded } from './stats.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    [
      'Usage: npm run bench [-- --quick | --smoke] [--json] [--only LIST] [--out DIR] [--quiet]',
      '',
      `Measurements: ${MEASUREMENTS.join(', ')}`,
      'Full mode writes bench/results/latest.json and latest.svg; --quick and --smoke write quick.* / smoke.*.',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const mode: Mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
const sizes = SIZES[mode];
const wanted = new Set<Measurement>(
  values.only
    ? values.only.split(',').map((name) => {
        const m = MEASUREMENTS.find((x) => x.toLowerCase() === name.trim().toLowerCase().replace(/-/g, ''));
        if (!m) {
          process.stderr.write(`unknown measurement "${name}"; known: ${MEASUREMENTS.join(', ')}\n`);
          process.exit(2);
        }
        return m;
      })
    : MEASUREMENTS,
);
const outDir = resolve(values.out ?? join(ROOT, 'bench', 'results'));
const baseName = mode === 'full' ? 'latest' : mode;
mkdirSync(outDir, { recursive: true });
setQuiet(values.quiet);

// The product logs a JSON line per publish; those go to a file, not into the table.
const logPath = join(outDir, `${baseName}.log`);
const log = createWriteStream(logPath);
let productErrors = 0;
const toLog =
  (level: string) =>
  (...args: unknown[]) => {
    const line = format(...args);
    if (level === 'error' || line.includes('"level":"ERROR"')) productErrors++;
    log.write(`${line}\n`);
  };
console.log = toLog('log');
console.info = toLog('info');
console.warn = toLog('warn');
console.error = toLog('error');
console.debug = toLog('debug');

const cleanups: Array<() => Promise<void>> = [];
async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: Error) => progress(`cleanup failed: ${error.message}`));
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping everything the bench started`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<BenchResults> {
  const started = new Date();
  const machine = await describeMachine();
  progress(`${mode} run on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; measuring ${[...wanted].join(', ')}`);
  const results: BenchResults = {
    version: 1,
    mode,
    startedAt: started.toISOString(),
    durationSeconds: 0,
    machine: { ...machine, loadAverageAtEnd: [] },
    sizes,
    productErrors: 0,
  };

  if (wanted.has('coldStart'))
    results.coldStart = await step('6. cold start', () => coldStart({ root: ROOT, imports: sizes.coldStart.imports }));
  if (wanted.has('render')) results.render = await step('5. render', () => renderSpeed(sizes.render));
  if (wanted.has('citizenSite')) results.citizenSite = await step('9. citizen site', () => citizenSite(sizes.citizenSite));

  const needsEmulators = ['growth', 'regional', 'freshness', 'ingest', 'burst', 'bulkImport'].some((m) => wanted.has(m as Measurement));
  if (needsEmulators) {
    const ctx: BenchContext = await openContext(ROOT);
    cleanups.push(() => ctx.close());
    if (wanted.has('growth')) results.growth = await step('4+7. growth and baseline', () => growth(ctx, sizes.growth));
    if (wanted.has('regional')) results.regional = await step('8. regional scale', () => regional(ctx, sizes.regional));
    if (wanted.has('freshness') || wanted.has('ingest') || wanted.has('burst')) {
      const city = { ...sizes.cityPlan, period: { start: 2023, end: 2027 } };
      const clients = Math.max(
        ...sizes.ingest.concurrency,
        ...sizes.ingest.onePlanConcurrency,
        sizes.ingest.oneCommitmentWriters,
        sizes.burst.concurrency,
      );
      const ingestShape = (planId: string) => ({
        shape: { planId, commitments: sizes.ingest.commitmentsPerPlan, period: city.period },
        history: 0,
      });
      const running: RunningStack = await step('starting the local runtime', () =>
        startStack(
          ctx,
          {
            shapes: [
              { shape: { planId: 'ciutat', ...city }, history: city.history },
              { shape: { planId: 'rafega', ...city }, history: city.history },
              ingestShape('ingest-shared'),
              ...Array.from({ length: Math.max(...sizes.ingest.concurrency) }, (_, i) => ingestShape(`ingest-${i}`)),
            ],
            clients,
          },
          (message) => log.write(`[local runtime] ${message}\n`),
        ),
      );
      let stopped: Promise<void> | undefined;
      const stopRunning = () => (stopped ??= running.stop());
      cleanups.push(stopRunning);
      if (wanted.has('freshness')) {
        results.freshness = await step('1. freshness', () => freshness(running, { planId: 'ciutat', ...sizes.cityPlan }, sizes.freshness));
      }
      if (wanted.has('burst')) {
        results.burst = await step('3+7. burst and baseline', () =>
          burst(ctx, running, { planId: 'rafega', ...sizes.cityPlan }, sizes.burst),
        );
      }
      if (wanted.has('ingest')) {
        results.ingest = await step('2. ingest latency', () =>
          ingest(
            ctx,
            running,
            { separate: (client) => `ingest-${client}`, shared: 'ingest-shared', commitments: sizes.ingest.commitmentsPerPlan },
            sizes.ingest,
          ),
        );
      }
      await stopRunning();
    }
    // Last, with the runtime above stopped: what a history import leaves in DynamoDB Local after
    // its table is deleted slowed every end-to-end scenario measured after it (docs/PERFORMANCE.md,
    // "Freshness under load"); nothing is measured after it now.
    if (wanted.has('bulkImport')) results.bulkImport = await step('10. bulk import', () => bulkImport(ctx, sizes.bulkImport));
  }
  await cleanUp();
  results.cost = deriveCost(results);
  results.durationSeconds = (Date.now() - started.getTime()) / 1000;
  results.machine.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  results.productErrors = productErrors;
  return rounded(results, 3);
}

try {
  const results = await main();
  writeFileSync(join(outDir, `${baseName}.json`), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(outDir, `${baseName}.svg`), chart(results));
  progress(`wrote ${join(outDir, `${baseName}.json`)} and ${baseName}.svg (product log: ${logPath})`);
  process.stdout.write(values.json ? JSON.stringify(results, null, 2) + '\n' : textTable(results));
  await new Promise<void>((r) => log.end(r));
  process.exit(0);
} catch (error) {
  progress(`failed: ${(error as Error).stack ?? String(error)}`);
  await cleanUp();
  await new Promise<void>((r) => log.end(r));
  process.exit(1);
}
