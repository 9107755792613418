/**
 * Faults on the way from the table to the bucket: the S3 server stops in the middle of a burst
 * of updates and comes back; the publish handler crashes half-way through a plan's files; the
 * poller gives records up to its dead-letter file and an operator replays them. Each time the
 * bucket ends equal to the table with every accepted update in it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_FILE } from '#shared/config/local-data';
import { historyPath } from '#shared/render/snapshot';
import { changesInRecords } from '#shared/store/dynamo/stream-records';
import { S3ArtifactStore } from '#shared/store/s3/artifact-store';
import { createS3Client } from '#shared/store/s3/client';
import { createTestEnvironment, REGION, type TestEnvironment, type TestKey } from '#tests/support/environment';
import {
  CrashingStore,
  createPublisher,
  definePlanWithCommitments,
  eventually,
  STATUSES,
  signedUpdate,
  verifyBucket,
  waitUntilPublished,
} from '#tests/support/reliability';
import { replayDeadLetters } from '../../cli/commands/replay-dead-letters.ts';
import { openOperatorSession } from '../../cli/operator.ts';
import { startS3Server } from '../../infra/local/emulators.ts';
import { ensureBucket } from '../../infra/local/setup.ts';
import { StreamPoller } from '../../infra/local/stream-poller.ts';

let env: TestEnvironment;
let official: TestKey;
let s3Server: Awaited<ReturnType<typeof startS3Server>>;
let s3Dir: string;
let deadLetterDir: string;
let s3: S3Client;
let store: S3ArtifactStore;
const BUCKET = 'faults';
const month = new Date().toISOString().slice(0, 7);

beforeAll(async () => {
  env = await createTestEnvironment();
  official = await env.addKey(
    'official',
    'official',
    ['outage', 'crash', 'dead-letters', 'poison', 'healthy', 'aged'].map((planId) => ({ planId })),
  );
  // A dedicated S3 server, so that stopping it disturbs no other test file.
  s3Dir = mkdtempSync(join(tmpdir(), 'mandat-faults-s3-'));
  deadLetterDir = mkdtempSync(join(tmpdir(), 'mandat-faults-dlq-'));
  s3Server = await startS3Server({ directory: s3Dir });
  s3 = createS3Client({ region: REGION, s3Endpoint: s3Server.endpoint });
  await ensureBucket(s3, BUCKET);
  store = new S3ArtifactStore(s3, BUCKET);
});
afterAll(async () => {
  s3.destroy();
  await s3Server.stop();
  await env.destroy();
  rmSync(s3Dir, { recursive: true, force: true });
  rmSync(deadLetterDir, { recursive: true, force: true });
});

async function postRandom(planId: string, commitments: string[], n: number): Promise<string> {
  const response = await env.api(
    signedUpdate(official, planId, commitments[n % commitments.length]!, {
      status: STATUSES[n % STATUSES.length]!,
      observations: `Update ${n}`,
    }),
  );
  expect(response.status, response.body).toBe(201);
  return (JSON.parse(response.body) as { updateId: string }).updateId;
}

async function publishedUpdateIds(planId: string): Promise<string[]> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `plans/${planId}/${historyPath(month, 'json')}` }));
    return (JSON.parse(await out.Body!.transformToString()) as { updates: Array<{ updateId: string }> }).updates.map((u) => u.updateId);
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return [];
    throw error;
  }
}

describe('the S3 server stops in the middle of a burst of updates', () => {
  it('publishing resumes when it is back, and nothing is lost', async () => {
    const commitments = await definePlanWithCommitments(env.repository, 'outage', 3);
    const publisher = createPublisher(env.repository, store);
    const poller = new StreamPoller({
      client: env.streams,
      streamArn: env.streamArn,
      handler: publisher.handler,
      pollIntervalMs: 20,
      retryAttempts: -1,
      retryDelayMs: 20,
      deadLetterDir,
    });
    await poller.start('TRIM_HORIZON');
    try {
      const ids: string[] = [];
      for (let n = 0; n < 8; n++) ids.push(await postRandom('outage', commitments, n));
      await s3Server.pause();
      for (let n = 8; n < 20; n++) ids.push(await postRandom('outage', commitments, n));
      // Publishing is failing now (the stream keeps the records).
      await eventually('a failed publish', async () => (poller.stats.failures > 0 ? true : undefined));
      const stalled = (await env.repository.getPublishState('outage'))?.publishedRevision ?? 0;
      expect(stalled).toBeLessThan((await env.repository.getPlan('outage'))!.revision);

      await s3Server.restart();
      await waitUntilPublished(env.repository, 'outage', 60_000);
      expect(new Set(await publishedUpdateIds('outage'))).toEqual(new Set(ids));
      expect((await verifyBucket(env, ['outage'], s3, BUCKET)).differences).toBe(0);
      expect(poller.stats.deadLettered).toBe(0);
    } finally {
      await poller.stop();
    }
    // Above the waits inside (20 s + 60 s): a slow run fails on the wait that names what did not
    // happen, and still stops its poller, instead of leaving it to publish under the next tests.
  }, 120_000);
});

describe('the publish handler crashes half-way through writing a plan', () => {
  it('leaves a partial publish that its retry completes', async () => {
    const commitments = await definePlanWithCommitments(env.repository, 'crash', 2);
    const healthy = createPublisher(env.repository, store);
    await healthy.publishPlan('crash');
    const ids = [await postRandom('crash', commitments, 1), await postRandom('crash', commitments, 2)];
    const crashing = new CrashingStore(store, 2);
    const publisher = createPublisher(env.repository, crashing, {}, undefined, store);

    const crashed = await publisher.publishPlan('crash');
    expect(crashed.batchItemFailures).toHaveLength(1);
    expect(crashing.crashes).toBe(1);
    // Some files are new, the rest still old: not what the table implies.
    const partial = await verifyBucket(env, ['crash'], s3, BUCKET);
    expect(partial.plans[0]!.different.length).toBeGreaterThan(0);
    expect(partial.plans[0]!.different.length).toBeLessThan(partial.plans[0]!.expected);
    expect((await env.repository.getPublishState('crash'))!.leaseOwner).toBeUndefined();

    // The stream retries the same records.
    expect((await publisher.publishPlan('crash')).batchItemFailures).toEqual([]);
    expect((await verifyBucket(env, ['crash'], s3, BUCKET)).differences).toBe(0);
    expect(await publishedUpdateIds('crash')).toEqual(expect.arrayContaining(ids));
  });

  it('is retried by the stream poller until the plan converges', async () => {
    const crashing = new CrashingStore(store, 1, 2);
    const publisher = createPublisher(env.repository, crashing, {}, undefined, store);
    const poller = new StreamPoller({
      client: env.streams,
      streamArn: env.streamArn,
      handler: publisher.handler,
      pollIntervalMs: 20,
      retryDelayMs: 20,
      retryAttempts: 5,
    });
    await poller.start('LATEST');
    try {
      const id = await postRandom('crash', ['c1', 'c2'], 3);
      await waitUntilPublished(env.repository, 'crash');
      expect(crashing.crashes).toBe(2);
      expect(poller.stats.failures).toBeGreaterThanOrEqual(2);
      expect(await publishedUpdateIds('crash')).toContain(id);
      expect((await verifyBucket(env, ['crash'], s3, BUCKET)).differences).toBe(0);
    } finally {
      await poller.stop();
    }
  });
});

type DeadLetterLine = { reason: string; attempts: number; record: { dynamodb: { Keys: { PK: { S: string } } } } };
function deadLetters(): DeadLetterLine[] {
  const file = join(deadLetterDir, DEAD_LETTER_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as DeadLetterLine);
}
const deadLettersOf = (planId: string) => deadLetters().filter((l) => l.record.dynamodb.Keys.PK.S === `PLAN#${planId}`);
/** The dead letters that carry changes (not the publisher's own ordering or queue records, which publish nothing). */
const changeRecords = (lines: DeadLetterLine[]) => lines.filter((l) => changesInRecords([l.record as never]).size > 0);

