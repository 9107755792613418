/**
 * Idempotent posting and write contention against DynamoDB Local: a retried POST with the same
 * Idempotency-Key gets the first answer and writes nothing; DynamoDB's TransactionConflict
 * (which DynamoDB Local never raises, so it is injected into the client) is retried, then
 * answered 503 with Retry-After; the CLI retries a POST whose answer was lost.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiRequest, createApi } from '#shared/api/api';
import { historyPath } from '#shared/render/snapshot';
import { DynamoPlanRepository } from '#shared/store/dynamo/repository';
import { BASE_URL, CREDENTIALS, createTestEnvironment, REGION, type TestEnvironment, type TestKey } from '#tests/support/environment';
import { createPublisher, definePlanWithCommitments, signedUpdate, verifyBucket } from '#tests/support/reliability';
import { post as postCommand } from '../../cli/commands/post.ts';

let env: TestEnvironment;
let official: TestKey;
const PLAN = 'idem-plan';

beforeAll(async () => {
  env = await createTestEnvironment();
  official = await env.addKey('official', 'official', [{ planId: PLAN }]);
  await definePlanWithCommitments(env.repository, PLAN, 2);
});
afterAll(() => env.destroy());

const body = (observations: string) => ({ status: 'delayed', observations });

async function updatesCount() {
  return (await env.repository.listUpdates(PLAN)).length;
}

describe('Idempotency-Key', () => {
  it('answers a retry with the same key with the first 201 body and writes nothing new', async () => {
    const headers = { 'idempotency-key': '"retry-after-timeout-1"' };
    const first = await env.api(signedUpdate(official, PLAN, 'c1', body('Obres adjudicades.'), { headers }));
    expect(first.status, first.body).toBe(201);
    const firstBody = JSON.parse(first.body) as { updateId: string };
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const before = await env.tableSnapshot();
    // The client timed out and sends it again: same key, same body, a fresh signature and nonce.
    const retry = await env.api(signedUpdate(official, PLAN, 'c1', body('Obres adjudicades.'), { headers }));
    expect(retry.status, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(JSON.parse(retry.body)).toEqual(firstBody);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(await env.tableSnapshot()).toBe(before);
    expect((await env.repository.listUpdates(PLAN)).filter((u) => u.updateId === firstBody.updateId)).toHaveLength(1);
  });

  it('answers the retry with the first answer even after the commitment moved on', async () => {
    const headers = { 'idempotency-key': '"moved-on"' };
    const first = await env.api(signedUpdate(official, PLAN, 'c2', body('primer'), { headers }));
    expect(first.status).toBe(201);
    const other = await env.api(signedUpdate(official, PLAN, 'c2', { status: 'on_track', observations: 'un altre' }));
    expect(other.status).toBe(201);
    const count = await updatesCount();
    const retry = await env.api(signedUpdate(official, PLAN, 'c2', body('primer'), { headers }));
    expect(retry.status).toBe(201);
    expect(JSON.parse(retry.body).updateId).toBe(JSON.parse(first.body).updateId);
    expect(await updatesCount()).toBe(count);
  });

  it('gives two concurrent requests with the same key one update and the same answer', async () => {
    const headers = { 'idempotency-key': '"concurrent"' };
    const before = await updatesCount();
    const responses = await Promise.all([1, 2, 3].map(() => env.api(signedUpdate(official, PLAN, 'c1', body('a la vegada'), { headers }))));
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(responses.map((r) => JSON.parse(r.body).updateId)).size).toBe(1);
    expect(await updatesCount()).toBe(before + 1);
  });

  it('refuses the same key for a different request with 422, writing nothing', async () => {
    const headers = { 'idempotency-key': '"reused"' };
    expect((await env.api(signedUpdate(official, PLAN, 'c1', body('una cosa'), { headers }))).status).toBe(201);
    const before = await env.tableSnapshot();
    const reused = await env.api(signedUpdate(official, PLAN, 'c1', body('una altra cosa'), { headers }));
    expect(reused.status).toBe(422);
    expect(reused.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(reused.body).type).toMatch(/idempotency-key-reused$/);
    expect(await env.tableSnapshot()).toBe(before);
  });

  it('requires the signature to cover the key (401) and the key to be well-formed (400)', async () => {
    const before = await env.tableSnapshot();
    const signed = signedUpdate(official, PLAN, 'c1', body('x'));
    const unsignedKey: ApiRequest = { ...signed, headers: { ...signed.headers, 'idempotency-key': '"added-later"' } };
    const uncovered = await env.api(unsignedKey);
    expect(uncovered.status).toBe(401);
    expect(JSON.parse(uncovered.body).detail).toMatch(/idempotency-key/);
    const malformed = await env.api(signedUpdate(official, PLAN, 'c1', body('x'), { headers: { 'idempotency-key': '"unterminated' } }));
    expect(malformed.status).toBe(400);
    expect(await env.tableSnapshot()).toBe(before);
  });
});

/** A repository whose DynamoDB client has the first `failures` transactions cancelled for a conflict. */
function contendedRepository(failures: number) {
  const state = { remaining: failures, injected: 0 };
  const client = new DynamoDBClient({ region: REGION, endpoint: env.dynamodbEndpoint, credentials: CREDENTIALS });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (/^TransactWrite/.test(context.commandName ?? '') && state.remaining > 0) {
        state.remaining--;
        state.injected++;
        throw new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, None, None]',
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: [
            { Code: 'None' },
            { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
            { Code: 'None' },
            { Code: 'None' },
          ],
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectTransactionConflict' },
  );
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const api = createApi({
    repository: new DynamoPlanRepository(doc, env.tableName),
    publicBaseUrl: BASE_URL,
    clockSkewSeconds: 300,
    nonceTtlSeconds: 3600,
  });
  return { api, state, close: () => client.destroy() };
}

