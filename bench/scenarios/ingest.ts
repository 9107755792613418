/**
 * 2. Ingest latency: signed POSTs over HTTP at 1, 8 and 32 concurrent clients (each to its own
 * plan), at 1, 8, 32 and 64 on one plan (each to its own commitment), and 16 on one commitment
 * without If-Match; each client sends its next request when the last one answered. Beside each,
 * at the same concurrency in the same run, a bare PutItem of an update-sized item to the same
 * DynamoDB Local (the floor). Goal: no writer turned away (0 × 409/503).
 *
 * The publisher is paused meanwhile: on AWS it runs in its own Lambda, here it would share
 * this process's event loop with the ingest handler and the clients.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BenchContext } from '../context.ts';
import { commitmentId } from '../data.ts';
import { progress } from '../progress.ts';
import { STATUSES, updateBody, updatePath } from '../signing.ts';
import { ratio, type Summary, summarize } from '../stats.ts';
import { postUpdate, type RunningStack } from './stack.ts';

export interface IngestLevel {
  clients: number;
  requests: number;
  ingestMs: Summary;
  floorMs: Summary;
  /** ingest p99 / floor p99 (target ≤ 3) */
  p99Ratio: number;
  medianRatio: number;
  /** Accepted requests per second at this concurrency. */
  throughput: number;
  /** Answers other than 201, by status (409/503: still colliding after the retry deadline). */
  rejected: Record<string, number>;
}

export interface IngestResult {
  /** Each client posts to its own plan (officials of different municipalities). */
  separatePlans: IngestLevel[];
  /** Every client posts to its own commitment of one plan (one city's officials). */
  onePlan: IngestLevel[];
  /** Every client posts to the same commitment, without If-Match. */
  oneCommitment: IngestLevel[];
}

export interface IngestSizes {
  /** Clients, each on its own plan. */
  concurrency: number[];
  /** Clients on one plan, each on its own commitment (the plan needs as many commitments). */
  onePlanConcurrency: number[];
  /** Clients on one commitment. */
  oneCommitmentWriters: number;
  requestsPerLevel: number;
}

export const VARIANT_LABELS = { separatePlans: 'separate plans', onePlan: 'one plan', oneCommitment: 'one commitment' } as const;

async function closedLoop(clients: number, requests: number, send: (client: number, i: number) => Promise<{ ms: number; status: number }>) {
  const latencies: number[] = [];
  const rejected: Record<string, number> = {};
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (next < requests) {
        const i = next++;
        const { ms, status } = await send(client, i);
        if (status === 201 || status === 200) latencies.push(ms);
        else rejected[status] = (rejected[status] ?? 0) + 1;
      }
    }),
  );
  return { latencies, rejected, seconds: (performance.now() - t0) / 1000 };
}

export async function ingest(
  ctx: BenchContext,
  running: RunningStack,
  plans: { separate: (client: number) => string; shared: string; commitments: number },
  sizes: IngestSizes,
): Promise<IngestResult> {
  await running.stack.poller.stop();
  const floorItem = (i: number) => ({
    PK: `FLOOR#${i % 997}`,
    SK: `UPDATE#${new Date().toISOString()}#${i}`,
    kind: 'floor',
    ...updateBody('on_track'),
  });
  const result: IngestResult = { separatePlans: [], onePlan: [], oneCommitment: [] };
  const levels = {
    separatePlans: sizes.concurrency,
    onePlan: sizes.onePlanConcurrency,
    oneCommitment: [sizes.oneCommitmentWriters],
  };
  let floorSeq = 0;
  try {
    for (const variant of ['separatePlans', 'onePlan', 'oneCommitment'] as const) {
      for (const clients of levels[variant]) {
        const post = (client: number, i: number) => {
          const planId = variant === 'separatePlans' ? plans.separate(client) : plans.shared;
          const commitment = commitmentId(
            variant === 'separatePlans' ? i % plans.commitments : variant === 'onePlan' ? client % plans.commitments : 0,
          );
          return postUpdate(
            running.origin,
            running.keys[client]!,
            updatePath(planId, commitment),
            updateBody(STATUSES[i % STATUSES.length]!),
          );
        };
        await closedLoop(clients, clients * 2, post); // warm-up: connections, JIT
        const measured = await closedLoop(clients, sizes.requestsPerLevel, post);
        const floor = await closedLoop(clients, sizes.requestsPerLevel, async () => {
          const item = floorItem(floorSeq++);
          const t0 = performance.now();
          await ctx.doc.send(new PutCommand({ TableName: running.tableName, Item: item }));
          return { ms: performance.now() - t0, status: 200 };
        });
        const ingestMs = summarize(measured.latencies);
        const floorMs = summarize(floor.latencies);
        const level: IngestLevel = {
          clients,
          requests: sizes.requestsPerLevel,
          ingestMs,
          floorMs,
          p99Ratio: ratio(ingestMs.p99, floorMs.p99),
          medianRatio: ratio(ingestMs.median, floorMs.median),
          throughput: measured.latencies.length / measured.seconds,
          rejected: measured.rejected,
        };
        result[variant].push(level);
        progress(
          `ingest (${VARIANT_LABELS[variant]}, ${clients} clients): ` +
            `p50 ${ingestMs.median.toFixed(1)} / p99 ${ingestMs.p99.toFixed(1)} ms; PutItem p50 ${floorMs.median.toFixed(1)} / p99 ${floorMs.p99.toFixed(1)} ms` +
            (Object.keys(measured.rejected).length ? `; rejected ${JSON.stringify(measured.rejected)}` : ''),
        );
      }
    }
  } finally {
    // What was written meanwhile is published when the poller resumes (from where it stopped).
    await running.stack.poller.start('LATEST');
  }
  return result;
}