describe('records that exhaust their retries', () => {
  it('go to the dead-letter file, and replaying it publishes them', async () => {
    const commitments = await definePlanWithCommitments(env.repository, 'dead-letters', 2);
    await createPublisher(env.repository, store).publishPlan('dead-letters');
    const publisher = createPublisher(env.repository, store);
    const poller = new StreamPoller({
      client: env.streams,
      streamArn: env.streamArn,
      handler: publisher.handler,
      pollIntervalMs: 20,
      retryAttempts: 1,
      retryDelayMs: 10,
      deadLetterDir,
    });
    await poller.start('LATEST');
    const ids: string[] = [];
    try {
      await s3Server.pause();
      for (let n = 0; n < 4; n++) ids.push(await postRandom('dead-letters', commitments, n));
      // Each update is two records of the plan (history item, commitment); the plan item is the publisher's.
      await eventually(
        'every record of the burst to be dead-lettered',
        async () => (changeRecords(deadLettersOf('dead-letters')).length >= 8 ? true : undefined),
        60_000,
      );
      await s3Server.restart();
    } finally {
      await poller.stop();
    }
    const file = join(deadLetterDir, DEAD_LETTER_FILE);
    const lines = deadLetters();
    // The two records of each of the 4 updates (under load a record may be dead-lettered by two overlapping
    // retries). A failed batch may also carry the publisher's own ordering records, which publish nothing.
    const dead = changeRecords(deadLettersOf('dead-letters'));
    expect(new Set(dead.map((l) => (l.record.dynamodb as unknown as { SequenceNumber: string }).SequenceNumber)).size).toBe(8);
    expect(lines.every((l) => l.attempts === 2 && /failed 2 time/.test(l.reason))).toBe(true);
    // Nothing publishes the plan by itself now: the feeds are behind the table.
    expect((await env.repository.getPublishState('dead-letters'))!.publishedRevision).toBeLessThan(
      (await env.repository.getPlan('dead-letters'))!.revision,
    );

    // The operator's replay publishes with the adapters the operator commands build from the environment.
    Object.assign(process.env, env.env, { S3_ENDPOINT: s3Server.endpoint, BUCKET_NAME: BUCKET });
    const operator = openOperatorSession();
    const result = await replayDeadLetters(file, operator).finally(() => operator.close());
    expect(result).toMatchObject({ failed: 0, plans: expect.arrayContaining(['dead-letters']) });
    expect(result.replayed).toBe(lines.length);
    expect(existsSync(file)).toBe(false);
    await waitUntilPublished(env.repository, 'dead-letters');
    expect(await publishedUpdateIds('dead-letters')).toEqual(expect.arrayContaining(ids));
    expect((await verifyBucket(env, ['dead-letters'], s3, BUCKET)).differences).toBe(0);
  }, 90_000);
});

