/**
 * 4. Growth with the city: publish time and bytes written after one update, as the plan gets
 * more commitments and a longer history; and 7. the baseline (scan everything, rewrite
 * everything) on the same data, for the our/baseline ratios.
 *
 * The history is spread evenly over the plan's four-year period and each measured update lands
 * in its last year, as updates do at the end of a mandate.
 */
import { S3ArtifactStore } from '#shared/artifact-store';
import { DynamoPlanRepository } from '#shared/dynamo-repository';
import { BaselinePublisher, type BaselineRun } from '../baseline.ts';
import { BASE_URL, type BenchContext } from '../context.ts';
import { batchLoad, commitmentId, createTable, deleteTable, planItems, type PlanShape } from '../data.ts';
import { measurePublish, recordOneUpdate, type PublishSample } from '../publish-probe.ts';
import { progress } from '../progress.ts';
import { ratio, summarize, type Summary } from '../stats.ts';

export interface GrowthCell {
  commitments: number;
  history: number;
  ours: {
    ms: Summary;
    readMs: number;
    renderMs: number;
    writeMs: number;
    itemsRead: number;
    readUnits: number;
    objectsWritten: number;
    bytesWritten: number;
    s3Puts: number;
    s3Lists: number;
  };
  baseline: { ms: Summary; bytesWritten: number; puts: number; itemsScanned: number };
  /** ours / baseline, medians */
  timeRatio: number;
  bytesRatio: number;
}

export interface GrowthResult {
  period: { start: number; end: number };
  cells: GrowthCell[];
  /** Publish time at the longest history / at the shortest, same commitments (target ≤ 1.3). */
  historyRatio: { commitments: number; from: number; to: number; ratio: number };
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
  baselineSamples: number;
}

const PERIOD = { start: 2022, end: 2025 };

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
    await batchLoad(ctx.doc, name, planItems(shape, { from: 0, to: 2_000 }), { concurrency: 16 });
    const repository = new DynamoPlanRepository(ctx.doc, name);
    const store = new S3ArtifactStore(ctx.s3, name);
    for (let i = 0; i < 4; i++) {
      await recordOneUpdate(repository, shape.planId, commitmentId(i), new Date(Date.UTC(PERIOD.end, 11, 31, 12, 0, i)).toISOString());
      await measurePublish(shape.planId, { repository, store, baseUrl: BASE_URL, io: ctx.io });
    }
  } finally {
    await deleteTable(ctx.raw, name);
  }
}

function median(samples: PublishSample[], pick: (s: PublishSample) => number): number {
  return summarize(samples.map(pick)).median;
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
    const shape: PlanShape = { planId: `city-${commitments}`, commitments, period: PERIOD };
    await createTable(ctx.raw, name);
    await ctx.createBucket(name);
    try {
      const repository = new DynamoPlanRepository(ctx.doc, name);
      const store = new S3ArtifactStore(ctx.s3, name);
      const baseline = new BaselinePublisher({ doc: ctx.doc, tableName: name, s3: ctx.s3, bucket: name, baseUrl: BASE_URL });
      let loaded = 0;
      let seq = 0;
      const update = () =>
        recordOneUpdate(
          repository,
          shape.planId,
          commitmentId((seq * 7919) % commitments),
          new Date(Date.UTC(PERIOD.end, 11, 31, 12, 0, 0, 0) + ++seq * 1000).toISOString(),
        );
      for (const history of [...wanted.get(commitments)!].sort((a, b) => a - b)) {
        progress(`growth: loading ${commitments} commitments, history ${loaded} → ${history}`);
        await batchLoad(ctx.doc, name, planItems(shape, { from: loaded, to: history }, loaded === 0), {
          concurrency: 16,
          onProgress: (n) => n >= 20_000 && progress(`growth: … ${n} items loaded`),
        });
        loaded = history;

        // The baseline rewrites every file, which also leaves the bucket in step with the table
        // for the publishes measured next.
        const baselineRuns: BaselineRun[] = [];
        for (let i = 0; i < Math.max(1, sizes.baselineSamples); i++) {
          await update();
          baselineRuns.push(await baseline.publishEverything());
        }
        const samples: PublishSample[] = [];
        for (let i = 0; i < sizes.samples; i++) {
          await update();
          samples.push(await measurePublish(shape.planId, { repository, store, baseUrl: BASE_URL, io: ctx.io }));
        }
        const ours: GrowthCell['ours'] = {
          ms: summarize(samples.map((s) => s.ms)),
          readMs: median(samples, (s) => s.readMs),
          renderMs: median(samples, (s) => s.renderMs),
          writeMs: median(samples, (s) => s.writeMs),
          itemsRead: median(samples, (s) => s.itemsRead),
          readUnits: median(samples, (s) => s.readUnits),
          objectsWritten: median(samples, (s) => s.objectsWritten),
          bytesWritten: median(samples, (s) => s.bytesWritten),
          s3Puts: median(samples, (s) => s.s3Puts),
          s3Lists: median(samples, (s) => s.s3Lists),
        };
        const baselineSummary = {
          ms: summarize(baselineRuns.map((r) => r.ms)),
          bytesWritten: summarize(baselineRuns.map((r) => r.bytesWritten)).median,
          puts: summarize(baselineRuns.map((r) => r.puts)).median,
          itemsScanned: summarize(baselineRuns.map((r) => r.itemsScanned)).median,
        };
        const cell: GrowthCell = {
          commitments,
          history,
          ours,
          baseline: baselineSummary,
          timeRatio: ratio(ours.ms.median, baselineSummary.ms.median),
          bytesRatio: ratio(ours.bytesWritten, baselineSummary.bytesWritten),
        };
        cells.push(cell);
        progress(
          `growth: ${commitments} commitments × ${history} updates: publish ${ours.ms.median.toFixed(0)} ms ` +
            `(read ${ours.readMs.toFixed(0)}, render ${ours.renderMs.toFixed(0)}, write ${ours.writeMs.toFixed(0)}), ` +
            `${(ours.bytesWritten / 1024).toFixed(0)} KB written; baseline ${baselineSummary.ms.median.toFixed(0)} ms, ` +
            `${(baselineSummary.bytesWritten / 1024).toFixed(0)} KB`,
        );
      }
    } finally {
      await deleteTable(ctx.raw, name);
    }
  }

  const cellAt = (c: number, h: number) => cells.find((x) => x.commitments === c && x.history === h)!;
  const hFrom = Math.min(...sizes.historyAxis);
  const hTo = Math.max(...sizes.historyAxis);
  const cFrom = Math.min(...sizes.commitmentsAxis);
  const cTo = Math.max(...sizes.commitmentsAxis);
  return {
    period: PERIOD,
    cells,
    historyRatio: {
      commitments: sizes.historyAxisCommitments,
      from: hFrom,
      to: hTo,
      ratio: ratio(cellAt(sizes.historyAxisCommitments, hTo).ours.ms.median, cellAt(sizes.historyAxisCommitments, hFrom).ours.ms.median),
    },
    commitmentsRatio: {
      history: sizes.commitmentsAxisHistory,
      from: cFrom,
      to: cTo,
      ratio: ratio(cellAt(cTo, sizes.commitmentsAxisHistory).ours.ms.median, cellAt(cFrom, sizes.commitmentsAxisHistory).ours.ms.median),
    },
  };
}
