/**
 * 4. Growth with the city: publish time and bytes written after one update, as the plan gets
 * more commitments and a longer history; and 7. the baseline (scan everything, rewrite
 * everything) on the same data, for the our/baseline ratios.
 *
 * The history is spread evenly over the plan's four-year period and each measured update lands
 * in its last year, as updates do at the end of a mandate.
 *
 * Each cell is measured twice:
 * - reading from memory (an exact copy of the plan's items) and writing to the S3 server: the
 *   publisher's own work, render and write, at every size;
 * - end to end on DynamoDB Local, where that is feasible: DynamoDB Local answers each page of a
 *   Query in time proportional to the rows left in the key range, so reading a partition costs
 *   O(n²) there (100,000 updates: tens of minutes), where DynamoDB costs O(n).
 */

import type { ArtifactStore } from '#shared/store/artifacts';
import { DynamoSequencingRepository } from '#shared/store/dynamo/sequencing';
import { S3ArtifactStore } from '#shared/store/s3/artifact-store';
import { BaselinePublisher, type BaselineRun } from '../baseline.ts';
import { BASE_URL, type BenchContext } from '../context.ts';
import { batchLoad, commitmentId, createTable, deleteTable, type PlanShape, planItems } from '../data.ts';
import { progress } from '../progress.ts';
import { type BenchRepository, measurePublish, type PublishSample, recordOneUpdate } from '../publish-probe.ts';
import { measurePublisherRounds, type PublisherRounds } from '../publisher-round.ts';
import { RemotePlanRepository } from '../remote-repository.ts';
import { ratio, type Summary, summarize } from '../stats.ts';

export interface PathResult {
  ms: Summary;
  readMs: number;
  renderMs: number;
  writeMs: number;
  baselineMs: Summary;
}

export interface GrowthCell {
  commitments: number;
  history: number;
  /** What one publish reads (plan, commitments, whole history) and writes. */
  itemsRead: number;
  readUnits: number;
  objectsWritten: number;
  bytesWritten: number;
  s3Puts: number;
  s3Lists: number;
  s3Gets: number;
  s3Heads: number;
  /** Reads from memory: render + write. */
  memory: PathResult;
  /** End to end on DynamoDB Local; absent where the partition is too large for it. */
  dynamoLocal?: PathResult;
  baseline: { bytesWritten: number; puts: number };
  /** ours / baseline (reads from memory), medians */
  timeRatio: number;
  bytesRatio: number;
  /** The publisher's lease, ordering and site-root requests around a publish (the cost cell, end to end). */
  publisherRounds?: PublisherRounds;
}

export interface GrowthResult {
  period: { start: number; end: number };
  endToEndMaxItems: number;
  cells: GrowthCell[];
  /** Publish time at the longest history / at the shortest, same commitments (target ≤ 1.3). */
  historyRatio: { commitments: number; from: number; to: number; ratio: number; dynamoLocal?: { to: number; ratio: number } };
  /** The same along the commitments axis (expected to grow: more commitments, more to render). */
  commitmentsRatio: { history: number; from: number; to: number; ratio: number };
}

export interface GrowthSizes {
  commitmentsAxis: number[];
  historyAxis: number[];
  /** The history length used along the commitments axis. */
  commitmentsAxisHistory: number;
  /** The plan size used along the history axis. */
  historyAxisCommitments: number;
  samples: number;
  /** Largest partition (commitments + history) measured end to end on DynamoDB Local. */
  endToEndMaxItems: number;
  /** Time after which a cell takes no more samples (it always takes one). */
  cellBudgetMs: number;
}

const PERIOD = { start: 2022, end: 2025 };

function median(samples: PublishSample[], pick: (s: PublishSample) => number): number {
  return summarize(samples.map(pick)).median;
}

/**
 * The baseline once (its full rewrite also leaves the bucket in step), then ours `samples`
 * times, or fewer (at least one) once the cell has used its time budget.
 */
async function measurePath(options: {
  ctx: BenchContext;
  planId: string;
  repository: BenchRepository;
  store: ArtifactStore;
  update: (repository: BenchRepository) => Promise<unknown>;
  baseline: () => Promise<BaselineRun>;
  samples: number;
  budgetMs: number;
}): Promise<{ result: PathResult; samples: PublishSample[]; baseline: BaselineRun }> {
  const { ctx, planId, repository, store, update } = options;
  const started = performance.now();
  await update(repository);
  const baseline = await options.baseline();
  // As the stream publisher does: each round reads the previous one's commitments back (this
  // first, unmeasured round lays the snapshot down), then only the commitments updated since.
  const probe = { repository, store, baseUrl: BASE_URL, io: ctx.io, snapshots: store };
  await measurePublish(planId, probe);
  const samples: PublishSample[] = [];
  for (let i = 0; i < options.samples && (i === 0 || performance.now() - started < options.budgetMs); i++) {
    await update(repository);
    samples.push(await measurePublish(planId, probe));
  }
  return {
    samples,
    baseline,
    result: {
      ms: summarize(samples.map((s) => s.ms)),
      readMs: median(samples, (s) => s.readMs),
      renderMs: median(samples, (s) => s.renderMs),
      writeMs: median(samples, (s) => s.writeMs),
      baselineMs: summarize([baseline.ms]),
    },
  };
}

