/**
 * Keys and authorization against DynamoDB Local: the admin API (register, list, revoke), what
 * a key record holds, revocation on the next request, shared-secret keys, scopes, and the
 * `mandat keys` CLI against a real HTTP server.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiRequest, type ApiResponse, createApi } from '#shared/api/api';
import { defineCommitment } from '#shared/api/definitions';
import { writeRuntimeFile } from '#shared/config/runtime-file';
import { DEMO_COMMITMENT, DEMO_PLAN, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { signRequest } from '#shared/signing/http-signature';
import { BASE_URL, createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';
import { type RunningApiServer, startApiServer } from '#tests/support/http-api-server';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../cli/bin.js');

let env: TestEnvironment;
let admin: TestKey;
let official: TestKey;
let planAdmin: TestKey;
const OTHER_AREA_COMMITMENT = 'c7';

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  await defineCommitment(
    env.repository,
    DEMO_PLAN_ID,
    OTHER_AREA_COMMITMENT,
    { ...DEMO_COMMITMENT, number: 7, area: 'Urbanisme', areaSlug: 'urbanisme' },
    { now: new Date() },
  );
  admin = await env.addKey('root-admin', 'admin', []);
  official = await env.addKey('official', 'official', [{ planId: DEMO_PLAN_ID }]);
  planAdmin = await env.addKey('plan-admin', 'admin', [{ planId: DEMO_PLAN_ID }]);
});
afterAll(() => env.destroy());

function body(response: ApiResponse) {
  return JSON.parse(response.body) as Record<string, unknown> & { type?: string; detail?: string };
}

async function expectRejected(request: ApiRequest, status: number) {
  const before = await env.tableSnapshot();
  const response = await env.api(request);
  expect(response.status, response.body).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(await env.tableSnapshot()).toBe(before);
  return body(response);
}

const publicPem = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
const registration = (keyId: string, extra: Record<string, unknown> = {}) => ({
  keyId,
  publicKeyPem: publicPem(),
  owner: `Owner of ${keyId}`,
  contact: `${keyId}@example.org`,
  role: 'official',
  scopes: [{ planId: DEMO_PLAN_ID }],
  ...extra,
});
const update = (observations = 'ok') => ({ status: 'on_track', observations });

describe('POST /api/v1/keys', () => {
  it('registers a public key, stores no secret, and the new key can sign at once', async () => {
    const pair = generateKeyPairSync('ed25519');
    const response = await env.api(
      signedRequest(
        admin,
        'POST',
        '/api/v1/keys',
        registration('anna', { publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) }),
      ),
    );
    expect(response.status, response.body).toBe(201);
    expect(response.headers.location).toBe('/api/v1/keys/anna');
    const stored = await env.repository.getKey('anna');
    expect(stored).toMatchObject({
      keyId: 'anna',
      algorithm: 'ed25519',
      owner: 'Owner of anna',
      contact: 'anna@example.org',
      role: 'official',
      active: true,
    });
    expect(stored!.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(Object.keys(stored!)).not.toContain('sharedSecret');
    expect(JSON.stringify(stored)).not.toMatch(/PRIVATE/);

    const posted = await env.api(
      signedRequest({ keyId: 'anna', privateKey: pair.privateKey, publicKeyPem: '' }, 'POST', updatePath(), update('by anna')),
    );
    expect(posted.status, posted.body).toBe(201);
  });

  it('refuses a private key sent by mistake, and stores nothing', async () => {
    const privatePem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const problem = await expectRejected(
      signedRequest(admin, 'POST', '/api/v1/keys', registration('leaky', { publicKeyPem: privatePem })),
      400,
    );
    expect(problem.detail).toMatch(/private key/);
  });

  it('refuses keys that are not ed25519 public keys, and malformed registrations, naming the field', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(
      (await expectRejected(signedRequest(admin, 'POST', '/api/v1/keys', registration('rsa', { publicKeyPem: rsa })), 400)).detail,
    ).toMatch(/ed25519/);
    const noScopes = await expectRejected(signedRequest(admin, 'POST', '/api/v1/keys', registration('lost', { scopes: [] })), 400);
    expect(noScopes.detail).toMatch(/scopes: an official key needs at least one scope/);
    const both = await expectRejected(
      signedRequest(
        admin,
        'POST',
        '/api/v1/keys',
        registration('both', { scopes: [{ planId: DEMO_PLAN_ID, areas: ['a'], commitments: ['c1'] }] }),
      ),
      400,
    );
    expect(both.detail).toMatch(/areas or commitments, not both/);
    const badId = await expectRejected(signedRequest(admin, 'POST', '/api/v1/keys', registration('no spaces please')), 400);
    expect(badId.detail).toMatch(/keyId/);
    const extra = await expectRejected(signedRequest(admin, 'POST', '/api/v1/keys', registration('extra', { privateKeyPem: 'x' })), 400);
    expect(extra.detail).toMatch(/unknown field\(s\): privateKeyPem/);
  });

  it('is refused to an official: 403', async () => {
    expect((await expectRejected(signedRequest(official, 'POST', '/api/v1/keys', registration('sneaky')), 403)).type).toMatch(
      /admin-only$/,
    );
  });

  it('never reuses a key id: 409', async () => {
    const problem = await expectRejected(signedRequest(admin, 'POST', '/api/v1/keys', registration('official')), 409);
    expect(problem.detail).toMatch(/already registered/);
  });
});

describe('delegation: a plan-scoped admin manages its own officials', () => {
  it('registers an official key within its plan, which may then post', async () => {
    const pair = generateKeyPairSync('ed25519');
    const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const response = await env.api(
      signedRequest(planAdmin, 'POST', '/api/v1/keys', registration('delegated', { publicKeyPem, scopes: [{ planId: DEMO_PLAN_ID }] })),
    );
    expect(response.status, response.body).toBe(201);
    const delegated: TestKey = { keyId: 'delegated', privateKey: pair.privateKey, publicKeyPem };
    expect((await env.api(signedRequest(delegated, 'POST', updatePath(), update('from a delegated key')))).status).toBe(201);
  });

  it.each([
    ['an admin key', { role: 'admin', scopes: [{ planId: DEMO_PLAN_ID }] }, /admin-only$/],
    ['an unscoped admin key', { role: 'admin', scopes: [] }, /admin-only$/],
    ['an official of another plan', { scopes: [{ planId: 'other-plan' }] }, /out-of-scope$/],
    ['an official wider than its plans', { scopes: [{ planId: DEMO_PLAN_ID }, { planId: 'other-plan' }] }, /out-of-scope$/],
  ])('refuses to register %s: 403, nothing stored', async (_name, extra, type) => {
    const problem = await expectRejected(signedRequest(planAdmin, 'POST', '/api/v1/keys', registration('too-wide', extra)), 403);
    expect(problem.type).toMatch(type);
  });

  it('keeps an area-scoped admin to its areas (an official of the whole plan is wider)', async () => {
    const areaAdmin = await env.addKey('area-admin', 'admin', [{ planId: DEMO_PLAN_ID, areas: [DEMO_COMMITMENT.areaSlug!] }]);
    const wider = await expectRejected(signedRequest(areaAdmin, 'POST', '/api/v1/keys', registration('whole-plan')), 403);
    expect(wider.type).toMatch(/out-of-scope$/);
    const within = await env.api(
      signedRequest(
        areaAdmin,
        'POST',
        '/api/v1/keys',
        registration('area-only', { scopes: [{ planId: DEMO_PLAN_ID, areas: [DEMO_COMMITMENT.areaSlug!] }] }),
      ),
    );
    expect(within.status, within.body).toBe(201);
    const commitmentList = await expectRejected(
      signedRequest(
        areaAdmin,
        'POST',
        '/api/v1/keys',
        registration('by-commitment', { scopes: [{ planId: DEMO_PLAN_ID, commitments: ['c4'] }] }),
      ),
      403,
    );
    expect(commitmentList.type).toMatch(/out-of-scope$/);
  });

  it('revokes its own officials, never those of another plan nor an admin key: 403, nothing changed', async () => {
    await env.addKey('elsewhere', 'official', [{ planId: 'other-plan' }]);
    await env.addKey('mine', 'official', [{ planId: DEMO_PLAN_ID }]);
    expect((await expectRejected(signedRequest(planAdmin, 'POST', '/api/v1/keys/elsewhere/revoke'), 403)).type).toMatch(/out-of-scope$/);
    expect((await expectRejected(signedRequest(planAdmin, 'POST', '/api/v1/keys/root-admin/revoke'), 403)).type).toMatch(/admin-only$/);
    const own = await env.api(signedRequest(planAdmin, 'POST', '/api/v1/keys/mine/revoke'));
    expect(own.status, own.body).toBe(200);
    expect(body(own)).toMatchObject({ changed: true, key: { keyId: 'mine', active: false } });
  });

  it('lists only itself and the keys it may manage; reading a key of another plan is 403', async () => {
    const response = await env.api(signedRequest(planAdmin, 'GET', '/api/v1/keys'));
    expect(response.status, response.body).toBe(200);
    const ids = (body(response) as { keys: Array<{ keyId: string }> }).keys.map((k) => k.keyId);
    expect(ids).toContain('plan-admin');
    expect(ids).toContain('official');
    expect(ids).not.toContain('root-admin');
    expect(ids).not.toContain('elsewhere');
    await expectRejected(signedRequest(planAdmin, 'GET', '/api/v1/keys/elsewhere'), 403);
  });
});

describe('GET /api/v1/keys', () => {
  it('lists every key for an admin, never a shared secret', async () => {
    const response = await env.api(signedRequest(admin, 'GET', '/api/v1/keys'));
    expect(response.status, response.body).toBe(200);
    const { keys } = body(response) as { keys: Array<Record<string, unknown>> };
    expect(keys.map((k) => k.keyId)).toEqual(expect.arrayContaining(['root-admin', 'official', 'plan-admin', 'anna']));
    for (const key of keys) expect(key).not.toHaveProperty('sharedSecret');
  });

  it('is refused to an official (403) and to an unsigned request (401)', async () => {
    await expectRejected(signedRequest(official, 'GET', '/api/v1/keys'), 403);
    await expectRejected({ method: 'GET', path: '/api/v1/keys', query: '', headers: {}, body: Buffer.alloc(0) }, 401);
  });

  it('cannot be replayed: the nonce of a GET is spent too', async () => {
    const request = signedRequest(admin, 'GET', '/api/v1/keys');
    expect((await env.api(request)).status).toBe(200);
    await expectRejected(request, 409);
  });
});

describe('POST /api/v1/keys/{keyId}/revoke', () => {
  it('refuses the very next request signed with the revoked key (403), and writes nothing for it', async () => {
    const victim = await env.addKey('to-revoke', 'official', [{ planId: DEMO_PLAN_ID }]);
    expect((await env.api(signedRequest(victim, 'POST', updatePath(), update('before revocation')))).status).toBe(201);

    const revoked = await env.api(signedRequest(admin, 'POST', '/api/v1/keys/to-revoke/revoke'));
    expect(revoked.status, revoked.body).toBe(200);
    expect(body(revoked)).toMatchObject({ changed: true, key: { keyId: 'to-revoke', active: false } });
    expect((await env.repository.getKey('to-revoke'))!.revokedAt).toBeDefined();

    const problem = await expectRejected(signedRequest(victim, 'POST', updatePath(), update('after revocation')), 403);
    expect(problem.type).toMatch(/key-revoked$/);

    const again = await env.api(signedRequest(admin, 'POST', '/api/v1/keys/to-revoke/revoke'));
    expect(body(again)).toMatchObject({ changed: false });
  });

  it('does not tell a stranger that a key is revoked: a forged request gets the plain 401', async () => {
    const forger = { ...official, keyId: 'to-revoke' };
    const problem = await expectRejected(signedRequest(forger, 'POST', updatePath(), update()), 401);
    expect(problem.detail).not.toMatch(/revoked/);
  });

  it('answers 404 for an unknown key and 403 for a non-admin', async () => {
    await expectRejected(signedRequest(admin, 'POST', '/api/v1/keys/nobody/revoke'), 404);
    await expectRejected(signedRequest(official, 'POST', '/api/v1/keys/anna/revoke'), 403);
  });
});

describe('revocation is atomic with the writes a key signed', () => {
  type SignedWrite = 'recordUpdate' | 'saveCommitment' | 'savePlan' | 'createKey' | 'claimNonce' | 'revokeKey';
  const signerOf: Record<SignedWrite, (args: unknown[]) => string> = {
    recordUpdate: (args) => (args[0] as { nonce: { keyId: string } }).nonce.keyId,
    saveCommitment: (args) => (args[0] as { nonce: { keyId: string } }).nonce.keyId,
    savePlan: (args) => (args[0] as { nonce: { keyId: string } }).nonce.keyId,
    revokeKey: (args) => (args[0] as { nonce: { keyId: string } }).nonce.keyId,
    createKey: (args) => (args[1] as { keyId: string }).keyId,
    claimNonce: (args) => (args[0] as { keyId: string }).keyId,
  };

  /**
   * The API over the real repository, except that the signer's key is revoked just before the
   * signed write runs: the request was authenticated while its key was active, and its write
   * comes after the revocation committed. That write must fail as a whole.
   */
  function revokingBefore(method: SignedWrite) {
    const state: { afterRevocation?: string } = {};
    const repository = new Proxy(env.repository, {
      get(target, name) {
        const value = Reflect.get(target, name) as unknown;
        if (typeof value !== 'function') return value;
        if (name !== method) return value.bind(target);
        return async (...args: unknown[]) => {
          await target.revokeKey({ keyId: signerOf[method](args), revokedAt: new Date().toISOString() });
          state.afterRevocation = await env.tableSnapshot();
          return value.apply(target, args);
        };
      },
    });
    return { api: createApi({ repository, publicBaseUrl: BASE_URL, clockSkewSeconds: 300, nonceTtlSeconds: 3600 }), state };
  }

  it.each([
    [
      'an update',
      'recordUpdate',
      'official',
      (key: TestKey) => signedRequest(key, 'POST', updatePath(), { status: 'delayed', observations: 'late' }),
    ],
    [
      'a commitment definition',
      'saveCommitment',
      'admin',
      (key: TestKey) => signedRequest(key, 'PUT', `/api/v1/plans/${DEMO_PLAN_ID}/commitments/c61`, { ...DEMO_COMMITMENT, number: 61 }),
    ],
    ['a plan definition', 'savePlan', 'admin', (key: TestKey) => signedRequest(key, 'PUT', '/api/v1/plans/revoked-race', DEMO_PLAN)],
    [
      'a key registration',
      'createKey',
      'admin',
      (key: TestKey) => signedRequest(key, 'POST', '/api/v1/keys', registration(`${key.keyId}-new`)),
    ],
    ['a key listing (its nonce)', 'claimNonce', 'admin', (key: TestKey) => signedRequest(key, 'GET', '/api/v1/keys')],
    ['the revocation of another key', 'revokeKey', 'admin', (key: TestKey) => signedRequest(key, 'POST', '/api/v1/keys/official/revoke')],
  ] as const)(
    '%s signed before the revocation and written after it: 403 key-revoked, nothing written',
    async (_what, method, role, request) => {
      const signer = await env.addKey(`race-${method}`, role, role === 'official' ? [{ planId: DEMO_PLAN_ID }] : []);
      const { api, state } = revokingBefore(method);
      const response = await api(request(signer));
      expect(response.status, response.body).toBe(403);
      expect(body(response).type).toMatch(/key-revoked$/);
      expect(body(response).detail).toMatch(/revoked while this request was being processed; nothing was written/);
      // Not even the nonce: the table is exactly as the revocation left it.
      expect(await env.tableSnapshot()).toBe(state.afterRevocation);
      expect((await env.repository.getKey('official'))!.active).toBe(true);
    },
  );

  it('a key may still revoke itself (one transaction item for its own key, its condition the check)', async () => {
    const self = await env.addKey('self-revoking', 'admin', []);
    const response = await env.api(signedRequest(self, 'POST', '/api/v1/keys/self-revoking/revoke'));
    expect(response.status, response.body).toBe(200);
    expect((await env.repository.getKey('self-revoking'))!.active).toBe(false);
  });
});

