/**
 * 8. Regional scale: one table holding every municipality's plan. The publish time of one plan
 * is compared with the same plan alone in a table, and signed updates spread over the plans
 * show which partition keys take the writes (counted on the DynamoDB client the API uses).
 */
import { createApi } from '#shared/api/api';
import { createDynamoClient } from '#shared/store/dynamo/client';
import { DynamoSequencingRepository } from '#shared/store/dynamo/sequencing';
import { TABLE_SCHEMA } from '#shared/store/dynamo/table-schema';
import { S3ArtifactStore } from '#shared/store/s3/artifact-store';
import { BASE_URL, type BenchContext, REGION } from '../context.ts';
import { batchLoad, commitmentId, createTable, deleteTable, type PlanShape, planItems } from '../data.ts';
import { indexWriteUnits, itemBytes, transactionalWriteUnits } from '../dynamo-size.ts';
import { publishPlan } from '../product.ts';
import { progress } from '../progress.ts';
import { measurePublish, type PublishSample, recordOneUpdate } from '../publish-probe.ts';
import { registerKey, STATUSES, signedApiRequest, updateBody, updatePath } from '../signing.ts';
import { ratio, type Summary, summarize } from '../stats.ts';

export interface RegionalResult {
  plans: number;
  commitmentsPerPlan: number;
  tableItems: number;
  /** Publish of one plan after one update, in the regional table and alone in a table. */
  publishMs: { regional: Summary; alone: Summary };
  ratio: number;
  writes: {
    updates: number;
    rejected: number;
    /** Item writes by key kind: PLAN# (plan, commitment and update items), NONCE#, other. */
    itemWrites: Record<string, number>;
    distinctKeys: number;
    perPlanKey: { min: number; median: number; max: number; maxOverMean: number };
    /** The most-written key's share of all item writes, and a plan's fair share (1 / plans). */
    hottestKeyShare: number;
    fairShare: number;
    writeUnitsPerUpdate: number;
    /** Of those, on the plan's own partition key (the rest go to the nonce's). */
    writeUnitsPerUpdateOnPlanKey: number;
    /** DynamoDB's per-partition ceiling (1,000 WCU/s) divided by the plan key's units per update. */
    maxUpdatesPerSecondPerPlan: number;
  };
}

export interface RegionalSizes {
  plans: number;
  commitments: number;
  samples: number;
  updates: number;
}

const PERIOD = { start: 2023, end: 2027 };

const INDEX_SORT_KEYS = TABLE_SCHEMA.localIndexes.map((index) => index.sortKey);

export async function regional(ctx: BenchContext, sizes: RegionalSizes): Promise<RegionalResult> {
  const big = 'regional-all';
  const alone = 'regional-one';
  const shapeOf = (i: number): PlanShape => ({
    planId: `municipi-${String(i).padStart(4, '0')}`,
    commitments: sizes.commitments,
    period: PERIOD,
  });
  await Promise.all([createTable(ctx.raw, big), createTable(ctx.raw, alone), ctx.createBucket(big), ctx.createBucket(alone)]);
  try {
    progress(`regional: loading ${sizes.plans} plans × ${sizes.commitments} commitments`);
    function* everyPlan() {
      for (let i = 0; i < sizes.plans; i++) yield* planItems(shapeOf(i), { from: 0, to: 0 });
    }
    const tableItems = await batchLoad(ctx.doc, big, everyPlan(), {
      concurrency: 16,
      onProgress: (n) => n % 50_000 < 25 && progress(`regional: … ${n} items loaded`),
    });
    await batchLoad(ctx.doc, alone, planItems(shapeOf(0), { from: 0, to: 0 }));

    const writes = await spreadUpdates(ctx, big, sizes);

    const repositories = { regional: new DynamoSequencingRepository(ctx.doc, big), alone: new DynamoSequencingRepository(ctx.doc, alone) };
    const stores = { regional: new S3ArtifactStore(ctx.s3, big), alone: new S3ArtifactStore(ctx.s3, alone) };
    const samples: Record<'regional' | 'alone', PublishSample[]> = { regional: [], alone: [] };
    const published = new Set<string>();
    let seq = 0;
    for (let i = 0; i < sizes.samples; i++) {
      // Alternating the two tables spreads background noise over both.
      for (const where of ['regional', 'alone'] as const) {
        const planId = where === 'alone' ? shapeOf(0).planId : shapeOf((i * 7919 + 1) % sizes.plans).planId;
        const repository = repositories[where];
        const store = stores[where];
        if (!published.has(`${where}/${planId}`)) {
          await publishPlan(planId, { repository, store, baseUrl: BASE_URL }); // first publish writes every file
          published.add(`${where}/${planId}`);
        }
        await recordOneUpdate(
          repository,
          planId,
          commitmentId(i % sizes.commitments),
          new Date(Date.UTC(2025, 5, 1) + ++seq * 1000).toISOString(),
        );
        samples[where].push(await measurePublish(planId, { repository, store, baseUrl: BASE_URL, io: ctx.io }));
      }
    }
    const publishMs = { regional: summarize(samples.regional.map((s) => s.ms)), alone: summarize(samples.alone.map((s) => s.ms)) };
    const result: RegionalResult = {
      plans: sizes.plans,
      commitmentsPerPlan: sizes.commitments,
      tableItems,
      publishMs,
      ratio: ratio(publishMs.regional.median, publishMs.alone.median),
      writes,
    };
    progress(
      `regional: publish ${publishMs.regional.median.toFixed(0)} ms among ${sizes.plans} plans vs ${publishMs.alone.median.toFixed(0)} ms alone ` +
        `(×${result.ratio.toFixed(2)}); hottest key ${(writes.hottestKeyShare * 100).toFixed(2)}% of writes (fair share ${(writes.fairShare * 100).toFixed(2)}%)`,
    );
    return result;
  } finally {
    await Promise.all([deleteTable(ctx.raw, big), deleteTable(ctx.raw, alone)]);
  }
}

