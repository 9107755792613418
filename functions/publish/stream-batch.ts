/**
 * A DynamoDB stream batch → each touched plan published once, under the plan's publish lease
 * (shared/publish-coordinator.ts), then the site's root if a plan's catalog record changed.
 *
 * What to re-render comes from two sources, merged: the batch's own records (keys and old/new
 * images name the commitments and areas touched, including the area a commitment left) and the
 * table itself (every commitment changed since the plan's last complete publish, which covers
 * changes whose own batch was turned away because another publisher's round already included
 * them). A plan that could not be published (lease busy or lost, storage down) reports its
 * records as batch item failures, so the event source mapping retries from there and nothing
 * is skipped; a plan already published up to its revision costs two reads and no writes,
 * which makes redelivered batches harmless.
 */
import type { AttributeValue, Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { PublishCoordinator, type PublishOutcome } from '#shared/publish/coordinator';
import {
  type PublishDependencies,
  type PublishOptions,
  type PublishResult,
  publishPlan,
  publishSite,
  type SitePublishResult,
} from '#shared/publish/publish';
import { PUBLISH_STREAM_SETTINGS } from '#shared/store/dynamo/stream-settings';
import { observePublishBatch, type PublishObservation } from './observability.ts';

export interface PlanChanges {
  /** A change the hint cannot describe (plan metadata, a new plan, a removal): regenerate everything. */
  full: boolean;
  commitmentIds: Set<string>;
  areaSlugs: Set<string>;
  /** Years of the updates in the batch: only their history files are re-rendered. */
  years: Set<number>;
  sequences: string[];
}

type Image = Record<string, AttributeValue> | undefined;

/**
 * Fields every update bumps on the plan item (its revision, and the summary of its history:
 * history* attributes, see dynamo-repository.ts); a change in any other field is a metadata change.
 */
const isBookkeeping = (field: string) => field === 'revision' || field === 'updatedAt' || field.startsWith('history');

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function planMetadataChanged(record: DynamoDBRecord): boolean {
  const before = record.dynamodb?.OldImage;
  const after = record.dynamodb?.NewImage;
  if (record.eventName !== 'MODIFY' || !before || !after) return true;
  const strip = (image: NonNullable<Image>) => Object.fromEntries(Object.entries(image).filter(([key]) => !isBookkeeping(key)));
  return canonical(strip(before)) !== canonical(strip(after));
}

const text = (image: Image, name: string) => image?.[name]?.S;

export function plansInBatch(event: DynamoDBStreamEvent): Map<string, PlanChanges> {
  const plans = new Map<string, PlanChanges>();
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.PK?.S;
    const sk = record.dynamodb?.Keys?.SK?.S ?? '';
    const sequence = record.dynamodb?.SequenceNumber;
    if (!pk?.startsWith(PUBLISH_STREAM_SETTINGS.partitionKeyPrefix) || !sequence) continue;
    const planId = pk.slice(PUBLISH_STREAM_SETTINGS.partitionKeyPrefix.length);
    const changes = plans.get(planId) ?? { full: false, commitmentIds: new Set(), areaSlugs: new Set(), years: new Set(), sequences: [] };
    plans.set(planId, changes);
    changes.sequences.push(sequence);
    const images = [record.dynamodb?.OldImage, record.dynamodb?.NewImage];
    if (sk === 'PLAN') {
      if (planMetadataChanged(record)) changes.full = true;
    } else if (sk.startsWith('COMMITMENT#')) {
      changes.commitmentIds.add(sk.slice('COMMITMENT#'.length));
      // Both areas: the one a commitment left keeps its history but loses it from its list.
      for (const image of images) {
        const slug = text(image, 'areaSlug');
        if (slug) changes.areaSlugs.add(slug);
      }
    } else if (sk.startsWith('UPDATE#')) {
      // UPDATE#{reportedAt}#{updateId}: reportedAt is a UTC ISO instant, its year is the file it lands in.
      const year = Number(sk.slice('UPDATE#'.length, 'UPDATE#'.length + 4));
      if (Number.isInteger(year)) changes.years.add(year);
      else changes.full = true;
      const commitmentId = text(record.dynamodb?.NewImage, 'commitmentId') ?? text(record.dynamodb?.OldImage, 'commitmentId');
      if (!commitmentId) changes.full = true;
      else changes.commitmentIds.add(commitmentId);
      for (const image of images) {
        const slug = text(image, 'areaSlug');
        if (slug) changes.areaSlugs.add(slug);
      }
    } else {
      changes.full = true;
    }
  }
  return plans;
}

