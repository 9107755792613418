/** The emulators and clients every scenario shares, and the cleanup that must run whatever happens. */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal, startS3Server } from '#infra/local/emulators';
import { EMULATOR_CREDENTIALS } from '#shared/aws/client-options';
import { createDynamoClient } from '#shared/store/dynamo/client';
import { createS3Client } from '#shared/store/s3/client';
import { IoCounter } from './io-counter.ts';
import { progress } from './progress.ts';

export const REGION = 'eu-west-1';
export const CREDENTIALS = EMULATOR_CREDENTIALS;
export const BASE_URL = 'https://mandat.example.org';

export interface BenchContext {
  root: string;
  tmp: string;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  raw: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  io: IoCounter;
  createBucket(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openContext(root: string): Promise<BenchContext> {
  const tmp = mkdtempSync(join(tmpdir(), 'mandat-bench-'));
  const stops: Array<() => Promise<void>> = [async () => rmSync(tmp, { recursive: true, force: true })];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((error: Error) => progress(`cleanup: ${error.message}`));
  };
  try {
    progress('starting DynamoDB Local (in memory) and the S3 server');
    const [dynamo, s3Server] = await Promise.all([startDynamoDbLocal(), startS3Server({ directory: join(tmp, 's3') })]);
    stops.push(
      () => dynamo.stop(),
      () => s3Server.stop(),
    );
    const raw = new DynamoDBClient({ region: REGION, endpoint: dynamo.endpoint, credentials: CREDENTIALS });
    const doc = createDynamoClient({ region: REGION, dynamodbEndpoint: dynamo.endpoint });
    const s3 = createS3Client({ region: REGION, s3Endpoint: s3Server.endpoint });
    const io = new IoCounter({ dynamodb: dynamo.endpoint, s3: s3Server.endpoint }).start();
    stops.push(async () => {
      io.stop();
      raw.destroy();
      doc.destroy();
      s3.destroy();
    });
    return {
      root,
      tmp,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3Server.endpoint,
      raw,
      doc,
      s3,
      io,
      createBucket: async (name) => {
        await s3.send(new CreateBucketCommand({ Bucket: name }));
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
