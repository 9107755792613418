/**
 * The DynamoDB client; the S3 adapter has its own. Both take their endpoint from the
 * configuration, so the same code talks to AWS or to DynamoDB Local and the S3 server.
 *
 * The S3 client has a module of its own because importing `@aws-sdk/client-s3` is most of a
 * function's cold start (tens of milliseconds, docs/PERFORMANCE.md): the ingest function never
 * touches S3, and by importing only this module it never loads that SDK.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ClientOptions, localCredentials, REQUEST_TIMEOUTS } from '../../aws/client-options.ts';

export function createDynamoClient(options: ClientOptions): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    endpoint: options.dynamodbEndpoint,
    credentials: localCredentials(options.dynamodbEndpoint),
    maxAttempts: 3,
    requestHandler: REQUEST_TIMEOUTS,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
