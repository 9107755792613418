/**
 * 3. Burst coalescing: many updates to one plan posted as fast as the API takes them. Counted:
 * how many regenerations the publisher ran, the S3 PUTs and bytes per update (on the wire, at
 * the S3 server), and, once the system is quiet, whether every update is in the public files.
 * And 7. the baseline's cost for the same updates: one full scan and rewrite per change.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { historyPath } from '#shared/render/snapshot';
import { BaselinePublisher } from '../baseline.ts';
import { BASE_URL, type BenchContext } from '../context.ts';
import { commitmentId } from '../data.ts';
import { readUnits, storedItemBytes } from '../dynamo-size.ts';
import { count } from '../io-counter.ts';
import { progress } from '../progress.ts';
import { STATUSES, updateBody, updatePath } from '../signing.ts';
import { ratio, type Summary, sleep, summarize } from '../stats.ts';
import { postUpdate, type RunningStack } from './stack.ts';

export interface BurstResult {
  plan: { commitments: number; history: number };
  updates: number;
  accepted: number;
  /** 409 answers the clients retried (the plan moved on under their request). */
  retried: number;
  postSeconds: number;
  acceptedPerSecond: number;
  /** From the first POST until the publisher was quiet again. */
  drainSeconds: number;
  invocations: number;
  /** Invocations that published the plan, the up-to-date ones included (what the goal counts). */
  regenerations: number;
  /** Rounds that wrote the plan's files: each round that orders an update rewrites its commitments.csv. */
  roundsWritten?: number;
  regenerationsPerUpdate: number;
  publishMsTotal: number;
  publishMs: Summary;
  s3PutsPerUpdate: number;
  s3ListsPerUpdate: number;
  s3HeadsPerUpdate: number;
  /** GETs of the previous round's snapshot and of the touched months' published files. */
  s3GetsPerUpdate: number;
  bytesWrittenPerUpdate: number;
  publishMsPerUpdate: number;
  dynamoRequestsPerUpdate: Record<string, number>;
  /** What one regeneration of this plan reads (plan, commitments, history), in read units. */
  readUnitsPerRegeneration: number;
  /** Size of each published file of the plan after the burst. */
  fileBytes: Record<string, number>;
  /** After quiet: every accepted update in the history file, every commitment at its last update. */
  allPresent: boolean;
  missingFromHistory: number;
  staleCommitments: number;
  baseline: {
    samples: number;
    tableItems: number;
    msPerUpdate: Summary;
    bytesWrittenPerUpdate: number;
    putsPerUpdate: number;
  };
  /** ours / baseline, per update */
  timeRatio: number;
  bytesRatio: number;
}

export interface BurstSizes {
  updates: number;
  concurrency: number;
  baselineSamples: number;
}

