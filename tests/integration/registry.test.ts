/**
 * The lists (GET /api/v1/plans, public; GET /api/v1/keys, admin) against DynamoDB Local: each
 * page is one bounded Query of a registry partition (PLANS, KEYS), never a scan of a table full
 * of nonces, idempotency records and history; pages follow `nextCursor`; the entries move with
 * the plans and keys they list; older data gets its entries; and the registry's own stream
 * records trigger no publish.
 */
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plansInBatch } from '#functions/publish/handler';
import { createApi } from '#shared/api/api';
import { definePlan } from '#shared/api/definitions';
import { DEMO_PLAN, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { LIMITS } from '#shared/domain/model';
import { createDynamoClient } from '#shared/store/dynamo/client';
import { DynamoPlanRepository } from '#shared/store/dynamo/repository';
import { PUBLISH_STREAM_SETTINGS } from '#shared/store/dynamo/stream-settings';
import {
  BASE_URL,
  createTestEnvironment,
  REGION,
  signedRequest,
  type TestEnvironment,
  type TestKey,
  updatePath,
} from '#tests/support/environment';

let env: TestEnvironment;
let doc: DynamoDBDocumentClient;
let admin: TestKey;
let official: TestKey;
/** Every command the observed repository sent: name and input. */
const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
let observedApi: ReturnType<typeof createApi>;

const PLAN_IDS = ['a-plan', 'b-plan', 'c-plan', 'd-plan', 'e-plan', 'f-plan', DEMO_PLAN_ID].sort();

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  for (const planId of PLAN_IDS.filter((id) => id !== DEMO_PLAN_ID)) {
    await definePlan(env.repository, planId, { ...DEMO_PLAN, title: `Plan ${planId}` }, { now: new Date() });
  }
  admin = await env.addKey('admin', 'admin', []);
  official = await env.addKey('official', 'official', [{ planId: DEMO_PLAN_ID }]);
  // What made the scan slow: many items that are not plans (nonces here).
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  for (let i = 0; i < 300; i += 25) {
    await Promise.all(
      Array.from({ length: 25 }, (_, j) => env.repository.claimNonce({ keyId: 'official', nonce: `n-${i + j}`, expiresAt })),
    );
  }
  doc = createDynamoClient({ region: REGION, dynamodbEndpoint: env.dynamodbEndpoint });
  const observed = new Proxy(doc, {
    get(target, name) {
      if (name !== 'send') return Reflect.get(target, name);
      return (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        return target.send(command as never);
      };
    },
  });
  observedApi = createApi({
    repository: new DynamoPlanRepository(observed, env.tableName),
    publicBaseUrl: BASE_URL,
    clockSkewSeconds: 300,
    nonceTtlSeconds: 3600,
  });
}, 60_000);
afterAll(async () => {
  doc?.destroy();
  await env.destroy();
});

const get = (path: string, query = '') => ({ method: 'GET', path, query, headers: { host: 'mandat.example.org' }, body: Buffer.alloc(0) });
const json = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

