/**
 * Publishing: the table's stream drives the publish function, which re-renders the feeds of
 * each plan touched in a batch into the bucket; records it gives up on go to a dead-letter queue.
 */
import { Duration, type Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { PUBLISH_STREAM_SETTINGS } from '#shared/store/dynamo/stream-settings';
import { TABLE_SCHEMA } from '#shared/store/dynamo/table-schema';
import { MandatFunction } from './mandat-function.ts';
import type { Storage } from './storage.ts';
import { itemStatement } from './table-access.ts';

export interface PublisherProps {
  storage: Storage;
  /** The public site's URL, for the links in the feeds. */
  publicBaseUrl: string;
  logRetention: logs.RetentionDays;
  /** WebSub hubs to ping after a change; none = off. */
  websubHubs?: string[];
}

/** Made directly in the stack, like every part of it, so logical IDs do not depend on the split. */
export class Publisher {
  readonly publish: MandatFunction;
  readonly deadLetters: sqs.Queue;

  constructor(stack: Stack, props: PublisherProps) {
    const { storage } = props;
    const { table, feeds } = storage;
    this.deadLetters = new sqs.Queue(stack, 'PublishDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS keeps a message: time to notice the alarm and republish.
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the publish stream mapping; a dead-letter queue for it would never be used.',
    });

    this.publish = new MandatFunction(stack, 'Publish', {
      handler: 'publish',
      description: 'Mandat Obert publish: regenerates the feeds of each plan touched in a stream batch',
      // Rendering every feed of a plan is CPU- and memory-bound; more memory is more CPU.
      memorySize: 1024,
      timeout: Duration.minutes(2),
      // Unlike ingest, publish can be given the public URL: nothing it makes is the
      // distribution's dependency.
      environment: {
        ...storage.functionEnvironment,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        ...(props.websubHubs ? { WEBSUB_HUBS: props.websubHubs.join(',') } : {}),
      },
      logRetention: props.logRetention,
      // No reserved concurrency: the stream mapping runs one batch per shard at a time
      // (parallelizationFactor 1), which is already the bound, and it preserves order.
    });
    // Reads plans and their items (GetItem, Query, and Query on the two local indexes for a
    // commitment's or an area's newest updates) and the PLANS registry; reads and writes its
    // PUBLISH#{planId} lease items and nothing else. No key, nonce or idempotency item.
    this.publish.role.addToPrincipalPolicy(itemStatement(table, ['dynamodb:GetItem', 'dynamodb:Query'], ['PLAN#*', 'PLANS']));
    this.publish.role.addToPrincipalPolicy(
      itemStatement(
        table,
        ['dynamodb:Query'],
        ['PLAN#*'],
        TABLE_SCHEMA.localIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`),
      ),
    );
    this.publish.role.addToPrincipalPolicy(itemStatement(table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], ['PUBLISH#*']));
    // Ordering accepted updates (the sequencer): reads the commitments' queues and the queued
    // updates (BatchGetItem), stamps them and moves the plan item on (UpdateItem, in transactions).
    this.publish.role.addToPrincipalPolicy(itemStatement(table, ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], ['PLAN#*']));
    // The artifact store lists a prefix's ETags (ListBucket) and puts changed objects; the
    // previous round's commitments are read back from snapshots/, and a touched month is built
    // from its published file under plans/*/updates/ (GetObject there only).
    iam.Grant.addToPrincipal({ grantee: this.publish.fn, actions: ['s3:ListBucket'], resourceArns: [feeds.bucketArn] });
    iam.Grant.addToPrincipal({ grantee: this.publish.fn, actions: ['s3:PutObject'], resourceArns: [feeds.arnForObjects('*')] });
    iam.Grant.addToPrincipal({
      grantee: this.publish.fn,
      actions: ['s3:GetObject'],
      resourceArns: [feeds.arnForObjects('snapshots/*'), feeds.arnForObjects('plans/*/updates/*')],
    });
    Validations.of(this.publish.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(feeds.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
        reason:
          'Object keys are derived from plan ids at run time (plans/{planId}/…, plus the site-wide index and catalog); the grant is PutObject only, in this one bucket.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(feeds.node.defaultChild as s3.CfnBucket)}.Arn>/snapshots/*]`,
        reason:
          "The previous publish round's commitments, one object per plan (snapshots/{planId}.json), read back by the next round: GetObject under that prefix only.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(feeds.node.defaultChild as s3.CfnBucket)}.Arn>/plans/*/updates/*]`,
        reason:
          'A touched month is built from its published history file (plans/{planId}/updates/{YYYY}/{MM}.json) plus the new updates: GetObject on the monthly history files only.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "dynamodb:ListStreams, added by the stream event source, has no resource-level permissions; the stream actions themselves are granted on this table's stream ARN only.",
      },
    );

    this.publish.fn.addEventSource(
      new DynamoEventSource(table, {
        // TRIM_HORIZON: nothing written between table creation and the mapping's start (the
        // admin bootstrap, a first import) goes unpublished.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        // The same settings as the local poller. One batch regenerates each touched plan once,
        // whatever its number of records, so a large batch costs about what one record does;
        // the short window coalesces a bulk edit into one regeneration without holding a
        // single update back noticeably.
        batchSize: PUBLISH_STREAM_SETTINGS.batchSize,
        maxBatchingWindow: Duration.seconds(PUBLISH_STREAM_SETTINGS.maxBatchingWindowSeconds),
        // One batch per shard at a time keeps a plan's changes in order.
        parallelizationFactor: 1,
        // The handler names the records of plans that failed; only those are retried.
        reportBatchItemFailures: PUBLISH_STREAM_SETTINGS.reportBatchItemFailures,
        // A batch that throws is halved until the failing record is alone.
        bisectBatchOnError: PUBLISH_STREAM_SETTINGS.bisectBatchOnError,
        // Bounded: a record that keeps failing leaves the shard after its retries or once too
        // old, and goes to the queue (with its alarm) instead of holding the shard for the
        // stream's 24 h. Publishing reads the table, so `mandat republish` rebuilds anything.
        retryAttempts: PUBLISH_STREAM_SETTINGS.retryAttempts,
        maxRecordAge: Duration.seconds(PUBLISH_STREAM_SETTINGS.maxRecordAgeSeconds),
        // Only the plans' own items publish: the publish lease, nonces and keys do not invoke it.
        filters: [
          lambda.FilterCriteria.filter({
            dynamodb: { Keys: { PK: { S: lambda.FilterRule.beginsWith(PUBLISH_STREAM_SETTINGS.partitionKeyPrefix) } } },
          }),
        ],
        onFailure: new SqsDlq(this.deadLetters),
      }),
    );
  }
}
