/**
 * 10. Bulk import (issue 16): `mandat import` of a city's plan of 1,500 commitments and
 * `mandat import-history` of 10,000 past updates, each run as a user runs it (the CLI in its own
 * process, over HTTP, against the local runtime with its publisher), then run again (which must
 * change nothing: the plan's revision stays). Baseline, same run: the per-row PUTs the import made
 * before the batch operation, for a slice of the plan, as commitments per second.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { freePort, startDynamoDbLocal } from '#infra/local/emulators';
import { startLocalStack } from '#infra/local/local-stack';
import { ensureTable } from '#infra/local/setup';
import { createDynamoClient } from '#shared/store/dynamo/client';
import { DynamoSequencingRepository } from '#shared/store/dynamo/sequencing';
import { SignedClient } from '../../cli/client.ts';
import { type BenchContext, CREDENTIALS, REGION } from '../context.ts';
import { progress } from '../progress.ts';
import { registerKey } from '../signing.ts';

const run = promisify(execFile);

export interface BulkImportSizes {
  commitments: number;
  history: number;
  /** Commitments the per-row baseline defines. */
  baselineCommitments: number;
}

export interface BulkRun {
  ms: number;
  requests: number;
  /** Plan revision moves during the run (0 = nothing written). */
  revisionMoves: number;
}

export interface BulkImportResult {
  commitments: number;
  history: number;
  import: BulkRun;
  importAgain: BulkRun;
  historyImport: BulkRun;
  historyAgain: BulkRun;
  baseline: { commitments: number; ms: number; perSecond: number };
  /** Batch import's commitments per second over the baseline's. */
  speedup: number;
  /**
   * From the end of the runs to every plan of the scenario published (its files re-rendered for
   * the imported history): waited for here, so that no publish of this scenario runs into the next.
   */
  publishedMs?: number;
}

const STATUSES = ['not_started', 'pending', 'delayed', 'on_track'];

function planCsv(count: number): string {
  const header = 'commitment_id,priority_number,priority_title,commitment_number,commitment_title,area,status,observations,links';
  const rows = Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const p = 1 + Math.floor(i / 100);
    return [
      `c${n}`,
      p,
      `"Prioritat ${p}: una ciutat més amable"`,
      n,
      `"Compromís ${n}: millorarem el servei número ${n}"`,
      `"Àrea ${i % 15}"`,
      STATUSES[i % 4],
      `"Actuacions fetes:\n- Fase ${n}.1 acabada\n- Fase ${n}.2 en curs"`,
      `"Seguiment ${n} <https://example.org/seguiment/${n}.pdf>"`,
    ].join(',');
  });
  return `${header}\n${rows.join('\n')}\n`;
}

function historyCsv(commitments: number, count: number): string {
  const header = 'commitment_id,reported_at,status,observations,links';
  const start = Date.UTC(2016, 0, 1);
  const span = Date.UTC(2019, 5, 30) - start;
  const rows = Array.from({ length: count }, (_, i) => {
    const at = new Date(start + Math.floor((span * i) / count)).toISOString().slice(0, 10);
    return `c${(i % commitments) + 1},${at},${STATUSES[(i >> 2) % 4]},"Balanç ${i}: seguiment del compromís",`;
  });
  return `${header}\n${rows.join('\n')}\n`;
}