/**
 * DynamoDB Local (a JVM) and this process both get faster over their first seconds of work; a
 * throwaway plan published a few times keeps that out of the first measured cell.
 */
async function warmUp(ctx: BenchContext): Promise<void> {
  const name = 'growth-warm-up';
  const shape: PlanShape = { planId: 'warm-up', commitments: 300, period: PERIOD };
  await createTable(ctx.raw, name);
  await ctx.createBucket(name);
  try {
    await batchLoad(ctx.doc, name, planItems(shape, { from: 0, to: 1_000 }), { concurrency: 16 });
    const repository = new DynamoSequencingRepository(ctx.doc, name);
    const store = new S3ArtifactStore(ctx.s3, name);
    for (let i = 0; i < 4; i++) {
      await recordOneUpdate(repository, shape.planId, commitmentId(i), new Date(Date.UTC(PERIOD.end, 11, 31, 12, 0, i)).toISOString());
      await measurePublish(shape.planId, { repository, store, baseUrl: BASE_URL, io: ctx.io });
    }
  } finally {
    await deleteTable(ctx.raw, name);
  }
}

export async function growth(ctx: BenchContext, sizes: GrowthSizes): Promise<GrowthResult> {
  const wanted = new Map<number, Set<number>>();
  const want = (c: number, h: number) => wanted.set(c, (wanted.get(c) ?? new Set()).add(h));
  for (const c of sizes.commitmentsAxis) want(c, sizes.commitmentsAxisHistory);
  for (const h of sizes.historyAxis) want(sizes.historyAxisCommitments, h);

  await warmUp(ctx);
  const cells: GrowthCell[] = [];
  for (const commitments of [...wanted.keys()].sort((a, b) => a - b)) {
    const name = `growth-c${commitments}`;
    const memoryBucket = `growth-memory-c${commitments}`;
    const shape: PlanShape = { planId: `city-${commitments}`, commitments, period: PERIOD };
    await createTable(ctx.raw, name);
    await ctx.createBucket(name);
    await ctx.createBucket(memoryBucket);
    // In a worker: the table's 100,000 updates are not the publisher's heap (bench/remote-repository.ts).
    const memory = new RemotePlanRepository();
    try {
      const dynamo = new DynamoSequencingRepository(ctx.doc, name);
      let loaded = 0;
      let inTable = true;
      let seq = 0;
      // Each copy gets its own measured updates; they differ by a few updates out of thousands.
      const update = (repository: BenchRepository) =>
        recordOneUpdate(
          repository,
          shape.planId,
          commitmentId((seq * 7919) % commitments),
          new Date(Date.UTC(PERIOD.end, 11, 31, 12, 0, 0, 0) + ++seq * 1000).toISOString(),
        );
      for (const history of [...wanted.get(commitments)!].sort((a, b) => a - b)) {
        const endToEnd = inTable && commitments + history <= sizes.endToEndMaxItems;
        progress(`growth: ${commitments} commitments, history ${loaded} → ${history}${endToEnd ? ' (also into DynamoDB Local)' : ''}`);
        const items = planItems(shape, { from: loaded, to: history }, loaded === 0);
        if (endToEnd) {
          const loading = [...items];
          await memory.addItems(loading);
          await batchLoad(ctx.doc, name, loading, { concurrency: 16 });
        } else {
          await memory.addItems(items);
          inTable = false;
        }
        loaded = history;

        const memoryRun = await measurePath({
          ctx,
          planId: shape.planId,
          repository: memory,
          store: new S3ArtifactStore(ctx.s3, memoryBucket),
          update,
          baseline: () => new BaselinePublisher({ s3: ctx.s3, bucket: memoryBucket, baseUrl: BASE_URL }).publishAll(memory),
          samples: sizes.samples,
          budgetMs: sizes.cellBudgetMs,
        });
        const dynamoRun = endToEnd
          ? await measurePath({
              ctx,
              planId: shape.planId,
              repository: dynamo,
              store: new S3ArtifactStore(ctx.s3, name),
              update,
              baseline: () =>
                new BaselinePublisher({ doc: ctx.doc, tableName: name, s3: ctx.s3, bucket: name, baseUrl: BASE_URL }).publishEverything(),
              samples: sizes.samples,
              budgetMs: sizes.cellBudgetMs,
            })
          : undefined;
        const s = memoryRun.samples;
        const costCell = commitments === sizes.historyAxisCommitments && history === sizes.commitmentsAxisHistory;
        const publisherRounds =
          endToEnd && costCell
            ? await measurePublisherRounds(ctx, {
                tableName: name,
                planId: shape.planId,
                commitments,
                store: new S3ArtifactStore(ctx.s3, name),
                writer: dynamo,
                reportedAt: (i) => new Date(Date.UTC(PERIOD.end, 11, 31, 13, 0, 0, 0) + i * 1000).toISOString(),
                several: 8,
              })
            : undefined;
        if (publisherRounds) {
          const { single, several } = publisherRounds;
          progress(
            `growth: publisher around a publish, 1 update: ${single.writeUnits} WRU, ${single.readUnits} RRU, ${single.s3Lists} LIST (${single.s3Heads} HEAD in the round); ` +
              `${several.updates} updates: ${several.writeUnits} WRU, ${several.readUnits} RRU (${JSON.stringify(single.requests)}); ` +
              `the publish's own reads: ${single.publishReadUnits} RRU, ${several.publishReadUnits} RRU`,
          );
        }
        const cell: GrowthCell = {
          commitments,
          history,
          itemsRead: median(s, (x) => x.itemsRead),
          readUnits: median(s, (x) => x.readUnits),
          objectsWritten: median(s, (x) => x.objectsWritten),
          bytesWritten: median(s, (x) => x.bytesWritten),
          s3Puts: median(s, (x) => x.s3Puts),
          s3Lists: median(s, (x) => x.s3Lists),
          s3Gets: median(s, (x) => x.s3Gets),
          s3Heads: median(s, (x) => x.s3Heads),
          memory: memoryRun.result,
          dynamoLocal: dynamoRun?.result,
          baseline: { bytesWritten: memoryRun.baseline.bytesWritten, puts: memoryRun.baseline.puts },
          timeRatio: ratio(memoryRun.result.ms.median, memoryRun.baseline.ms),
          bytesRatio: ratio(
            median(s, (x) => x.bytesWritten),
            memoryRun.baseline.bytesWritten,
          ),
          ...(publisherRounds ? { publisherRounds } : {}),
        };
        cells.push(cell);
        progress(
          `growth: ${commitments} commitments × ${history} updates: render+write ${cell.memory.ms.median.toFixed(0)} ms` +
            (cell.dynamoLocal
              ? `, end to end ${cell.dynamoLocal.ms.median.toFixed(0)} ms (read ${cell.dynamoLocal.readMs.toFixed(0)})`
              : '') +
            `; ${(cell.bytesWritten / 1024).toFixed(0)} KB written; baseline ${memoryRun.baseline.ms.toFixed(0)} ms, ${(memoryRun.baseline.bytesWritten / 1024).toFixed(0)} KB`,
        );
      }
    } finally {
      await memory.close();
      await deleteTable(ctx.raw, name);
    }
  }

  const cellAt = (c: number, h: number) => cells.find((x) => x.commitments === c && x.history === h)!;
  const hFrom = Math.min(...sizes.historyAxis);
  const hTo = Math.max(...sizes.historyAxis);
  const cFrom = Math.min(...sizes.commitmentsAxis);
  const cTo = Math.max(...sizes.commitmentsAxis);
  const historyCells = cells.filter((c) => c.commitments === sizes.historyAxisCommitments && c.dynamoLocal);
  const longestEndToEnd = historyCells.sort((a, b) => b.history - a.history)[0];
  const first = cellAt(sizes.historyAxisCommitments, hFrom);
  return {
    period: PERIOD,
    endToEndMaxItems: sizes.endToEndMaxItems,
    cells,
    historyRatio: {
      commitments: sizes.historyAxisCommitments,
      from: hFrom,
      to: hTo,
      ratio: ratio(cellAt(sizes.historyAxisCommitments, hTo).memory.ms.median, first.memory.ms.median),
      dynamoLocal:
        longestEndToEnd && first.dynamoLocal && longestEndToEnd.history > hFrom
          ? { to: longestEndToEnd.history, ratio: ratio(longestEndToEnd.dynamoLocal!.ms.median, first.dynamoLocal.ms.median) }
          : undefined,
    },
    commitmentsRatio: {
      history: sizes.commitmentsAxisHistory,
      from: cFrom,
      to: cTo,
      ratio: ratio(
        cellAt(cTo, sizes.commitmentsAxisHistory).memory.ms.median,
        cellAt(cFrom, sizes.commitmentsAxisHistory).memory.ms.median,
      ),
    },
  };
}
