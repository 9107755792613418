/**
 * Starts DynamoDB Local (in memory) and the S3 server once per test run, on free ports, and
 * stops them at the end. Test files get the endpoints through `inject()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, startS3Server } from '../../infra/local/emulators.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    s3Endpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const s3Dir = mkdtempSync(join(tmpdir(), 'mandat-s3-'));
  const [dynamo, s3] = await Promise.all([startDynamoDbLocal(), startS3Server({ directory: s3Dir })]);
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  project.provide('s3Endpoint', s3.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), s3.stop()]);
    rmSync(s3Dir, { recursive: true, force: true });
    rmSync(`${s3Dir}.staging`, { recursive: true, force: true });
  };
}