async function allPlanPages(limit: number): Promise<Array<{ plans: Array<{ planId: string; revision: number }>; nextCursor?: string }>> {
  const pages = [];
  let cursor: string | undefined;
  do {
    const response = await env.api(get('/api/v1/plans', `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`));
    expect(response.status, response.body).toBe(200);
    const page = json(response) as { plans: Array<{ planId: string; revision: number }>; nextCursor?: string };
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return pages;
}

describe('GET /api/v1/plans', () => {
  it('is one Query of the PLANS partition with a bounded Limit: never a Scan, however many other items the table holds', async () => {
    sent.length = 0;
    const response = await observedApi(get('/api/v1/plans'));
    expect(response.status, response.body).toBe(200);
    expect((json(response).plans as unknown[]).length).toBe(PLAN_IDS.length);
    // The page of entries, then the page's current revisions from the plan items themselves.
    expect(sent.map((c) => c.name)).toEqual(['QueryCommand', 'BatchGetCommand']);
    expect(sent[0]!.input).toMatchObject({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'PLANS' } });
    expect(sent[0]!.input.Limit).toBeLessThanOrEqual(LIMITS.pageSize + 1);
    expect(sent[0]!.input.IndexName).toBeUndefined();
    const batch = sent[1]!.input as { RequestItems: Record<string, { Keys: unknown[] }> };
    expect(batch.RequestItems[env.tableName]!.Keys.length).toBe(PLAN_IDS.length);
  });

  it('pages in plan-id order: every plan once, nextCursor until the last page', async () => {
    const pages = await allPlanPages(3);
    expect(pages.map((p) => p.plans.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.plans.map((plan) => plan.planId))).toEqual(PLAN_IDS);
    expect(pages.at(-1)!.nextCursor).toBeUndefined();
    // A page exactly as long as what is left says it is the last.
    expect((await allPlanPages(PLAN_IDS.length)).length).toBe(1);
  });

  it.each([
    ['limit=0', 'limit'],
    [`limit=${LIMITS.pageSize + 1}`, 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1e2', 'limit'],
    ['cursor=!!', 'cursor'],
    [`cursor=${Buffer.from('NOT A SLUG').toString('base64url')}`, 'cursor'],
  ])('refuses %s with 400 invalid-query naming the parameter', async (query, path) => {
    const response = await env.api(get('/api/v1/plans', query));
    expect(response.status, response.body).toBe(400);
    expect(json(response)).toMatchObject({ type: expect.stringMatching(/invalid-query$/), errors: [{ path }] });
  });

  it('shows the current revision, and an update writes neither the PLANS partition nor the plan item (no hot key)', async () => {
    sent.length = 0;
    const response = await observedApi(signedRequest(official, 'POST', updatePath(), { status: 'delayed', observations: 'registry' }));
    expect(response.status, response.body).toBe(201);
    const written = sent
      .filter((c) => c.name === 'TransactWriteCommand')
      .flatMap((c) =>
        (c.input.TransactItems as Array<Record<string, { Item?: { PK: string }; Key?: { PK: string } }>>).map(
          (entry) => Object.values(entry)[0]!,
        ),
      )
      .map((operation) => (operation.Item ?? operation.Key)!);
    expect(written.map((key) => key.PK)).toContain(`PLAN#${DEMO_PLAN_ID}`);
    expect(written.map((key) => key.PK)).not.toContain('PLANS');
    // The plan's revision is moved on by the publisher's sequencer, not by the writers.
    expect(written.filter((key) => key.PK === `PLAN#${DEMO_PLAN_ID}` && (key as { SK?: string }).SK === 'PLAN')).toEqual([]);
    const listed = (await allPlanPages(100))[0]!.plans.find((p) => p.planId === DEMO_PLAN_ID)!;
    expect(listed.revision).toBe((await env.repository.getPlan(DEMO_PLAN_ID))!.revision);
  });

  it('lists plans written before the registry once it is filled, or once redefined', async () => {
    // Data as an older version left it: plans without entries.
    for (const planId of ['b-plan', DEMO_PLAN_ID]) {
      await doc.send(new DeleteCommand({ TableName: env.tableName, Key: { PK: 'PLANS', SK: `PLAN#${planId}` } }));
    }
    const listed = async () => (await allPlanPages(100)).flatMap((p) => p.plans.map((plan) => plan.planId));
    expect(await listed()).not.toContain('b-plan');
    // Updates to an unregistered plan go on as before.
    const response = await env.api(signedRequest(official, 'POST', updatePath(), { status: 'on_track', observations: 'unlisted' }));
    expect(response.status, response.body).toBe(201);
    // A redefinition writes its entry (in the same transaction as the plan).
    const redefined = await env.api(signedRequest(admin, 'PUT', '/api/v1/plans/b-plan', { ...DEMO_PLAN, title: 'Plan b-plan, renamed' }));
    expect(redefined.status, redefined.body).toBe(200);
    const entry = (await allPlanPages(100))[0]!.plans.find((p) => p.planId === 'b-plan');
    expect(entry).toMatchObject({ title: 'Plan b-plan, renamed', revision: (await env.repository.getPlan('b-plan'))!.revision });
    // What `npm start` (and `mandat republish --all`) run: the rest is filled.
    expect(await env.repository.fillRegistry()).toEqual({ plans: 1, keys: 0 });
    expect(await listed()).toEqual(PLAN_IDS);
    expect(await env.repository.fillRegistry()).toEqual({ plans: 0, keys: 0 });
  });
});

describe('GET /api/v1/keys', () => {
  it('pages the KEYS registry for an admin (the signature covers the query), and no entry holds a secret', async () => {
    const registered = await env.api(
      signedRequest(admin, 'POST', '/api/v1/keys', { keyId: 'hmac-one', algorithm: 'hmac-sha256', owner: 'H', role: 'admin' }),
    );
    expect(registered.status, registered.body).toBe(201);
    sent.length = 0;
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await observedApi(signedRequest(admin, 'GET', `/api/v1/keys?limit=1${cursor ? `&cursor=${cursor}` : ''}`));
      expect(response.status, response.body).toBe(200);
      const page = json(response) as { keys: Array<{ keyId: string; sharedSecret?: string }>; nextCursor?: string };
      expect(page.keys.length).toBe(1);
      ids.push(...page.keys.map((k) => k.keyId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toEqual(['admin', 'hmac-one', 'official']);
    expect(sent.filter((c) => c.name === 'ScanCommand')).toEqual([]);
    const entries = await doc.send(
      new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'KEYS' } }),
    );
    expect(entries.Items!.map((item) => item.keyId)).toEqual(['admin', 'hmac-one', 'official']);
    for (const item of entries.Items!) expect(item).not.toHaveProperty('sharedSecret');
  });

  it('shows a revocation at once (the entry is written in the revocation transaction)', async () => {
    const response = await env.api(signedRequest(admin, 'POST', '/api/v1/keys/hmac-one/revoke'));
    expect(response.status, response.body).toBe(200);
    const page = json(await env.api(signedRequest(admin, 'GET', '/api/v1/keys'))) as { keys: Array<{ keyId: string; active: boolean }> };
    expect(page.keys.find((k) => k.keyId === 'hmac-one')).toMatchObject({ active: false, revokedAt: expect.any(String) });
  });
});

