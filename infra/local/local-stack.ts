/**
 * The whole product on one machine: DynamoDB Local + S3 server, the table and bucket, the
 * real ingest and publish handlers, the stream poller between them and the HTTP server.
 */

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { EMULATOR_CREDENTIALS } from '#shared/aws/client-options';
import { loadConfig } from '#shared/config/config';
import { DATA_DIR_LAYOUT } from '#shared/config/local-data';
import { removeRuntimeFile, writeRuntimeFile } from '#shared/config/runtime-file';
import { ensureMasterKeyFile } from '#shared/signing/secret-sealer';
import { DynamoSequencingRepository } from '#shared/store/dynamo/sequencing';
import { PUBLISH_STREAM_SETTINGS } from '#shared/store/dynamo/stream-settings';
import { everyPlanId } from '#shared/store/plans';
import type { PlanRepository } from '#shared/store/ports';
import { createS3Client } from '#shared/store/s3/client';
import { type DemoKey, seedDemo } from './demo.ts';
import { type RunningEmulator, startDynamoDbLocal, startS3Server } from './emulators.ts';
import { ensureBucket, ensureTable } from './setup.ts';
import { StreamPoller } from './stream-poller.ts';

export interface LocalStackOptions {
  dataDir: string;
  port: number;
  host?: string;
  /** Reuse running emulators instead of starting them (tests, bench). */
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
  tableName?: string;
  bucketName?: string;
  seedDemo?: boolean;
  /** WebSub hubs the feeds advertise and the publisher pings; default: WEBSUB_HUBS from the environment. */
  websubHubs?: string[];
  batchingWindowMs?: number;
  pollIntervalMs?: number;
  log?: (message: string) => void;
}

export interface LocalStack {
  url: string;
  env: Record<string, string>;
  demoKeys: DemoKey[];
  poller: StreamPoller;
  s3Server?: Awaited<ReturnType<typeof startS3Server>>;
  stop(): Promise<void>;
}