/** Until the plan's files cover its revision and nothing waits to be ordered (3 minutes at most). */
async function waitPublished(repository: DynamoSequencingRepository, planId: string): Promise<void> {
  const deadline = performance.now() + 180_000;
  while (performance.now() < deadline) {
    const [plan, state] = await Promise.all([repository.getPlan(planId), repository.getPublishState(planId)]);
    if (plan && state && plan.revision <= state.publishedRevision && !(await repository.hasPendingUpdates(planId, 'all'))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`plan ${planId} was not published within 3 minutes of the bulk import`);
}

export async function bulkImport(ctx: BenchContext, sizes: BulkImportSizes): Promise<BulkImportResult> {
  // A DynamoDB Local of its own: what 10,000 imported updates leave in the emulator after their
  // table is deleted slowed every end-to-end scenario after it (freshness at 20/s ×3), and what
  // those leave slowed this one (the history import ×7): docs/PERFORMANCE.md, "Freshness under load".
  progress('bulk import: starting a DynamoDB Local of its own');
  const dynamo = await startDynamoDbLocal();
  const raw = new DynamoDBClient({ region: REGION, endpoint: dynamo.endpoint, credentials: CREDENTIALS });
  const doc = createDynamoClient({ region: REGION, dynamodbEndpoint: dynamo.endpoint });
  try {
    return await importOn(ctx, sizes, { endpoint: dynamo.endpoint, raw, doc });
  } finally {
    raw.destroy();
    doc.destroy();
    await dynamo.stop();
  }
}

async function importOn(
  ctx: BenchContext,
  sizes: BulkImportSizes,
  { endpoint, raw, doc }: { endpoint: string; raw: DynamoDBClient; doc: DynamoDBDocumentClient },
): Promise<BulkImportResult> {
  const tableName = 'bench-bulk';
  const bucketName = 'bench-bulk';
  await ensureTable(raw, tableName);
  const repository = new DynamoSequencingRepository(doc, tableName);
  const admin = await registerKey(repository, 'bench-admin', 'admin', []);
  const keyFile = join(ctx.tmp, 'bench-admin.pem');
  writeFileSync(keyFile, admin.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const port = await freePort();
  const stack = await startLocalStack({
    dataDir: join(ctx.tmp, 'bulk-stack'),
    port,
    dynamodbEndpoint: endpoint,
    s3Endpoint: ctx.s3Endpoint,
    tableName,
    bucketName,
    seedDemo: false,
    // Into the run's log file (bench/run.ts sends the console there): a stalled import says why.
    log: (message: string) => console.info(`[bulk import's local stack] ${message}`),
  });
  const api = `http://127.0.0.1:${port}`;
  const cli = join(ctx.root, 'cli', 'bin.js');
  const mandat = async (planId: string, args: string[]): Promise<BulkRun> => {
    const before = (await repository.getPlan(planId))?.revision ?? 0;
    const started = performance.now();
    const out = await run(process.execPath, [cli, ...args, '--plan', planId, '--key', keyFile, '--api', api, '--json'], {
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`mandat ${args[0]} failed: ${error.stderr || error.message}`);
    });
    const ms = performance.now() - started;
    const report = JSON.parse(out.stdout) as { requests: number; rejected: unknown[] };
    if (report.rejected.length > 0) throw new Error(`mandat ${args[0]} rejected ${report.rejected.length} rows`);
    return { ms, requests: report.requests, revisionMoves: (await repository.getPlan(planId))!.revision - before };
  };
  try {
    const planFile = join(ctx.tmp, 'bulk-plan.csv');
    writeFileSync(planFile, planCsv(sizes.commitments));
    const newPlan = ['--plan-title', 'Pla de Mandat', '--municipality', 'Ciutat', '--period', '2015-2019'];
    progress(`mandat import of ${sizes.commitments} commitments`);
    const first = await mandat('bulk', ['import', planFile, ...newPlan]);
    const again = await mandat('bulk', ['import', planFile]);
    progress(`import ${(first.ms / 1000).toFixed(1)} s in ${first.requests} requests; again ${(again.ms / 1000).toFixed(1)} s`);

    const historyFile = join(ctx.tmp, 'bulk-history.csv');
    writeFileSync(historyFile, historyCsv(sizes.commitments, sizes.history));
    progress(`mandat import-history of ${sizes.history} past updates`);
    const history = await mandat('bulk', ['import-history', historyFile]);
    const historyAgain = await mandat('bulk', ['import-history', historyFile]);
    progress(`history ${(history.ms / 1000).toFixed(1)} s in ${history.requests} requests; again ${(historyAgain.ms / 1000).toFixed(1)} s`);

    // Baseline: one signed PUT per commitment, 4 at a time, as the import did before.
    const client = new SignedClient({ api, keyPath: keyFile });
    const baselineFile = join(ctx.tmp, 'baseline-plan.csv');
    writeFileSync(baselineFile, planCsv(1));
    await mandat('baseline', ['import', baselineFile, ...newPlan]);
    const queue = Array.from({ length: sizes.baselineCommitments }, (_, i) => i + 2);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
          for (let attempt = 0; attempt < 20; attempt++) {
            const result = await client.request('PUT', `/api/v1/plans/baseline/commitments/c${n}`, {
              number: n,
              title: `Compromís ${n}: millorarem el servei número ${n}`,
              priority: { number: 1, title: 'Prioritat 1: una ciutat més amable' },
              area: `Àrea ${n % 15}`,
              status: STATUSES[n % 4],
              observations: `Actuacions fetes:\n- Fase ${n}.1 acabada\n- Fase ${n}.2 en curs`,
              links: [{ title: `Seguiment ${n}`, url: `https://example.org/seguiment/${n}.pdf` }],
            });
            if (result.status !== 409) break;
            await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * (attempt + 1)));
          }
        }
      }),
    );
    const baselineMs = performance.now() - started;
    const perSecond = sizes.baselineCommitments / (baselineMs / 1000);
    const quiet = performance.now();
    for (const planId of ['bulk', 'baseline']) await waitPublished(repository, planId);
    const publishedMs = performance.now() - quiet;
    progress(`every plan published ${(publishedMs / 1000).toFixed(1)} s after the last request`);
    return {
      publishedMs,
      commitments: sizes.commitments,
      history: sizes.history,
      import: first,
      importAgain: again,
      historyImport: history,
      historyAgain,
      baseline: { commitments: sizes.baselineCommitments, ms: baselineMs, perSecond },
      speedup: sizes.commitments / (first.ms / 1000) / perSecond,
    };
  } finally {
    await stack.stop();
  }
}