export interface BatchOutcome {
  plans: PublishResult[];
  site?: SitePublishResult;
  failedSequences: string[];
}

export interface BatchDependencies extends PublishDependencies {
  /** One per execution environment in production; tests pass their own (short leases). */
  coordinator?: PublishCoordinator;
  /** See PublishOptions.reads (tests force the partial reads on small plans). */
  reads?: PublishOptions['reads'];
}

/** The rounds of one coordinated publish, as one result (a round per revision it caught up with). */
function mergeRounds(outcome: PublishOutcome<PublishResult | undefined>): PublishResult | undefined {
  if (outcome.status === 'missing') return undefined;
  // Already published up to the plan's revision (a redelivery, or another publisher's round covered it).
  if (outcome.status === 'up-to-date') {
    return { planId: outcome.planId, revision: outcome.revision, artifacts: 0, updatesRead: 0, written: [], skipped: [], bytesWritten: 0 };
  }
  const results = outcome.rounds.map((round) => round.result).filter((r): r is PublishResult => r !== undefined);
  const last = results.at(-1);
  if (!last) return undefined;
  const written = [...new Set(results.flatMap((r) => r.written))];
  return {
    ...last,
    written,
    skipped: [...new Set(results.flatMap((r) => r.skipped))].filter((key) => !written.includes(key)),
    bytesWritten: results.reduce((sum, r) => sum + r.bytesWritten, 0),
    updatesRead: results.reduce((sum, r) => sum + r.updatesRead, 0),
    renderFallbacks: results.flatMap((r) => r.renderFallbacks ?? []),
  };
}

export async function publishBatch(
  event: DynamoDBStreamEvent,
  deps: BatchDependencies,
  observation: PublishObservation = observePublishBatch(event),
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { plans: [], failedSequences: [] };
  const coordinator = deps.coordinator ?? new PublishCoordinator({ repository: deps.repository, store: deps.store });
  const touched = plansInBatch(event);
  for (const [planId, changes] of touched) {
    try {
      const result = await observation.plan(
        planId,
        async () =>
          mergeRounds(
            await coordinator.publish(planId, (context) =>
              publishPlan(
                planId,
                { ...deps, store: context.store },
                context.full || changes.full ? {} : { changed: changes, since: context.publishedRevision, reads: deps.reads },
              ),
            ),
          ),
        { full: changes.full, commitments: changes.full ? undefined : [...changes.commitmentIds] },
      );
      if (result) outcome.plans.push(result);
    } catch {
      // Logged and counted by the observation; the records are retried.
      outcome.failedSequences.push(...changes.sequences);
    }
  }
  if (touched.size === 0) return outcome;
  try {
    // One LIST when nothing changed; a rebuild only when some plan's catalog record did.
    outcome.site = await publishSite(deps);
    if (outcome.site.rebuilt) {
      observation.logger.info('site root rebuilt', { plans: outcome.site.plans, written: outcome.site.written });
    }
  } catch (error) {
    observation.logger.error('site publish failed', { error });
    // The root is marked stale until rebuilt; retrying the batch rebuilds it (plans re-render to the same bytes).
    const all = [...touched.values()].flatMap((changes) => changes.sequences);
    outcome.failedSequences = [...new Set([...outcome.failedSequences, ...all])];
  }
  return outcome;
}

/** The Lambda handler around publishBatch; `resolve` supplies the dependencies at first use. */
export function createStreamPublishHandler(resolve: () => BatchDependencies) {
  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    const observation = observePublishBatch(event, context);
    const { failedSequences } = await publishBatch(event, resolve(), observation);
    observation.finish(failedSequences.length);
    return { batchItemFailures: failedSequences.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
