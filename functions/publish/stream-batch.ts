/**
 * A DynamoDB stream batch → each touched plan published once, through the publish coordinator.
 * A plan that could not be published (lease busy, lease lost, storage down) reports its records
 * as batch item failures, so the event source mapping retries from there and nothing is
 * skipped; a plan already published up to its current revision costs two reads and no writes,
 * which makes redelivered batches harmless.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { PublishContext, PublishCoordinator } from '#shared/publish-coordinator';
import { PUBLISH_STREAM_SETTINGS } from '#shared/stream-settings';

export function plansInBatch(event: DynamoDBStreamEvent): Map<string, string[]> {
  const plans = new Map<string, string[]>();
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.PK?.S;
    const sequence = record.dynamodb?.SequenceNumber;
    if (!pk?.startsWith(PUBLISH_STREAM_SETTINGS.partitionKeyPrefix) || !sequence) continue;
    const planId = pk.slice(PUBLISH_STREAM_SETTINGS.partitionKeyPrefix.length);
    plans.set(planId, [...(plans.get(planId) ?? []), sequence]);
  }
  return plans;
}

export interface StreamPublishDependencies<R> {
  coordinator: PublishCoordinator;
  /** Renders and writes one plan through `context.store` (publishPlan bound to its dependencies). */
  publish: (planId: string, context: PublishContext) => Promise<R>;
  log?: (entry: Record<string, unknown>) => void;
}

const logJson = (entry: Record<string, unknown>) =>
  (entry.level === 'ERROR' ? console.error : console.log)(JSON.stringify({ level: 'INFO', ...entry }));

function writeCounts(result: unknown): { written?: number; skipped?: number } {
  const r = result as { written?: unknown[]; skipped?: unknown[] } | undefined;
  return Array.isArray(r?.written) && Array.isArray(r?.skipped) ? { written: r.written.length, skipped: r.skipped.length } : {};
}

export function createStreamPublishHandler<R>(resolve: () => StreamPublishDependencies<R>) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const { coordinator, publish, log = logJson } = resolve();
    const failures: string[] = [];
    for (const [planId, sequences] of plansInBatch(event)) {
      try {
        const outcome = await coordinator.publish(planId, (context) => publish(planId, context));
        if (outcome.status === 'published') {
          const last = outcome.rounds.at(-1);
          log({ message: 'published', planId, revision: last?.revision, rounds: outcome.rounds.length, full: last?.full, ...writeCounts(last?.result) });
        } else {
          log({ message: outcome.status === 'missing' ? 'plan not found' : 'already published', planId, ...('revision' in outcome ? { revision: outcome.revision } : {}) });
        }
      } catch (error) {
        log({ level: 'ERROR', message: 'publish failed; the records will be retried', planId, error: String(error) });
        failures.push(...sequences);
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
