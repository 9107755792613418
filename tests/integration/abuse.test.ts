/**
 * The signed endpoint against abuse, on DynamoDB Local: each default of a general-purpose
 * RFC 9421 library (http-message-signatures) that would be a hole here, shown next to our
 * policy's refusal; replay and nonce burning; the clock window; size, type and field limits.
 * Every refusal is an RFC 9457 problem naming the rule, and leaves the table as it was.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiRequest, type ApiResponse, createApi } from '#shared/api/api';
import { DEMO_COMMITMENT, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { LIMITS } from '#shared/domain/model';
import { contentDigest } from '#shared/signing/content-digest';
import { BASE_URL, createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';

let env: TestEnvironment;
let official: TestKey;
let admin: TestKey;

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  official = await env.addKey('official', 'official', [{ planId: DEMO_PLAN_ID }]);
  admin = await env.addKey('admin', 'admin', []);
});
afterAll(() => env.destroy());

const now = () => Math.floor(Date.now() / 1000);
const update = (observations = 'x') => ({ status: 'delayed', observations });

async function expectRejected(request: ApiRequest, status: number, api = env.api) {
  const before = await env.tableSnapshot();
  const response = await api(request);
  expect(response.status, response.body).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  const problem = JSON.parse(response.body) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    errors?: Array<{ path: string; message: string }>;
  };
  expect(problem.status).toBe(status);
  expect(await env.tableSnapshot()).toBe(before);
  return problem;
}

/** A request as http-message-signatures signs it, with its defaults, for the official's key. */
async function librarySigned(options: { created?: Date; body?: string; key?: TestKey; label?: string } = {}) {
  const body = options.body ?? JSON.stringify(update('library'));
  const key = options.key ?? official;
  const message = {
    method: 'POST',
    url: `${BASE_URL}${updatePath()}`,
    headers: { 'content-type': 'application/json', 'content-digest': contentDigest(body) } as Record<string, string>,
  };
  const signed = await httpbis.signMessage(
    {
      key: createSigner(key.privateKey, 'ed25519', key.keyId),
      name: options.label ?? 'sig1',
      fields: ['@method', '@path', '@authority', 'content-type', 'content-digest'],
      params: ['created', 'keyid', 'nonce', 'alg'],
      paramValues: { created: options.created ?? new Date(), nonce: `library-${Math.random()}` },
    },
    message,
  );
  return { ...message, headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)])), body };
}

const libraryVerify = (message: { method: string; url: string; headers: Record<string, string> }) =>
  httpbis.verifyMessage(
    {
      keyLookup: async (params) => {
        const key = [official, admin].find((k) => k.keyId === params.keyid);
        return key ? { id: key.keyId, algs: ['ed25519'], verify: createVerifier(key.publicKeyPem, 'ed25519') } : null;
      },
    },
    message,
  );

const withHeaders = (request: ApiRequest, headers: Record<string, string>): ApiRequest => ({
  ...request,
  headers: { ...request.headers, ...headers },
});

const toApiRequest = (message: { method: string; url: string; headers: Record<string, string>; body: string }): ApiRequest => ({
  method: message.method,
  path: new URL(message.url).pathname,
  query: '',
  headers: { host: new URL(BASE_URL).host, ...message.headers },
  body: Buffer.from(message.body),
});