describe('hmac-sha256 keys', () => {
  let secret: Buffer;

  it('are registered with a server-made secret that is shown once', async () => {
    const response = await env.api(
      signedRequest(admin, 'POST', '/api/v1/keys', {
        keyId: 'portal',
        algorithm: 'hmac-sha256',
        owner: 'Portal',
        role: 'official',
        scopes: [{ planId: DEMO_PLAN_ID }],
      }),
    );
    expect(response.status, response.body).toBe(201);
    const answer = body(response) as { sharedSecret: string; key: Record<string, unknown> };
    secret = Buffer.from(answer.sharedSecret, 'base64');
    expect(secret.length).toBe(32);
    expect(answer.key).not.toHaveProperty('sharedSecret');
    const shown = await env.api(signedRequest(admin, 'GET', '/api/v1/keys/portal'));
    expect(shown.status).toBe(200);
    expect(shown.body).not.toContain(answer.sharedSecret);
  });

  function hmacSigned(alg: 'hmac-sha256' | 'ed25519', key = secret): ApiRequest {
    const payload = JSON.stringify(update('signed with a shared secret'));
    const headers = signRequest(
      { method: 'POST', url: `${BASE_URL}${updatePath()}`, headers: { 'content-type': 'application/json' }, body: payload },
      { keyId: 'portal', key: { algorithm: 'hmac-sha256', secret: key } },
    );
    if (alg === 'ed25519') headers['signature-input'] = headers['signature-input']!.replace('alg="hmac-sha256"', 'alg="ed25519"');
    return {
      method: 'POST',
      path: updatePath(),
      query: '',
      headers: { host: new URL(BASE_URL).host, ...headers },
      body: Buffer.from(payload),
    };
  }

  it('sign updates', async () => {
    const response = await env.api(hmacSigned('hmac-sha256'));
    expect(response.status, response.body).toBe(201);
  });

  it('are refused with a wrong secret or another alg, with the same answer as an unknown key', async () => {
    const wrongSecret = await expectRejected(hmacSigned('hmac-sha256', Buffer.alloc(32, 1)), 401);
    const wrongAlg = await expectRejected(hmacSigned('ed25519'), 401);
    expect(wrongAlg.detail).toBe(wrongSecret.detail);
  });
});

