/** Creates the table (with its stream and TTL, as the CDK stack defines it) and the bucket. */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { TABLE_SCHEMA, tableKeyDefinitions } from '#shared/store/dynamo/table-schema';

export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<string> {
  try {
    const existing = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = new Set((existing.Table?.LocalSecondaryIndexes ?? []).map((index) => index.IndexName));
    const missing = TABLE_SCHEMA.localIndexes.filter((index) => !indexes.has(index.indexName));
    // Local indexes can only be created with the table: a table from an older version cannot be fixed in place.
    if (missing.length > 0) {
      throw new Error(
        `table ${tableName} has no ${missing.map((index) => index.indexName).join(', ')} index (it was created by an older version): remove the local data directory (.data/) and start again`,
      );
    }
    if (existing.Table?.LatestStreamArn) return existing.Table.LatestStreamArn;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && (error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  const created = await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      ...tableKeyDefinitions(),
      StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE_SCHEMA.streamViewType },
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
    }),
  );
  const arn = created.TableDescription?.LatestStreamArn;
  if (!arn) throw new Error(`table ${tableName} was created without a stream`);
  return arn;
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}
