/**
 * The product running end to end on this machine, as `npm start` runs it: the local runtime
 * (HTTP server → ingest handler, DynamoDB Stream → poller → publish handler → S3) started
 * in-process on the bench's emulators, with plans loaded before it starts.
 */
import { join } from 'node:path';
import { freePort } from '#infra/local/emulators';
import { type LocalStack, startLocalStack } from '#infra/local/local-stack';
import { ensureTable } from '#infra/local/setup';
import { DynamoSequencingRepository } from '#shared/store/dynamo/sequencing';
import type { BenchContext } from '../context.ts';
import { batchLoad, type PlanShape, planItems } from '../data.ts';
import { observePublishes, plansIn } from '../product.ts';
import { progress } from '../progress.ts';
import { type BenchKey, registerKey, signedPost } from '../signing.ts';
import { sleep } from '../stats.ts';

export interface PublishObservation {
  /** performance.now() when the invocation ended. */
  at: number;
  ms: number;
  plans: string[];
  records: number;
  failed: boolean;
  /** The updates whose records the batch carried. */
  updateIds: string[];
}

export interface RunningStack {
  stack: LocalStack;
  /** Where the bench sends requests: the server's own address, no name resolution. */
  origin: string;
  repository: DynamoSequencingRepository;
  tableName: string;
  bucketName: string;
  /** Every publish invocation since the stack started, in order. */
  publishes: PublishObservation[];
  keys: BenchKey[];
  waitQuiet(options?: { quietMs?: number; timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface StackPlans {
  shapes: Array<{ shape: PlanShape; history: number }>;
  clients: number;
}

export async function startStack(ctx: BenchContext, plans: StackPlans, log: (message: string) => void): Promise<RunningStack> {
  const tableName = 'bench-stack';
  const bucketName = 'bench-stack';
  // Loaded before the runtime starts: its stream poller begins at LATEST and publishes every
  // plan once at start, exactly as after a restart of `npm start`.
  await ensureTable(ctx.raw, tableName);
  const repository = new DynamoSequencingRepository(ctx.doc, tableName);
  for (const { shape, history } of plans.shapes) {
    await batchLoad(ctx.doc, tableName, planItems(shape, { from: 0, to: history }), { concurrency: 16 });
  }
  const keys: BenchKey[] = [];
  const scopes = plans.shapes.map(({ shape }) => ({ planId: shape.planId }));
  for (let i = 0; i < plans.clients; i++) keys.push(await registerKey(repository, `official-${i}`, 'official', scopes));

  const port = await freePort();
  progress(`starting the local runtime on port ${port} (initial publish of ${plans.shapes.length} plans)`);
  const stack = await startLocalStack({
    dataDir: join(ctx.tmp, 'stack'),
    port,
    dynamodbEndpoint: ctx.dynamodbEndpoint,
    s3Endpoint: ctx.s3Endpoint,
    tableName,
    bucketName,
    seedDemo: false,
    log,
  });
  const publishes: PublishObservation[] = [];
  let inFlight = 0;
  try {
    observePublishes(stack, {
      started: () => inFlight++,
      finished: (event, ms, failed) => {
        inFlight--;
        const updateIds = event.Records.map((record) => record.dynamodb?.NewImage?.updateId?.S).filter((id): id is string => !!id);
        publishes.push({ at: performance.now(), ms, plans: [...plansIn(event)], records: event.Records.length, failed, updateIds });
      },
    });
  } catch (error) {
    await stack.stop();
    throw error;
  }

  return {
    stack,
    origin: `http://127.0.0.1:${port}`,
    repository,
    tableName,
    bucketName,
    publishes,
    keys,
    async waitQuiet({ quietMs = 1500, timeoutMs = 180_000 } = {}) {
      const deadline = performance.now() + timeoutMs;
      const activity = () => `${stack.poller.stats.records}/${stack.poller.stats.invocations}/${inFlight}`;
      let last = activity();
      let since = performance.now();
      while (performance.now() < deadline) {
        await sleep(100);
        const now = activity();
        if (now !== last || inFlight > 0) {
          last = now;
          since = performance.now();
        } else if (performance.now() - since >= quietMs) return;
      }
      throw new Error(`the stream poller was still busy after ${timeoutMs / 1000} s`);
    },
    stop: () => stack.stop(),
  };
}

export interface PostResult {
  status: number;
  /** performance.now() when the response (and its body) had arrived. */
  at: number;
  ms: number;
  updateId?: string;
  revision?: number;
  /** Retry-After of a 409 or 503, in ms (0 when absent). */
  retryAfterMs: number;
}

/** One signed POST over HTTP; the clock starts after signing, as the server sees the request. */
export async function postUpdate(origin: string, key: BenchKey, path: string, body: unknown): Promise<PostResult> {
  const { headers, payload } = signedPost(key, origin + path, body);
  const t0 = performance.now();
  const response = await fetch(origin + path, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  const at = performance.now();
  let parsed: { updateId?: string; revision?: number } = {};
  if (response.status === 201) parsed = JSON.parse(text) as typeof parsed;
  const retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000 || 0;
  return { status: response.status, at, ms: at - t0, updateId: parsed.updateId, revision: parsed.revision, retryAfterMs };
}