/** Signed updates through the API function, round-robin over the plans, counting item writes per key. */
async function spreadUpdates(ctx: BenchContext, tableName: string, sizes: RegionalSizes): Promise<RegionalResult['writes']> {
  const doc = createDynamoClient({ region: REGION, dynamodbEndpoint: ctx.dynamodbEndpoint });
  const repository = new DynamoSequencingRepository(doc, tableName);
  const key = await registerKey(repository, 'regional-admin', 'admin', []);
  const writesByKey = new Map<string, number>();
  const unitsPerUpdate: number[] = [];
  const planKeyUnitsPerUpdate: number[] = [];
  const planItemBytes = new Map<string, number>();
  doc.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as {
        TransactItems?: Array<Record<string, { Item?: Record<string, unknown>; Key?: Record<string, unknown> }>>;
      };
      if (input.TransactItems) {
        const sizes: number[] = [];
        const planKeySizes: number[] = [];
        let indexUnits = 0;
        for (const entry of input.TransactItems) {
          // A ConditionCheck (the signer's key) writes no item, but is charged as a write of the item's size.
          if (entry.ConditionCheck) {
            sizes.push(1024);
            continue;
          }
          const operation = entry.Put ?? entry.Update ?? entry.Delete;
          const pk = String((operation?.Item ?? operation?.Key)?.PK ?? '?');
          writesByKey.set(pk, (writesByKey.get(pk) ?? 0) + 1);
          // An update is charged on the item's size; the plan item's was measured when it was read.
          const size = operation?.Item ? itemBytes(operation.Item) : (planItemBytes.get(pk) ?? 1024);
          sizes.push(size);
          if (pk.startsWith('PLAN#')) planKeySizes.push(size);
          if (operation?.Item) indexUnits += indexWriteUnits(operation.Item, INDEX_SORT_KEYS);
        }
        unitsPerUpdate.push(transactionalWriteUnits(sizes) + indexUnits);
        planKeyUnitsPerUpdate.push(transactionalWriteUnits(planKeySizes) + indexUnits);
      }
      const output = await next(args);
      const item = (output.output as { Item?: Record<string, unknown> }).Item;
      if (item && item.SK === 'PLAN') planItemBytes.set(String(item.PK), itemBytes(item));
      return output;
    },
    { step: 'initialize', name: 'benchWriteCounter' },
  );
  const api = createApi({ repository, publicBaseUrl: BASE_URL, clockSkewSeconds: 300, nonceTtlSeconds: 3600 });
  let rejected = 0;
  let next = 0;
  const worker = async () => {
    while (next < sizes.updates) {
      const i = next++;
      const planId = `municipi-${String(i % sizes.plans).padStart(4, '0')}`;
      const path = updatePath(planId, commitmentId(Math.floor(i / sizes.plans) % sizes.commitments));
      const response = await api(signedApiRequest(key, BASE_URL, path, updateBody(STATUSES[i % STATUSES.length]!)));
      if (response.status !== 201) rejected++;
    }
  };
  progress(`regional: ${sizes.updates} signed updates spread over ${sizes.plans} plans`);
  await Promise.all(Array.from({ length: 4 }, worker));
  doc.destroy();

  const keyKind = (pk: string) => pk.split('#')[0]!;
  const itemWrites: Record<string, number> = {};
  for (const [pk, n] of writesByKey) itemWrites[keyKind(pk)] = (itemWrites[keyKind(pk)] ?? 0) + n;
  const total = [...writesByKey.values()].reduce((a, b) => a + b, 0);
  const perPlan = [...writesByKey].filter(([pk]) => pk.startsWith('PLAN#')).map(([, n]) => n);
  const perPlanSummary = summarize(perPlan);
  const planKeyUnits = summarize(planKeyUnitsPerUpdate).median;
  return {
    updates: sizes.updates,
    rejected,
    itemWrites,
    distinctKeys: writesByKey.size,
    perPlanKey: {
      min: perPlanSummary.min,
      median: perPlanSummary.median,
      max: perPlanSummary.max,
      maxOverMean: perPlanSummary.max / perPlanSummary.mean,
    },
    hottestKeyShare: Math.max(...writesByKey.values()) / total,
    fairShare: 1 / sizes.plans,
    writeUnitsPerUpdate: summarize(unitsPerUpdate).median,
    writeUnitsPerUpdateOnPlanKey: planKeyUnits,
    maxUpdatesPerSecondPerPlan: 1000 / planKeyUnits,
  };
}