describe('TransactionConflict from DynamoDB', () => {
  it('is retried with backoff: the update goes through once', async () => {
    const contended = contendedRepository(2);
    const before = await updatesCount();
    const response = await contended.api(signedUpdate(official, PLAN, 'c2', body('després de dos conflictes')));
    expect(response.status, response.body).toBe(201);
    expect(contended.state.injected).toBe(2);
    expect(await updatesCount()).toBe(before + 1);
    contended.close();
  });

  it('answers 503 with Retry-After when the conflicts persist, and writes nothing', async () => {
    const contended = contendedRepository(1000);
    const before = await env.tableSnapshot();
    const response = await contended.api(signedUpdate(official, PLAN, 'c2', body('massa conflictes')));
    expect(response.status, response.body).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(JSON.parse(response.body).type).toMatch(/write-contention$/);
    expect(contended.state.injected).toBeGreaterThan(1);
    expect(await env.tableSnapshot()).toBe(before);
    contended.close();
  });
});

describe('mandat post', () => {
  let server: Server;
  let dir: string;
  let dropNextAnswer = 0;
  let busyNextAnswer = 0;
  const seenKeys: string[] = [];

  beforeAll(async () => {
    // The API behind an HTTP server that can lose an answer after the update was recorded.
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? '/', 'http://local');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      seenKeys.push(String(headers['idempotency-key']));
      if (busyNextAnswer > 0) {
        busyNextAnswer--;
        res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/problem+json' }).end('{"status":503}');
        return;
      }
      const response = await env.api({
        method: req.method!,
        path: url.pathname,
        query: url.search.slice(1),
        headers,
        body: Buffer.concat(chunks),
      });
      if (dropNextAnswer > 0) {
        dropNextAnswer--;
        req.socket.destroy();
        return;
      }
      res.writeHead(response.status, response.headers).end(response.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'mandat-cli-'));
    writeFileSync(join(dir, 'official.pem'), official.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  async function runPost(...extra: string[]) {
    const address = server.address() as { port: number };
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // The signature is for the host the client reaches, which the API accepts as a candidate.
      await postCommand.run([
        '--api',
        `http://127.0.0.1:${address.port}`,
        '--key',
        join(dir, 'official.pem'),
        '--plan',
        PLAN,
        '--commitment',
        'c1',
        '--status',
        'on_track',
        '--observations',
        "Des de la línia d'ordres.",
        '--json',
        ...extra,
      ]);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    return JSON.parse(out.join('\n')) as { updateId: string };
  }

  it('retries after a lost answer with the same Idempotency-Key, and the update exists once', async () => {
    const before = await updatesCount();
    seenKeys.length = 0;
    dropNextAnswer = 1;
    busyNextAnswer = 0;
    const answer = await runPost();
    expect(seenKeys).toHaveLength(2);
    expect(seenKeys[0]).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(seenKeys[1]).toBe(seenKeys[0]);
    const updates = await env.repository.listUpdates(PLAN);
    expect(updates).toHaveLength(before + 1);
    expect(updates.map((u) => u.updateId)).toContain(answer.updateId);
  });

  it('retries a 503 and uses a new key on the next run', async () => {
    const before = await updatesCount();
    seenKeys.length = 0;
    busyNextAnswer = 1;
    await runPost();
    await runPost();
    expect(seenKeys).toHaveLength(3);
    expect(seenKeys[1]).toBe(seenKeys[0]);
    expect(seenKeys[2]).not.toBe(seenKeys[0]);
    expect(await updatesCount()).toBe(before + 2);
  });
});

describe('after all these retries', () => {
  it('the published feeds hold each update exactly once and equal the table', async () => {
    expect((await createPublisher(env.repository, env.store).publishPlan(PLAN)).batchItemFailures).toEqual([]);
    const updates = await env.repository.listUpdates(PLAN);
    const history = JSON.parse(
      (await env.getObject(`plans/${PLAN}/${historyPath(new Date().toISOString().slice(0, 7), 'json')}`))!.body,
    ) as {
      updates: Array<{ updateId: string }>;
    };
    expect(history.updates.map((u) => u.updateId).sort()).toEqual(updates.map((u) => u.updateId).sort());
    expect(new Set(history.updates.map((u) => u.updateId)).size).toBe(history.updates.length);
    expect((await verifyBucket(env, [PLAN])).differences).toBe(0);
  });
});