describe('our policy against the library defaults', () => {
  it('old signature: the library accepts one created a year ago; we answer 401 stale-signature', async () => {
    const old = await librarySigned({ created: new Date(Date.now() - 365 * 24 * 3600 * 1000) });
    expect(await libraryVerify(old)).toBe(true);
    const problem = await expectRejected(toApiRequest(old), 401);
    expect(problem.type).toMatch(/stale-signature$/);
    expect(problem.detail).toMatch(/created \d+ s ago; at most 300 s/);
  });

  it('missing signature: the library answers null; we answer 401 missing-signature', async () => {
    const unsigned = {
      method: 'POST',
      url: `${BASE_URL}${updatePath()}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(update()),
    };
    expect(await libraryVerify(unsigned)).toBeNull();
    const problem = await expectRejected(toApiRequest(unsigned), 401);
    expect(problem.type).toMatch(/missing-signature$/);
  });

  it('body digest: the library accepts a swapped body under a signed Content-Digest; we answer 401 invalid-digest', async () => {
    const signed = await librarySigned();
    const swapped = { ...signed, body: JSON.stringify(update('swapped after signing')) };
    expect(await libraryVerify(swapped)).toBe(true);
    const problem = await expectRejected(toApiRequest(swapped), 401);
    expect(problem.type).toMatch(/invalid-digest$/);
    expect(problem.detail).toMatch(/does not match the body/);
  });

  it('several signatures: the library lets the last one decide; we refuse the request (401 multiple-signatures)', async () => {
    const genuine = await librarySigned({ label: 'real' });
    const stranger = generateKeyPairSync('ed25519');
    const forged = await librarySigned({ label: 'forged', key: { keyId: 'admin', privateKey: stranger.privateKey, publicKeyPem: '' } });
    const both = {
      ...genuine,
      headers: {
        ...genuine.headers,
        'signature-input': `${forged.headers['signature-input']}, ${genuine.headers['signature-input']}`,
        signature: `${forged.headers.signature}, ${genuine.headers.signature}`,
      },
    };
    expect(await libraryVerify(both)).toBe(true);
    const problem = await expectRejected(toApiRequest(both), 401);
    expect(problem.type).toMatch(/multiple-signatures$/);
  });

  it('a created time in the future is refused as well (401)', async () => {
    const problem = await expectRejected(signedRequest(official, 'POST', updatePath(), update(), { created: now() + 3600 }), 401);
    expect(problem.detail).toMatch(/in the future/);
  });

  it('the clock window is configurable', async () => {
    const strict = createApi({ repository: env.repository, publicBaseUrl: BASE_URL, clockSkewSeconds: 60, nonceTtlSeconds: 3600 });
    await expectRejected(signedRequest(official, 'POST', updatePath(), update(), { created: now() - 120 }), 401, strict);
    const lenient = await env.api(
      signedRequest(official, 'POST', updatePath(), update('120 s old, within 300 s'), { created: now() - 120 }),
    );
    expect(lenient.status, lenient.body).toBe(201);
  });
});

describe('replay', () => {
  it("records a nonce only after the signature verified: a forgery cannot burn an official's nonce", async () => {
    const nonce = 'official-nonce-0001';
    const stranger = generateKeyPairSync('ed25519');
    const forged = signedRequest(
      { keyId: official.keyId, privateKey: stranger.privateKey, publicKeyPem: '' },
      'POST',
      updatePath(),
      update('forged'),
      { nonce },
    );
    const problem = await expectRejected(forged, 401);
    expect(problem.type).toMatch(/invalid-signature$/);

    const genuine = signedRequest(official, 'POST', updatePath(), update('genuine'), { nonce });
    const accepted = await env.api(genuine);
    expect(accepted.status, accepted.body).toBe(201);

    const replay = await expectRejected(genuine, 409);
    expect(replay.type).toMatch(/nonce-reused$/);
  });

  it('a nonce spent on one request cannot sign another', async () => {
    const nonce = 'official-nonce-0002';
    expect((await env.api(signedRequest(official, 'POST', updatePath(), update('first'), { nonce }))).status).toBe(201);
    await expectRejected(signedRequest(official, 'POST', updatePath(), update('second, same nonce'), { nonce }), 409);
  });

  it('stores the nonce with a TTL attribute', async () => {
    const nonce = 'official-nonce-0003';
    expect((await env.api(signedRequest(official, 'POST', updatePath(), update('ttl'), { nonce }))).status).toBe(201);
    const snapshot = JSON.parse(await env.tableSnapshot()) as string[];
    const item = snapshot.map((s) => JSON.parse(s) as Record<string, unknown>).find((i) => i.PK === `NONCE#official#${nonce}`);
    expect(item).toBeDefined();
    expect(item!.expiresAt as number).toBeGreaterThan(now() + 600);
  });
});

describe('coverage and parameters', () => {
  it.each([
    ['@path', ['@method', '@authority', 'content-type', 'content-digest'], /"@path"/],
    ['@method', ['@path', '@authority', 'content-type', 'content-digest'], /"@method"/],
    ['content-digest', ['@method', '@path', '@authority', 'content-type'], /"content-digest"/],
  ])('refuses a signature that does not cover %s (401 insufficient-coverage)', async (_name, components, pattern) => {
    const payload = JSON.stringify(update());
    const { signRequest } = await import('#shared/signing/http-signature');
    const headers = signRequest(
      { method: 'POST', url: `${BASE_URL}${updatePath()}`, headers: { 'content-type': 'application/json' }, body: payload },
      { keyId: official.keyId, privateKey: official.privateKey, components },
    );
    const problem = await expectRejected(
      { method: 'POST', path: updatePath(), query: '', headers: { host: 'mandat.example.org', ...headers }, body: Buffer.from(payload) },
      401,
    );
    expect(problem.type).toMatch(/insufficient-coverage$/);
    expect(problem.detail).toMatch(pattern);
  });

  it('refuses a query string that is not covered', async () => {
    const request = signedRequest(official, 'POST', updatePath(), update());
    const problem = await expectRejected({ ...request, query: 'dry-run=1' }, 401);
    expect(problem.detail).toMatch(/"@query"/);
  });

  it('refuses a signature without a nonce', async () => {
    const request = signedRequest(official, 'POST', updatePath(), update());
    request.headers['signature-input'] = request.headers['signature-input']!.replace(/;nonce="[^"]*"/, '');
    const problem = await expectRejected(request, 401);
    expect(problem.detail).toMatch(/no nonce/);
  });

  it('gives an unknown keyid, a wrong key and an impossible keyid the same answer', async () => {
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const answers = await Promise.all(
      ['nobody', 'official', 'x'.repeat(5000), 'bad id with spaces'].map(async (keyId) => {
        const problem = await expectRejected(
          signedRequest({ keyId, privateKey: stranger, publicKeyPem: '' }, 'POST', updatePath(), update()),
          401,
        );
        return `${problem.type} ${problem.detail}`;
      }),
    );
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).not.toMatch(/nobody|exist|unknown/);
  });
});

