/**
 * DynamoDB stream batch → regenerate each touched plan once. A plan that fails reports its
 * records as batch item failures, so Lambda retries from there and nothing is skipped.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { publishPlan } from '#shared/publish';
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

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { config, repository, store } = getRuntime();
  const failures: string[] = [];
  for (const [planId, sequences] of plansInBatch(event)) {
    try {
      const result = await publishPlan(planId, { repository, store, baseUrl: config.publicBaseUrl });
      console.log(
        JSON.stringify({
          level: 'INFO',
          message: 'published',
          planId,
          revision: result?.revision,
          written: result?.written.length ?? 0,
          skipped: result?.skipped.length ?? 0,
        }),
      );
    } catch (error) {
      console.error(JSON.stringify({ level: 'ERROR', message: 'publish failed', planId, error: String(error) }));
      failures.push(...sequences);
    }
  }
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
};