describe("the registry and the publisher's stream", () => {
  async function streamRecords(): Promise<DynamoDBRecord[]> {
    const stream = await env.streams.send(new DescribeStreamCommand({ StreamArn: env.streamArn }));
    const records: DynamoDBRecord[] = [];
    for (const shard of stream.StreamDescription?.Shards ?? []) {
      let iterator = (
        await env.streams.send(
          new GetShardIteratorCommand({ StreamArn: env.streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
        )
      ).ShardIterator;
      for (let round = 0; iterator && round < 50; round++) {
        const out = await env.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        records.push(...((out.Records ?? []) as unknown as DynamoDBRecord[]));
        if ((out.Records ?? []).length === 0) break;
        iterator = out.NextShardIterator;
      }
    }
    return records;
  }

  it('PLANS records reach the stream but match neither the event-source filter (prefix PLAN#) nor the handler', async () => {
    const records = await streamRecords();
    const registry = records.filter((r) => r.dynamodb?.Keys?.PK?.S === 'PLANS');
    expect(registry.length).toBeGreaterThan(0);
    expect(PUBLISH_STREAM_SETTINGS.partitionKeyPrefix).toBe('PLAN#');
    for (const record of registry) expect(record.dynamodb!.Keys!.PK!.S!.startsWith(PUBLISH_STREAM_SETTINGS.partitionKeyPrefix)).toBe(false);
    const event = { Records: registry } as DynamoDBStreamEvent;
    expect([...plansInBatch(event).keys()]).toEqual([]);
    // With the plans' own records, only the plans are published.
    const planIds = [...plansInBatch({ Records: records } as DynamoDBStreamEvent).keys()].sort();
    expect(planIds).toEqual(PLAN_IDS);
  });
});
