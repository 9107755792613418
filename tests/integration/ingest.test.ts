/**
 * The signed endpoint against DynamoDB Local: accepted updates are persisted whole, and every
 * rejection is an RFC 9457 problem that leaves the table exactly as it was.
 */
import { createHash } from 'node:crypto';
import { createSigner, httpbis } from 'http-message-signatures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRequest, ApiResponse } from '#shared/api/api';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { BASE_URL, createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';

let env: TestEnvironment;
let official: TestKey;
let outsider: TestKey;

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  official = await env.addKey('official', 'official', [{ planId: DEMO_PLAN_ID }]);
  outsider = await env.addKey('outsider', 'official', [{ planId: 'another-plan' }]);
});
afterAll(() => env.destroy());

function problem(response: ApiResponse) {
  expect(response.headers['content-type']).toBe('application/problem+json');
  const body = JSON.parse(response.body) as { type: string; title: string; status: number; detail: string };
  expect(body.status).toBe(response.status);
  expect(body.type).toMatch(/^https:\/\//);
  expect(body.detail.length).toBeGreaterThan(0);
  return body;
}

/** Sends a request that must be rejected with `status`, and proves the table did not change. */
async function expectRejected(request: ApiRequest, status: number) {
  const before = await env.tableSnapshot();
  const response = await env.api(request);
  expect(response.status, response.body).toBe(status);
  const body = problem(response);
  expect(await env.tableSnapshot()).toBe(before);
  return body;
}

describe('POST /api/v1/plans/{planId}/commitments/{commitmentId}/updates', () => {
  it('persists an accepted update: history item and commitment state; the publisher gives it its plan revision', async () => {
    const planBefore = await env.repository.getPlan(DEMO_PLAN_ID);
    const defined = await env.repository.getCommitment(DEMO_PLAN_ID, 'c4');
    expect(defined?.definedAt).toBe(defined?.updatedAt);
    const response = await env.api(
      signedRequest(official, 'POST', updatePath(), {
        status: 'delayed',
        observations: 'Licitació **endarrerida**.',
        links: [{ title: 'Acta', url: 'https://example.org/acta.pdf' }],
        progress: 40,
      }),
    );
    expect(response.status, response.body).toBe(201);
    const body = JSON.parse(response.body);
    expect(body.updateId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.etag).toBe(`"${body.revision}"`);

    const commitment = await env.repository.getCommitment(DEMO_PLAN_ID, 'c4');
    expect(commitment).toMatchObject({ status: 'delayed', progress: 40, revision: body.revision, lastUpdateId: body.updateId });
    // An update is not a definition: what shows only the definitions keeps its stamp.
    expect(commitment?.definedAt).toBe(defined?.definedAt);
    const updates = await env.repository.listUpdates(DEMO_PLAN_ID);
    expect(updates.map((u) => u.updateId)).toContain(body.updateId);
    const update = updates.find((u) => u.updateId === body.updateId)!;
    expect(update).toMatchObject({ status: 'delayed', previousStatus: 'on_track', keyId: 'official', commitmentId: 'c4' });
    // Writers leave the plan item alone: the update waits, unsequenced, until the publisher orders it.
    expect(update.planRevision).toBe(0);
    expect((await env.repository.getPlan(DEMO_PLAN_ID))!.revision).toBe(planBefore!.revision);
    expect(await env.repository.hasPendingUpdates(DEMO_PLAN_ID, ['c4'])).toBe(true);
    expect(await env.repository.sequenceUpdates(DEMO_PLAN_ID, ['c4'])).toBe(1);
    expect(await env.repository.hasPendingUpdates(DEMO_PLAN_ID, ['c4'])).toBe(false);
    const sequenced = (await env.repository.listUpdates(DEMO_PLAN_ID)).find((u) => u.updateId === body.updateId)!;
    expect(sequenced.planRevision).toBe(planBefore!.revision + 1);
    expect((await env.repository.getPlan(DEMO_PLAN_ID))!.revision).toBe(planBefore!.revision + 1);
    // Nothing is counted twice.
    expect(await env.repository.sequenceUpdates(DEMO_PLAN_ID, 'all')).toBe(0);
  });

  it('accepts a request signed by an independent RFC 9421 implementation (http-message-signatures)', async () => {
    const payload = JSON.stringify({ status: 'on_track', observations: 'Signed by another library.' });
    const digest = `sha-512=:${createHash('sha512').update(payload).digest('base64')}:`;
    const signed = await httpbis.signMessage(
      {
        key: createSigner(official.privateKey, 'ed25519', official.keyId),
        fields: ['@method', '@target-uri', '@path', 'content-type', 'content-digest'],
        params: ['created', 'keyid', 'nonce', 'alg'],
        paramValues: { nonce: 'independent-nonce-1' },
        name: 'official',
      },
      {
        method: 'POST',
        url: `${BASE_URL}${updatePath()}`,
        headers: { 'content-type': 'application/json', 'content-digest': digest },
        body: payload,
      },
    );
    const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const request: ApiRequest = {
      method: 'POST',
      path: updatePath(),
      query: '',
      headers: { host: new URL(BASE_URL).host, ...headers },
      body: Buffer.from(payload),
    };
    const first = await env.api(request);
    expect(first.status, first.body).toBe(201);
    expect((await env.repository.getCommitment(DEMO_PLAN_ID, 'c4'))!.observations).toBe('Signed by another library.');

    // The very same request again is a replay.
    const replay = await expectRejected(request, 409);
    expect(replay.detail).toMatch(/nonce/);
  });

  it('rejects a body changed after signing with 401', async () => {
    const request = signedRequest(official, 'POST', updatePath(), { status: 'pending', observations: 'original' });
    const tampered = { ...request, body: Buffer.from(JSON.stringify({ status: 'on_track', observations: 'tampered' })) };
    const body = await expectRejected(tampered, 401);
    expect(body.detail).toMatch(/Content-Digest/);
  });

  it('rejects garbage JSON with 400', async () => {
    const body = await expectRejected(
      signedRequest(official, 'POST', updatePath(), undefined, { rawBody: '{"status": "delayed", oops' }),
      400,
    );
    expect(body.detail).toMatch(/not valid JSON/);
  });

  it('rejects an invalid body with 400 and the failing field paths', async () => {
    const response = await env.api(
      signedRequest(official, 'POST', updatePath(), {
        status: 'delayed',
        observations: 'x',
        links: [{ title: 'bad', url: 'javascript:alert(1)' }],
        surprise: true,
      }),
    );
    expect(response.status).toBe(400);
    const body = JSON.parse(response.body) as { errors: Array<{ path: string; message: string }> };
    expect(body.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['links/0/url', '/']));
    expect(body.errors.find((e) => e.path === '/')!.message).toMatch(/surprise/);
  });

  it('rejects a status outside the plan vocabulary with 400', async () => {
    await expectRejected(signedRequest(official, 'POST', updatePath(), { status: 'done', observations: 'x' }), 400);
  });

  it('rejects an unsigned request with 401', async () => {
    const payload = JSON.stringify({ status: 'delayed', observations: 'x' });
    const body = await expectRejected(
      { method: 'POST', path: updatePath(), query: '', headers: { 'content-type': 'application/json' }, body: Buffer.from(payload) },
      401,
    );
    expect(body.detail).toMatch(/not signed/);
  });

  it('rejects a signature by an unknown key with the same answer as a bad signature (401)', async () => {
    const ghost = { ...official, keyId: 'nobody' };
    const unknown = await expectRejected(signedRequest(ghost, 'POST', updatePath(), { status: 'delayed', observations: 'x' }), 401);
    const wrongKey = await expectRejected(
      signedRequest({ ...outsider, keyId: 'official' }, 'POST', updatePath(), { status: 'delayed', observations: 'x' }),
      401,
    );
    expect(unknown.detail).toBe(wrongKey.detail);
  });

  it('rejects a signature created too long ago with 401', async () => {
    const old = Math.floor(Date.now() / 1000) - 3600;
    await expectRejected(signedRequest(official, 'POST', updatePath(), { status: 'delayed', observations: 'x' }, { created: old }), 401);
  });

  it('rejects a key outside its scopes with 403', async () => {
    const body = await expectRejected(signedRequest(outsider, 'POST', updatePath(), { status: 'delayed', observations: 'x' }), 403);
    expect(body.detail).toMatch(/may not update/);
  });

  it('rejects an unknown commitment with 404', async () => {
    await expectRejected(signedRequest(official, 'POST', updatePath(DEMO_PLAN_ID, 'c999'), { status: 'delayed', observations: 'x' }), 404);
  });

  it('rejects an oversized body with 413 and a non-JSON body with 415', async () => {
    const big = { status: 'delayed', observations: 'x'.repeat(70 * 1024) };
    await expectRejected(signedRequest(official, 'POST', updatePath(), big), 413);
    const form = signedRequest(official, 'POST', updatePath(), undefined, {
      rawBody: 'status=delayed',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    await expectRejected(form, 415);
  });

  it('answers GET with the current state and an ETag, and If-Match with 412 when stale', async () => {
    const current = await env.api({
      method: 'GET',
      path: '/api/v1/plans/terrassa-2015-2019/commitments/c4',
      query: '',
      headers: {},
      body: Buffer.alloc(0),
    });
    expect(current.status).toBe(200);
    const revision = JSON.parse(current.body).revision as number;
    expect(current.headers.etag).toBe(`"${revision}"`);
    await expectRejected(
      signedRequest(
        official,
        'POST',
        updatePath(),
        { status: 'pending', observations: 'stale' },
        { headers: { 'if-match': `"${revision - 1}"` } },
      ),
      412,
    );
    const fresh = await env.api(
      signedRequest(
        official,
        'POST',
        updatePath(),
        { status: 'pending', observations: 'fresh' },
        { headers: { 'if-match': `"${revision}"` } },
      ),
    );
    expect(fresh.status, fresh.body).toBe(201);
  });
});