export async function burst(
  ctx: BenchContext,
  running: RunningStack,
  plan: { planId: string; commitments: number; history: number },
  sizes: BurstSizes,
): Promise<BurstResult> {
  await running.waitQuiet();
  const firstPublish = running.publishes.length;
  ctx.io.reset();
  progress(`burst: ${sizes.updates} updates to one plan, ${sizes.concurrency} clients as fast as accepted`);
  const accepted: Array<{ updateId: string; commitmentId: string; revision: number }> = [];
  let retried = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: sizes.concurrency }, async (_, client) => {
      const key = running.keys[client % running.keys.length]!;
      while (next < sizes.updates) {
        const i = next++;
        const commitment = commitmentId(i % plan.commitments);
        for (let attempt = 0; ; attempt++) {
          const result = await postUpdate(
            running.origin,
            key,
            updatePath(plan.planId, commitment),
            updateBody(STATUSES[i % STATUSES.length]!),
          );
          if (result.status === 201) {
            accepted.push({ updateId: result.updateId!, commitmentId: commitment, revision: result.revision! });
            break;
          }
          if (result.status !== 409 || attempt >= 50) throw new Error(`burst: update ${i} answered ${result.status}`);
          retried++;
          await sleep(Math.random() * 20);
        }
      }
    }),
  );
  const postSeconds = (performance.now() - t0) / 1000;
  await running.waitQuiet();
  const drainSeconds = (performance.now() - t0) / 1000 - 1.5; // waitQuiet's quiet period
  const io = ctx.io.take();
  const publishes = running.publishes.slice(firstPublish);
  const regenerations = publishes.reduce((sum, p) => sum + p.plans.length, 0);
  const publishMsTotal = publishes.reduce((sum, p) => sum + p.ms, 0);
  const dynamoRequestsPerUpdate: Record<string, number> = {};
  for (const [label, n] of Object.entries(io.requests)) {
    if (!label.startsWith('S3')) dynamoRequestsPerUpdate[label] = n / accepted.length;
  }

  // Every accepted update must be public once the system is quiet.
  // The updates are reported now: this month's history file (and last month's, if the burst crossed into this one).
  const months = new Set([new Date(Date.now() - 60_000).toISOString().slice(0, 7), new Date().toISOString().slice(0, 7)]);
  const historyIds = new Set<string>();
  for (const month of months) {
    // A month of more than MONTH_PART_ROWS updates continues in parts: read them until one is missing.
    for (let part = 1; ; part++) {
      const response = await fetch(`${running.origin}/plans/${plan.planId}/${historyPath(month, 'csv', part)}`);
      if (!response.ok) break;
      for (const row of parse(await response.text(), { columns: true }) as Array<{ update_id: string }>) historyIds.add(row.update_id);
    }
  }
  const missingFromHistory = accepted.filter((u) => !historyIds.has(u.updateId)).length;
  const current = parse(await (await fetch(`${running.origin}/plans/${plan.planId}/commitments.csv`)).text(), { columns: true }) as Array<{
    commitment_id: string;
    last_update_id: string;
  }>;
  const lastByCommitment = new Map<string, { updateId: string; revision: number }>();
  for (const u of accepted) {
    const seen = lastByCommitment.get(u.commitmentId);
    if (!seen || u.revision > seen.revision) lastByCommitment.set(u.commitmentId, u);
  }
  const staleCommitments = [...lastByCommitment].filter(
    ([id, last]) => current.find((row) => row.commitment_id === id)?.last_update_id !== last.updateId,
  ).length;

  const [planItem, commitments, updates] = await Promise.all([
    running.repository.getPlan(plan.planId),
    running.repository.listCommitments(plan.planId),
    running.repository.listUpdates(plan.planId),
  ]);
  const bytesPerRegeneration = [planItem, ...commitments, ...updates].reduce(
    (sum, item) => sum + storedItemBytes(item as unknown as Record<string, unknown>),
    0,
  );
  const fileBytes: Record<string, number> = {};
  let token: string | undefined;
  do {
    const out = await ctx.s3.send(
      new ListObjectsV2Command({ Bucket: running.bucketName, Prefix: `plans/${plan.planId}/`, ContinuationToken: token }),
    );
    for (const object of out.Contents ?? []) fileBytes[object.Key!.slice(`plans/${plan.planId}/`.length)] = object.Size ?? 0;
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);

  progress(
    `burst: ${accepted.length} accepted in ${postSeconds.toFixed(1)} s, ${regenerations} regenerations; baseline: ${sizes.baselineSamples} full rewrites`,
  );
  const baselineBucket = 'bench-baseline';
  await ctx.createBucket(baselineBucket);
  const baseline = new BaselinePublisher({
    doc: ctx.doc,
    tableName: running.tableName,
    s3: ctx.s3,
    bucket: baselineBucket,
    baseUrl: BASE_URL,
  });
  const runs = [];
  for (let i = 0; i < sizes.baselineSamples; i++) runs.push(await baseline.publishEverything());

  const perUpdate = {
    ms: publishMsTotal / accepted.length,
    bytes: io.s3PutBytes / accepted.length,
  };
  const baselineMs = summarize(runs.map((r) => r.ms));
  const baselineBytes = summarize(runs.map((r) => r.bytesWritten)).median;
  const result: BurstResult = {
    plan: { commitments: plan.commitments, history: plan.history },
    updates: sizes.updates,
    accepted: accepted.length,
    retried,
    postSeconds,
    acceptedPerSecond: accepted.length / postSeconds,
    drainSeconds,
    invocations: publishes.length,
    regenerations,
    roundsWritten: Object.entries(io.s3PutPaths)
      .filter(([path]) => path.endsWith(`/plans/${plan.planId}/commitments.csv`))
      .reduce((sum, [, n]) => sum + n, 0),
    regenerationsPerUpdate: regenerations / accepted.length,
    publishMsTotal,
    publishMs: summarize(publishes.map((p) => p.ms)),
    s3PutsPerUpdate: count(io, 'S3 PUT') / accepted.length,
    s3ListsPerUpdate: count(io, 'S3 LIST') / accepted.length,
    s3HeadsPerUpdate: count(io, 'S3 HEAD') / accepted.length,
    s3GetsPerUpdate: count(io, 'S3 GET') / accepted.length,
    bytesWrittenPerUpdate: perUpdate.bytes,
    publishMsPerUpdate: perUpdate.ms,
    dynamoRequestsPerUpdate,
    readUnitsPerRegeneration: readUnits(bytesPerRegeneration),
    fileBytes,
    allPresent: missingFromHistory === 0 && staleCommitments === 0 && accepted.length === sizes.updates,
    missingFromHistory,
    staleCommitments,
    baseline: {
      samples: runs.length,
      tableItems: summarize(runs.map((r) => r.itemsScanned)).median,
      msPerUpdate: baselineMs,
      bytesWrittenPerUpdate: baselineBytes,
      putsPerUpdate: summarize(runs.map((r) => r.puts)).median,
    },
    timeRatio: ratio(perUpdate.ms, baselineMs.median),
    bytesRatio: ratio(perUpdate.bytes, baselineBytes),
  };
  progress(
    `burst: ${result.regenerationsPerUpdate.toFixed(3)} regenerations and ${result.s3PutsPerUpdate.toFixed(2)} PUTs per update; ` +
      `all present: ${result.allPresent}; ours/baseline time ×${result.timeRatio.toFixed(3)}, bytes ×${result.bytesRatio.toFixed(3)}`,
  );
  return result;
}
