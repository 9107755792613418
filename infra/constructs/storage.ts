/**
 * What the product keeps: the table (one, streamed), the feeds bucket, the bucket of access
 * logs, and the KMS key sealing hmac-sha256 shared secrets. All are retained when the stack is
 * deleted; replacing any of them would lose data.
 */
import { Duration, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { TABLE_SCHEMA } from '#shared/store/dynamo/table-schema';

export interface StorageProps {
  stage: string;
}

/**
 * Made directly in the stack (its resources' scope is the stack, not a construct of their own),
 * so their logical IDs are the ones they had before the stack was split: a deployed table or
 * bucket is updated in place, never replaced.
 */
export class Storage {
  readonly table: dynamodb.Table;
  readonly secretsKey: kms.Key;
  readonly accessLogs: s3.Bucket;
  readonly feeds: s3.Bucket;

  constructor(stack: Stack, props: StorageProps) {
    this.table = new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      // A few officials' updates a day, bursts on import: on-demand costs nothing when idle.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType[TABLE_SCHEMA.streamViewType],
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The AWS-managed key (aws/dynamodb): use is logged in CloudTrail, no key policy to keep.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A commitment's and an area's latest updates, read by the publisher.
    for (const index of TABLE_SCHEMA.localIndexes) {
      this.table.addLocalSecondaryIndex({
        indexName: index.indexName,
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    // Seals the shared secrets of hmac-sha256 signing keys (encryption context {keyId}). Its own
    // customer-managed key, not the table's: the table's AWS-managed key is usable only through
    // DynamoDB, so anyone allowed to read the table or its stream (publish) reads through it;
    // this one only ingest may use, so a key item read elsewhere yields ciphertext only.
    this.secretsKey = new kms.Key(stack, 'SecretsKey', {
      description: `Mandat Obert (${props.stage}): seals the shared secrets of hmac-sha256 signing keys; only the ingest function uses it`,
      enableKeyRotation: true,
      // Deleting it would make every hmac-sha256 key unusable: kept, like the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.accessLogs = new s3.Bucket(stack, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront standard logging delivers with an ACL, which BUCKET_OWNER_ENFORCED refuses.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the destination of the feeds bucket and CloudFront access logs; logging it into itself would loop.',
    });

    this.feeds = new s3.Bucket(stack, 'Feeds', {
      // SSE-S3, not KMS: the artifact store compares ETags with the body's MD5, which holds
      // for single-part PUTs with SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // A bad publish can be rolled back to the previous version of each object.
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 's3-feeds/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** What every function needs to find the storage. */
  get functionEnvironment(): Record<string, string> {
    return { TABLE_NAME: this.table.tableName, BUCKET_NAME: this.feeds.bucketName };
  }
}
