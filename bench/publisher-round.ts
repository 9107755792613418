/**
 * What the stream publisher spends on DynamoDB around a publish, which `measurePublish` (the
 * render and its reads) leaves out: the publish lease (acquire, record, release), ordering the
 * queued updates (one transaction: each update stamped, its commitment's queue cleared, the plan
 * and month items moved) and the state reads around them; and the site root's check (a LIST of
 * `catalog/`), which a round makes only when its plan's catalog record changed. Measured on DynamoDB Local with the units it reports, for a round
 * of one update and a round of several (different commitments, one month), so a burst's cost
 * splits into what each update adds and what each regeneration costs once. The publish's own
 * reads in those rounds are metered apart: a burst's regenerations read what they do.
 */
import { DynamoPublishReads } from '#shared/store/dynamo/sequencer';
import type { S3ArtifactStore } from '#shared/store/s3/artifact-store';
import { CapacityMeter } from './capacity.ts';
import { BASE_URL, type BenchContext } from './context.ts';
import { commitmentId } from './data.ts';
import { count } from './io-counter.ts';
import { PublishCoordinator, publishChanges } from './product.ts';
import { type BenchRepository, recordOneUpdate } from './publish-probe.ts';

export interface PublisherRound {
  updates: number;
  /** Units of the lease, ordering and state requests (the publish's own reads are counted apart). */
  writeUnits: number;
  readUnits: number;
  /** The publish's own reads (plan, history, commitments, windows, months), in read units. */
  publishReadUnits: number;
  requests: Record<string, number>;
  /** S3 requests of the whole round, the plan's files and the site root's check. */
  s3Puts: number;
  s3Heads: number;
  s3Lists: number;
  s3Gets: number;
}

export interface PublisherRounds {
  single: PublisherRound;
  several: PublisherRound;
  /** From the two rounds: what each update adds, and what a round costs once. */
  writeUnitsPerUpdate: number;
  writeUnitsPerRound: number;
  readUnitsPerUpdate: number;
  readUnitsPerRound: number;
  /** The same split of the publish's own reads: what a burst's regenerations read. */
  publishReadUnitsPerUpdate: number;
  publishReadUnitsPerRound: number;
  /** The site root's LISTs per round: 0 when the plan's record is unchanged (the plan's own publish lists nothing). */
  siteListsPerRound: number;
}

export async function measurePublisherRounds(
  ctx: BenchContext,
  options: {
    tableName: string;
    planId: string;
    commitments: number;
    store: S3ArtifactStore;
    /** The writer: the table's repository (its updates wait in their commitments' queues). */
    writer: BenchRepository;
    reportedAt: (i: number) => string;
    several: number;
  },
): Promise<PublisherRounds> {
  const meter = new CapacityMeter(ctx.dynamodbEndpoint);
  const publishMeter = new CapacityMeter(ctx.dynamodbEndpoint);
  try {
    const metered = new DynamoPublishReads(meter.client, options.tableName);
    // The publish's own reads on a meter of their own: the coordinator's are the lines above them.
    const reads = new DynamoPublishReads(publishMeter.client, options.tableName);
    const coordinator = new PublishCoordinator({ repository: metered, store: options.store });
    // The writer without the sequencer: ordering the update is the round's job here.
    const source = options.writer;
    const writer = new Proxy(source, {
      get: (target, property) => (property === 'sequenceUpdates' ? undefined : Reflect.get(target, property, target)),
    });
    let next = 0;
    const round = async (updates: number): Promise<PublisherRound> => {
      const ids = new Set<string>();
      for (let i = 0; i < updates; i++) {
        const id = commitmentId((next * 7907 + 13) % options.commitments);
        ids.add(id);
        await recordOneUpdate(writer, options.planId, id, options.reportedAt(next++));
      }
      meter.take();
      publishMeter.take();
      ctx.io.reset();
      await publishChanges(
        new Map([
          [options.planId, { full: false, commitmentIds: ids, areaSlugs: new Set<string>(), years: new Set<number>(), sequences: [] }],
        ]),
        { repository: reads, store: options.store, baseUrl: BASE_URL, coordinator },
      );
      const capacity = meter.take();
      const io = ctx.io.take();
      return {
        updates,
        writeUnits: capacity.writeUnits,
        readUnits: capacity.readUnits,
        publishReadUnits: publishMeter.take().readUnits,
        requests: capacity.requests,
        s3Puts: count(io, 'S3 PUT'),
        s3Heads: count(io, 'S3 HEAD'),
        s3Lists: count(io, 'S3 LIST'),
        s3Gets: count(io, 'S3 GET'),
      };
    };
    // A first round lays down what later ones build on (the snapshot, the site root and its confirmation).
    await round(1);
    const single = await round(1);
    const several = await round(options.several);
    const perUpdate = (pick: (r: PublisherRound) => number) => Math.max(0, (pick(several) - pick(single)) / (options.several - 1));
    const writeUnitsPerUpdate = perUpdate((r) => r.writeUnits);
    const readUnitsPerUpdate = perUpdate((r) => r.readUnits);
    const publishReadUnitsPerUpdate = perUpdate((r) => r.publishReadUnits);
    return {
      single,
      several,
      writeUnitsPerUpdate,
      writeUnitsPerRound: Math.max(0, single.writeUnits - writeUnitsPerUpdate),
      readUnitsPerUpdate,
      readUnitsPerRound: Math.max(0, single.readUnits - readUnitsPerUpdate),
      publishReadUnitsPerUpdate,
      publishReadUnitsPerRound: Math.max(0, single.publishReadUnits - publishReadUnitsPerUpdate),
      siteListsPerRound: single.s3Lists,
    };
  } finally {
    meter.destroy();
    publishMeter.destroy();
  }
}