describe('the local poller handles a batch as the event source mapping does', () => {
  it('sends the records of a plan that cannot be published to the dead-letter file, without holding up the others', async () => {
    const [poison, healthy] = [
      await definePlanWithCommitments(env.repository, 'poison', 1),
      await definePlanWithCommitments(env.repository, 'healthy', 1),
    ];
    const failingForPoison = {
      write: (prefix: string, artifacts: Parameters<S3ArtifactStore['write']>[1]) =>
        prefix.includes('poison') ? Promise.reject(new Error('cannot write poison')) : store.write(prefix, artifacts),
    };
    const publisher = createPublisher(env.repository, failingForPoison, {}, undefined, store);
    const dir = mkdtempSync(join(tmpdir(), 'mandat-poison-'));
    // A batching window, so that both plans' records arrive in the same batches.
    const poller = new StreamPoller({
      client: env.streams,
      streamArn: env.streamArn,
      handler: publisher.handler,
      batchingWindowMs: 300,
      pollIntervalMs: 20,
      retryDelayMs: 10,
      retryAttempts: 2,
      deadLetterDir: dir,
    });
    await poller.start('LATEST');
    const poisonChange = (l: DeadLetterLine) =>
      l.record.dynamodb.Keys.PK.S === 'PLAN#poison' && changesInRecords([l.record as never]).size > 0;
    const ids: string[] = [];
    try {
      for (let n = 0; n < 3; n++) {
        await postRandom('poison', poison, n);
        ids.push(await postRandom('healthy', healthy, n));
      }
      await waitUntilPublished(env.repository, 'healthy');
      await eventually('the poison records to be dead-lettered', async () => {
        const file = join(dir, DEAD_LETTER_FILE);
        const lines = existsSync(file)
          ? readFileSync(file, 'utf8')
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l) as DeadLetterLine)
          : [];
        return lines.filter(poisonChange).length >= 6 ? lines : undefined;
      });
    } finally {
      await poller.stop();
    }
    const lines = readFileSync(join(dir, DEAD_LETTER_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DeadLetterLine);
    // Like Lambda's checkpoint, everything from the first failed record on is retried, so the
    // healthy plan's records that came after a poison one may go along (harmless: they were
    // published, and replaying them finds the plan up to date). The poison ones all end there
    // (with, at times, the publisher's own ordering records of that plan, which carry no change).
    expect(lines.filter(poisonChange)).toHaveLength(6);
    expect(lines.every((l) => l.attempts === 3)).toBe(true);
    expect(await publishedUpdateIds('healthy')).toEqual(expect.arrayContaining(ids));
    expect((await verifyBucket(env, ['healthy'], s3, BUCKET)).differences).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('dead-letters records older than the maximum record age without invoking the handler', async () => {
    const commitments = await definePlanWithCommitments(env.repository, 'aged', 1);
    let invoked = 0;
    const dir = mkdtempSync(join(tmpdir(), 'mandat-aged-'));
    const poller = new StreamPoller({
      client: env.streams,
      streamArn: env.streamArn,
      handler: async () => {
        invoked++;
        return { batchItemFailures: [] };
      },
      pollIntervalMs: 20,
      // Any record is older than that by the time it is read (timestamps have whole seconds).
      maxRecordAgeMs: -1,
      deadLetterDir: dir,
    });
    await poller.start('LATEST');
    try {
      await postRandom('aged', commitments, 1);
      await eventually('the records to be dead-lettered', async () => (poller.stats.deadLettered >= 3 ? true : undefined));
    } finally {
      await poller.stop();
    }
    expect(invoked).toBe(0);
    const lines = readFileSync(join(dir, DEAD_LETTER_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DeadLetterLine);
    expect(lines.every((l) => /^older than/.test(l.reason) && l.attempts === 0)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