describe('repeated dictionary members (RFC 8941 says the last wins; we refuse)', () => {
  it('two sig1 members, the first by an official and the second by an admin: 401 duplicate-member, not 201 as the admin', async () => {
    const first = signedRequest(official, 'POST', updatePath(), update('as the official'));
    const second = signedRequest(admin, 'POST', updatePath(), update('as the official'));
    const both = withHeaders(first, {
      'signature-input': `${first.headers['signature-input']}, ${second.headers['signature-input']}`,
      signature: `${first.headers.signature}, ${second.headers.signature}`,
    });
    const problem = await expectRejected(both, 401);
    expect(problem.type).toMatch(/duplicate-member$/);
    expect(problem.detail).toMatch(/"sig1" more than once/);
  });

  it('Content-Digest with a bad sha-256 before a good one, covered by a valid signature: 401 invalid-digest', async () => {
    const payload = JSON.stringify(update('digest'));
    const good = contentDigest(payload);
    const bad = `sha-256=:${Buffer.alloc(32).toString('base64')}:`;
    const { signRequest } = await import('#shared/signing/http-signature');
    const url = `${BASE_URL}${updatePath()}`;
    const headers = signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json', 'content-digest': `${bad}, ${good}` } },
      { keyId: official.keyId, privateKey: official.privateKey, components: ['@method', '@path', 'content-type', 'content-digest'] },
    );
    const request: ApiRequest = {
      method: 'POST',
      path: updatePath(),
      query: '',
      headers: { host: 'mandat.example.org', ...headers },
      body: Buffer.from(payload),
    };
    const problem = await expectRejected(request, 401);
    expect(problem.type).toMatch(/invalid-digest$/);
    expect(problem.detail).toMatch(/sha-256 more than once/);
    // The same request with the good digest alone is accepted: the repeat alone is what is refused.
    const alone = signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json', 'content-digest': good } },
      { keyId: official.keyId, privateKey: official.privateKey, components: ['@method', '@path', 'content-type', 'content-digest'] },
    );
    expect((await env.api({ ...request, headers: { host: 'mandat.example.org', ...alone } })).status).toBe(201);
  });
});