describe('scopes', () => {
  it('lets an area-scoped official update its area only (403 elsewhere, nothing written)', async () => {
    const areaOfficial = await env.addKey('area-official', 'official', [{ planId: DEMO_PLAN_ID, areas: [DEMO_COMMITMENT.areaSlug!] }]);
    expect((await env.api(signedRequest(areaOfficial, 'POST', updatePath(), update()))).status).toBe(201);
    const problem = await expectRejected(
      signedRequest(areaOfficial, 'POST', updatePath(DEMO_PLAN_ID, OTHER_AREA_COMMITMENT), update()),
      403,
    );
    expect(problem.type).toMatch(/out-of-scope$/);
    expect(problem.detail).toMatch(/outside the key's scopes/);
  });

  it('lets a commitment-scoped official update those commitments only', async () => {
    const one = await env.addKey('c7-official', 'official', [{ planId: DEMO_PLAN_ID, commitments: [OTHER_AREA_COMMITMENT] }]);
    expect((await env.api(signedRequest(one, 'POST', updatePath(DEMO_PLAN_ID, OTHER_AREA_COMMITMENT), update()))).status).toBe(201);
    await expectRejected(signedRequest(one, 'POST', updatePath(), update()), 403);
  });

  it('keeps plan and commitment definitions (PUT) for admins: 403 for an official', async () => {
    const plan = await expectRejected(signedRequest(official, 'PUT', `/api/v1/plans/${DEMO_PLAN_ID}`, DEMO_PLAN), 403);
    expect(plan.type).toMatch(/admin-only$/);
    await expectRejected(
      signedRequest(official, 'PUT', `/api/v1/plans/${DEMO_PLAN_ID}/commitments/c9`, { ...DEMO_COMMITMENT, number: 9 }),
      403,
    );
  });

  it('keeps a plan-scoped admin to its plans', async () => {
    const own = await env.api(
      signedRequest(planAdmin, 'PUT', `/api/v1/plans/${DEMO_PLAN_ID}/commitments/c8`, { ...DEMO_COMMITMENT, number: 8 }),
    );
    expect(own.status, own.body).toBe(201);
    const other = await expectRejected(signedRequest(planAdmin, 'PUT', '/api/v1/plans/another-plan', DEMO_PLAN), 403);
    expect(other.type).toMatch(/out-of-scope$/);
  });
});

describe('mandat keys (CLI against a real HTTP server)', () => {
  let server: RunningApiServer;
  let dir: string;
  const mandat = (args: string[], extraEnv: Record<string, string> = {}) =>
    run(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', MANDAT_API: server.url, ...extraEnv } }).then(
      (out) => ({ code: 0, ...out }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  beforeAll(async () => {
    server = await startApiServer(env.api);
    dir = mkdtempSync(join(tmpdir(), 'mandat-keys-'));
    writeFileSync(join(dir, 'root-admin.pem'), admin.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a key made by keygen, lists it, revokes it, and the revoked key is refused', async () => {
    const keygen = await mandat(['keygen', '--out', join(dir, 'joan.pem'), '--json']);
    expect(keygen.code, keygen.stderr).toBe(0);
    // The file the README's `keys add --public-key joan.pub.pem` reads, written by keygen itself.
    expect(JSON.parse(keygen.stdout)).toMatchObject({ publicKeyFile: join(dir, 'joan.pub.pem') });
    expect(readFileSync(join(dir, 'joan.pub.pem'), 'utf8')).toBe(JSON.parse(keygen.stdout).publicKeyPem);

    const added = await mandat([
      'keys',
      'add',
      'joan',
      '--public-key',
      join(dir, 'joan.pub.pem'),
      '--owner',
      'Joan Puig',
      '--contact',
      'joan@example.org',
      '--role',
      'official',
      '--plan',
      DEMO_PLAN_ID,
      '--area',
      DEMO_COMMITMENT.areaSlug!,
      '--key',
      join(dir, 'root-admin.pem'),
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/key joan registered: official for terrassa-2015-2019 \(areas desenvolupament/);

    const posted = await mandat([
      'post',
      '--key',
      join(dir, 'joan.pem'),
      '--plan',
      DEMO_PLAN_ID,
      '--commitment',
      'c4',
      '--status',
      'delayed',
      // The seed's own shapes, space-separated: a Markdown bullet and a title that starts with a dash.
      '--observations',
      '- Fase 1 acabada',
      '--link',
      '-2+3 acta|https://example.org/acta.pdf',
    ]);
    expect(posted.code, posted.stderr).toBe(0);
    const stored = await env.repository.getCommitment(DEMO_PLAN_ID, 'c4');
    expect(stored).toMatchObject({
      observations: '- Fase 1 acabada',
      links: [{ title: '-2+3 acta', url: 'https://example.org/acta.pdf' }],
    });

    const listed = await mandat(['keys', 'list', '--key', join(dir, 'root-admin.pem')]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^KEY ID\s+STATE\s+ROLE/m);
    expect(listed.stdout).toMatch(/^joan\s+active\s+official\s+ed25519\s+Joan Puig <joan@example.org>/m);

    const revoked = await mandat(['keys', 'revoke', 'joan', '--key', join(dir, 'root-admin.pem')]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/revoked/);

    const refused = await mandat([
      'post',
      '--key',
      join(dir, 'joan.pem'),
      '--plan',
      DEMO_PLAN_ID,
      '--commitment',
      'c4',
      '--status',
      'pending',
      '--observations',
      'too late',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/403 Forbidden: key joan was revoked/);
  });

  it('refuses to send a private key', async () => {
    const out = await mandat([
      'keys',
      'add',
      'oops',
      '--public-key',
      join(dir, 'root-admin.pem'),
      '--owner',
      'x',
      '--role',
      'official',
      '--plan',
      DEMO_PLAN_ID,
      '--key',
      join(dir, 'root-admin.pem'),
    ]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/holds a private key/);
    expect(await env.repository.getKey('oops')).toBeUndefined();
  });

  it('writes an hmac secret to a file, once', async () => {
    const secretFile = join(dir, 'portal2.secret');
    const out = await mandat([
      'keys',
      'add',
      'portal2',
      '--algorithm',
      'hmac-sha256',
      '--secret-out',
      secretFile,
      '--owner',
      'Portal',
      '--role',
      'official',
      '--plan',
      DEMO_PLAN_ID,
      '--key',
      join(dir, 'root-admin.pem'),
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(Buffer.from(readFileSync(secretFile, 'utf8').trim(), 'base64').length).toBe(32);
    expect(out.stdout).not.toContain(readFileSync(secretFile, 'utf8').trim());
  });

  it('bootstraps the first admin key straight into the table with --direct', async () => {
    writeFileSync(join(dir, 'first.pub.pem'), publicPem());
    const out = await mandat(
      ['keys', 'add', 'first-admin', '--direct', '--public-key', join(dir, 'first.pub.pem'), '--owner', 'Operator', '--role', 'admin'],
      env.env,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(await env.repository.getKey('first-admin')).toMatchObject({ role: 'admin', scopes: [], active: true });
    const again = await mandat(
      ['keys', 'add', 'first-admin', '--direct', '--public-key', join(dir, 'first.pub.pem'), '--owner', 'Operator', '--role', 'admin'],
      env.env,
    );
    expect(again.code).toBe(1);
  });

  it('finds the running local runtime as the operator commands do: $DATA_DIR/runtime.json, on any port', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mandat-runtime-'));
    try {
      // What `PORT=… npm start` writes; this process stands in for it (a live pid, the server's URL).
      writeRuntimeFile(dataDir, { PUBLIC_BASE_URL: server.url });
      const posted = await mandat(
        [
          'post',
          '--key',
          join(dir, 'root-admin.pem'),
          '--plan',
          DEMO_PLAN_ID,
          '--commitment',
          'c4',
          '--status',
          'on_track',
          '--observations',
          'found it',
        ],
        { MANDAT_API: '', DATA_DIR: dataDir },
      );
      expect(posted.code, posted.stderr).toBe(0);
      expect(posted.stdout).toContain(`feeds: ${server.url}/plans/`);
      const listed = await mandat(['keys', 'list', '--key', join(dir, 'root-admin.pem')], { MANDAT_API: '', DATA_DIR: dataDir });
      expect(listed.code, listed.stderr).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
