/** A DynamoDB stream batch → the changes it carries published, and the records that failed reported back. */
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type ChangesOutcome, type PublishChangesDependencies, publishChanges } from '#shared/publish/publish-changes';
import { changesInRecords } from '#shared/store/dynamo/stream-records';
import { observePublishBatch, type PublishObservation } from './observability.ts';

export type BatchDependencies = PublishChangesDependencies;
export type BatchOutcome = ChangesOutcome;

export const plansInBatch = (event: DynamoDBStreamEvent) => changesInRecords(event.Records);

export function publishBatch(
  event: DynamoDBStreamEvent,
  deps: BatchDependencies,
  observation: PublishObservation = observePublishBatch(event),
): Promise<BatchOutcome> {
  return publishChanges(plansInBatch(event), deps, observation);
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
