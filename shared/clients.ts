/**
 * Every AWS client is built here, taking its endpoint from the configuration, so the same
 * code talks to AWS or to DynamoDB Local and the S3 server.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface ClientOptions {
  region: string;
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
}

/** Emulators accept any credentials; giving fixed ones keeps the SDK from searching for a profile. */
function localCredentials(endpoint?: string) {
  return endpoint ? { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } : undefined;
}

export function createDynamoClient(options: ClientOptions): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    endpoint: options.dynamodbEndpoint,
    credentials: localCredentials(options.dynamodbEndpoint),
    maxAttempts: 3,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function createS3Client(options: ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    endpoint: options.s3Endpoint,
    forcePathStyle: Boolean(options.s3Endpoint),
    credentials: localCredentials(options.s3Endpoint),
    // s3rver predates the SDK's default flexible checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