describe('text and URL hygiene', () => {
  /** A body sent byte for byte: JSON escapes such as \ud800 survive JSON.parse as lone surrogates. */
  const raw = (key: TestKey, method: string, path: string, json: string) => signedRequest(key, method, path, undefined, { rawBody: json });

  it('refuses a lone surrogate in observations and a link title (400 naming the field; the table, and so feed.json, unchanged)', async () => {
    const lone = await expectRejected(raw(official, 'POST', updatePath(), '{"status":"delayed","observations":"a\\ud800b"}'), 400);
    expect(lone.errors).toEqual([{ path: 'observations', message: expect.stringMatching(/lone surrogate U\+D800/) }]);
    const low = await expectRejected(
      raw(
        official,
        'POST',
        updatePath(),
        '{"status":"delayed","observations":"","links":[{"title":"\\udc00","url":"https://example.org"}]}',
      ),
      400,
    );
    expect(low.errors![0]!.path).toBe('links/0/title');
    // A pair is one character, and welcome.
    expect((await env.api(raw(official, 'POST', updatePath(), '{"status":"delayed","observations":"\\ud83d\\ude00"}'))).status).toBe(201);
  });

  it.each([
    ['observations', update('bell\u0007'), 'observations'],
    ['a C1 control', update('next line\u0085'), 'observations'],
    ['a lone carriage return', update('old\rmac'), 'observations'],
    ['a link title', { ...update(), links: [{ title: 'a\u0000b', url: 'https://example.org/' }] }, 'links/0/title'],
  ])('refuses a control character in %s (400 naming the field)', async (_what, body, path) => {
    const problem = await expectRejected(signedRequest(official, 'POST', updatePath(), body), 400);
    expect(problem.errors![0]!.path).toBe(path);
    expect(problem.errors![0]!.message).toMatch(/control character U\+00[0-9A-F]{2}/);
  });

  it("refuses controls in an admin's definitions and a key owner too", async () => {
    const commitment = await expectRejected(
      signedRequest(admin, 'PUT', `/api/v1/plans/${DEMO_PLAN_ID}/commitments/c98`, {
        ...DEMO_COMMITMENT,
        title: 'tab\tok, escape \u001b[31m not',
      }),
      400,
    );
    expect(commitment.errors![0]!.path).toBe('title');
    const key = await expectRejected(
      signedRequest(admin, 'POST', '/api/v1/keys', { keyId: 'k1', algorithm: 'hmac-sha256', owner: 'Anna\u0008', role: 'admin' }),
      400,
    );
    expect(key.errors![0]!.path).toBe('owner');
  });

  it('keeps tab and line feed, and stores CRLF line ends as LF', async () => {
    const response = await env.api(signedRequest(official, 'POST', updatePath(), update('- one\r\n- two\twith a tab\n- three')));
    expect(response.status, response.body).toBe(201);
    expect((JSON.parse(response.body) as { commitment: { observations: string } }).commitment.observations).toBe(
      '- one\n- two\twith a tab\n- three',
    );
  });

  it.each([
    ['\u0001https://example.org/a', /control character U\+0001/],
    ['https://exa\nmple.org/', /control character U\+000A/],
    ['https://example.org/\t', /control character U\+0009/],
    ['https:///', /absolute http\(s\) URL/],
    ['javascript://example.org/%0aalert(1)', /absolute http\(s\) URL/],
    ['//example.org/', /absolute http\(s\) URL/],
  ])('refuses the link URL %j', async (url, message) => {
    const problem = await expectRejected(signedRequest(official, 'POST', updatePath(), { ...update(), links: [{ title: 't', url }] }), 400);
    expect(problem.errors![0]).toEqual({ path: 'links/0/url', message: expect.stringMatching(message) });
  });

  it('stores a link URL as the WHATWG parser serialises it, which is what every browser and reader will follow', async () => {
    const urls = ['https:\\\\evil.example', 'http:/evil.example', 'HTTPS://Example.ORG:443/a/../b?q=1#f', 'https://example.org/a b'];
    const response = await env.api(
      signedRequest(official, 'POST', updatePath(), { ...update(), links: urls.map((url) => ({ title: 't', url })) }),
    );
    expect(response.status, response.body).toBe(201);
    const stored = (await env.repository.getCommitment(DEMO_PLAN_ID, 'c4'))!.links.map((link) => link.url);
    expect(stored).toEqual(['https://evil.example/', 'http://evil.example/', 'https://example.org/b?q=1#f', 'https://example.org/a%20b']);
  });
});

