/**
 * DynamoDB stream batch → regenerate each touched plan once. A plan that fails reports its
 * records as batch item failures, so Lambda retries from there and nothing is skipped.
 */
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { publishPlan } from '#shared/publish';
import { observePublishBatch } from '../observability.ts';
import { getRuntime } from '../runtime.ts';

export function plansInBatch(event: DynamoDBStreamEvent): Map<string, string[]> {
  const plans = new Map<string, string[]>();
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.PK?.S;
    const sequence = record.dynamodb?.SequenceNumber;
    if (!pk?.startsWith('PLAN#') || !sequence) continue;
    const planId = pk.slice('PLAN#'.length);
    plans.set(planId, [...(plans.get(planId) ?? []), sequence]);
  }
  return plans;
}

export const handler = async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
  const { config, repository, store } = getRuntime();
  const observation = observePublishBatch(event, context);
  const failures: string[] = [];
  for (const [planId, sequences] of plansInBatch(event)) {
    try {
      await observation.plan(planId, () => publishPlan(planId, { repository, store, baseUrl: config.publicBaseUrl }));
    } catch {
      // Logged by the observation; the records are retried.
      failures.push(...sequences);
    }
  }
  observation.finish(failures.length);
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
};