export const LOCAL_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  AWS_REGION: 'eu-west-1',
};

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const dataDir = resolve(options.dataDir);
  const started: RunningEmulator[] = [];
  const stopAll = async () => {
    for (const emulator of started.reverse()) await emulator.stop().catch(() => {});
  };
  try {
    let dynamodbEndpoint = options.dynamodbEndpoint;
    if (!dynamodbEndpoint) {
      log('starting DynamoDB Local…');
      const dynamo = await startDynamoDbLocal({ dataDir: DATA_DIR_LAYOUT.dynamodb(dataDir) });
      started.push(dynamo);
      dynamodbEndpoint = dynamo.endpoint;
    }
    let s3Endpoint = options.s3Endpoint;
    let s3Server: LocalStack['s3Server'];
    if (!s3Endpoint) {
      log('starting the S3 server…');
      s3Server = await startS3Server({ directory: DATA_DIR_LAYOUT.s3(dataDir) });
      started.push(s3Server);
      s3Endpoint = s3Server.endpoint;
    }
    const url = `http://localhost:${options.port}`;
    // Made on first start and kept with the data: the table's sealed secrets open only with it.
    const masterKeyFile = DATA_DIR_LAYOUT.secretsMasterKey(dataDir);
    if (ensureMasterKeyFile(masterKeyFile).created) log(`made the secrets master key ${masterKeyFile}`);
    const env: Record<string, string> = {
      ...LOCAL_CREDENTIALS,
      TABLE_NAME: options.tableName ?? 'mandat-obert',
      BUCKET_NAME: options.bucketName ?? 'mandat-obert-feeds',
      PUBLIC_BASE_URL: url,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      S3_ENDPOINT: s3Endpoint,
      SECRETS_MASTER_KEY_FILE: masterKeyFile,
    };
    const hubs = options.websubHubs?.join(',') ?? process.env.WEBSUB_HUBS?.trim();
    if (hubs) {
      env.WEBSUB_HUBS = hubs;
      log(`WebSub: the feeds advertise and each publish pings ${hubs}`);
    }
    Object.assign(process.env, env);
    // A fresh origin secret per start, shared by the front and ingest only (kept out of
    // runtime.json, which operator commands read and do not need it).
    const originSecret = randomBytes(32).toString('base64url');
    process.env.ORIGIN_SECRET = originSecret;

    const region = env.AWS_REGION!;
    const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
    const dynamoClient = new DynamoDBClient({ region, endpoint: dynamodbEndpoint, credentials });
    const streamsClient = new DynamoDBStreamsClient({ region, endpoint: dynamodbEndpoint, credentials });
    const s3 = createS3Client({ region, s3Endpoint });
    const streamArn = await ensureTable(dynamoClient, env.TABLE_NAME!);
    await ensureBucket(s3, env.BUCKET_NAME!);

    // The handlers build their clients from the environment, exactly as on Lambda.
    const handlers = await import('#functions/dependencies');
    handlers.resetFunctionDependencies();
    const { handler: ingest } = await import('#functions/ingest/handler');
    const { handler: publish } = await import('#functions/publish/handler');
    const { functionDependencies } = handlers;
    const { config, dynamo } = functionDependencies(loadConfig);
    const repository = new DynamoSequencingRepository(dynamo, config.tableName);

    // Data from a version before the plans and keys registries: add their entries (the lists read only those).
    const filled = await repository.fillRegistry();
    if (filled.plans + filled.keys > 0) log(`added ${filled.plans} plan(s) and ${filled.keys} key(s) to the registries`);

    let demoKeys: DemoKey[] = [];
    if (options.seedDemo ?? true) {
      const result = await seedDemo(repository, DATA_DIR_LAYOUT.keys(dataDir));
      demoKeys = result.keys;
      if (result.seeded) log('loaded the demo plan terrassa-2015-2019');
    }

    const poller = new StreamPoller({
      client: streamsClient,
      streamArn,
      handler: publish,
      batchSize: PUBLISH_STREAM_SETTINGS.batchSize,
      batchingWindowMs: options.batchingWindowMs ?? 0,
      pollIntervalMs: options.pollIntervalMs ?? 50,
      retryAttempts: PUBLISH_STREAM_SETTINGS.retryAttempts,
      bisectBatchOnError: PUBLISH_STREAM_SETTINGS.bisectBatchOnError,
      maxRecordAgeMs: PUBLISH_STREAM_SETTINGS.maxRecordAgeSeconds * 1000,
      deadLetterDir: DATA_DIR_LAYOUT.deadLetter(dataDir),
      log,
    });
    await poller.start('LATEST');
    // Catch up on anything written while nothing was polling (first start, or a restart).
    // A plan whose publish lease a crashed earlier run still holds fails until the lease
    // expires: it is retried in the background rather than left behind.
    let stopping = false;
    let catchUp: Promise<void> = Promise.resolve();
    if ((await publishAll(publish, repository)) > 0) {
      catchUp = (async () => {
        while (!stopping && (await publishAll(publish, repository).catch(() => 1)) > 0) {
          log('some plans could not be published yet (publish lease still held?); retrying in 2 s');
          await new Promise((r) => setTimeout(r, 2000).unref());
        }
      })();
    }

    // The signing console, as the stack's BucketDeployment puts it in the bucket.
    const { buildConsole } = await import('../console-assets.ts');
    for (const file of await buildConsole()) {
      await s3.send(
        new PutObjectCommand({
          Bucket: env.BUCKET_NAME!,
          Key: file.key,
          Body: file.body,
          ContentType: file.contentType,
          CacheControl: 'no-cache',
        }),
      );
    }

    // Operator commands (mandat verify, republish, replay-dead-letters) find us through this file.
    writeRuntimeFile(dataDir, env);

    const server: Server = await (await import('./server.ts')).startLocalServer({
      port: options.port,
      host: options.host,
      s3,
      bucket: env.BUCKET_NAME!,
      ingest,
      originSecret,
      log,
    });

    return {
      url,
      env,
      demoKeys,
      poller,
      s3Server,
      stop: async () => {
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        stopping = true;
        await poller.stop();
        await catchUp;
        removeRuntimeFile(dataDir);
        dynamoClient.destroy();
        streamsClient.destroy();
        s3.destroy();
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Returns how many plans failed. */
async function publishAll(
  publish: typeof import('#functions/publish/handler')['handler'],
  repository: Pick<PlanRepository, 'listPlans'>,
): Promise<number> {
  const plans = (await everyPlanId(repository)).map((planId) => ({ planId }));
  // A synthetic stream event per plan: the same path as a real change.
  const response = await publish({
    Records: plans.map((plan, index) => ({
      eventName: 'MODIFY',
      dynamodb: { Keys: { PK: { S: `PLAN#${plan.planId}` }, SK: { S: 'PLAN' } }, SequenceNumber: String(index + 1) },
    })),
  });
  return response.batchItemFailures.length;
}
