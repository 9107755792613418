/**
 * Every AWS client is built here or in s3-client.ts, taking its endpoint from the
 * configuration, so the same code talks to AWS or to DynamoDB Local and the S3 server.
 *
 * The S3 client has a module of its own because importing `@aws-sdk/client-s3` is most of a
 * function's cold start (tens of milliseconds, docs/PERFORMANCE.md): the ingest function never
 * touches S3, and by importing only this module it never loads that SDK.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface ClientOptions {
  region: string;
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
}

/**
 * The SDK waits forever by default on a connection that neither answers nor closes. A publish
 * stuck that way would hold its plan's lease (and, locally, the stream poller) until the Lambda
 * timed out; with these limits the call fails, the SDK retries it, and the batch is retried.
 * The request limit is an idle limit on the socket, not a limit on a large upload.
 */
export const REQUEST_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 30_000, throwOnRequestTimeout: true } as const;

/** Emulators accept any credentials; giving fixed ones keeps the SDK from searching for a profile. */
export function localCredentials(endpoint?: string) {
  return endpoint ? { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } : undefined;
}

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