describe('size, type and field limits', () => {
  it(`answers 413 above ${LIMITS.bodyBytes} bytes, before looking at the signature`, async () => {
    const big = { status: 'delayed', observations: 'x'.repeat(LIMITS.bodyBytes) };
    const problem = await expectRejected(signedRequest(official, 'POST', updatePath(), big), 413);
    expect(problem.detail).toMatch(/limit is 65536/);
    const unsigned = await expectRejected(
      {
        method: 'POST',
        path: updatePath(),
        query: '',
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc(LIMITS.bodyBytes + 1, 0x20),
      },
      413,
    );
    expect(unsigned.status).toBe(413);
  });

  it('answers 415 for anything but JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      const problem = await expectRejected(
        signedRequest(official, 'POST', updatePath(), update(), { headers: { 'content-type': type } }),
        415,
      );
      expect(problem.detail).toMatch(/application\/json/);
    }
  });

  it('names unknown fields', async () => {
    const problem = await expectRejected(signedRequest(official, 'POST', updatePath(), { ...update(), state: 'done', author: 'me' }), 400);
    expect(problem.detail).toMatch(/unknown field\(s\): state, author/);
    expect(problem.errors).toEqual([{ path: '/', message: 'unknown field(s): state, author' }]);
  });

  it('limits string lengths', async () => {
    const long = await expectRejected(signedRequest(official, 'POST', updatePath(), update('x'.repeat(LIMITS.observations + 1))), 400);
    expect(long.errors![0]!.path).toBe('observations');
    const title = await expectRejected(
      signedRequest(official, 'POST', updatePath(), {
        ...update(),
        links: [{ title: 't'.repeat(LIMITS.title + 1), url: 'https://example.org' }],
      }),
      400,
    );
    expect(title.errors![0]!.path).toBe('links/0/title');
    const definition = await expectRejected(
      signedRequest(admin, 'PUT', `/api/v1/plans/${DEMO_PLAN_ID}/commitments/c99`, {
        ...DEMO_COMMITMENT,
        title: 'y'.repeat(LIMITS.title + 1),
      }),
      400,
    );
    expect(definition.errors![0]!.path).toBe('title');
  });

  it.each([
    'javascript:alert(1)',
    'data:text/html,<b>x</b>',
    'ftp://example.org/file',
    'file:///etc/passwd',
    '//example.org/x',
    'https://',
  ])('accepts only http(s) links, not %s', async (url) => {
    const problem = await expectRejected(signedRequest(official, 'POST', updatePath(), { ...update(), links: [{ title: 'x', url }] }), 400);
    expect(problem.errors).toEqual([{ path: 'links/0/url', message: 'must be an absolute http(s) URL' }]);
  });

  it('answers 412 to a stale If-Match and 400 to a malformed one', async () => {
    const current = await env.repository.getCommitment(DEMO_PLAN_ID, 'c4');
    const stale = await expectRejected(
      signedRequest(official, 'POST', updatePath(), update(), { headers: { 'if-match': `"${current!.revision - 1}"` } }),
      412,
    );
    expect(stale.type).toMatch(/stale-revision$/);
    await expectRejected(signedRequest(official, 'POST', updatePath(), update(), { headers: { 'if-match': 'yesterday' } }), 400);
  });

  it('answers 404, not 500, to a malformed percent-encoding in the path', async () => {
    const response: ApiResponse = await env.api({
      method: 'GET',
      path: '/api/v1/plans/%E0%A4%A/commitments/c4',
      query: '',
      headers: {},
      body: Buffer.alloc(0),
    });
    expect(response.status).toBe(404);
  });
});
