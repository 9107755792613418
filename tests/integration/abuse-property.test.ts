/**
 * Property: whatever malformed or mis-signed request reaches the deployed ingest handler
 * (the Lambda function, with the API Gateway v2 event it receives), the answer is a 4xx with
 * an RFC 9457 problem body, never a 5xx, and the table is exactly as it was.
 *
 * The generated requests start from a valid signed update and break it in one of many ways
 * (signature, key, clock, nonce, coverage, repeated dictionary members, body text and URLs,
 * envelope, path, method) or are random altogether; every one of them must be refused.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRequest } from '#shared/api/api';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { LIMITS, updateRequestSchema } from '#shared/domain/model';
import { contentDigest } from '#shared/signing/content-digest';
import { signRequest } from '#shared/signing/http-signature';
import { BASE_URL, createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';

const RUNS = 1000;
const SPENT_NONCE = 'already-spent-nonce';

let env: TestEnvironment;
let handler: (event: APIGatewayProxyEventV2) => Promise<{ statusCode?: number; headers?: Record<string, unknown>; body?: string }>;
let official: TestKey;
let outsider: TestKey;
let revoked: TestKey;
/** A second key in scope: with "the last member wins", a request naming both would pass as this one. */
let colleague: TestKey;
let revision: number;
const stranger = generateKeyPairSync('ed25519').privateKey;
const savedEnv = { ...process.env };

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  official = await env.addKey('official', 'official', [{ planId: DEMO_PLAN_ID }]);
  outsider = await env.addKey('outsider', 'official', [{ planId: 'another-plan' }]);
  revoked = await env.addKey('revoked', 'official', [{ planId: DEMO_PLAN_ID }]);
  colleague = await env.addKey('colleague', 'official', [{ planId: DEMO_PLAN_ID }]);
  await env.repository.putKey({ ...(await env.repository.getKey('revoked'))!, active: false, revokedAt: new Date().toISOString() });
  await env.repository.claimNonce({ keyId: 'official', nonce: SPENT_NONCE, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
  revision = (await env.repository.getCommitment(DEMO_PLAN_ID, 'c4'))!.revision;

  Object.assign(process.env, env.env);
  const runtime = await import('#functions/dependencies');
  runtime.resetFunctionDependencies();
  handler = (await import('#functions/ingest/handler')).handler as typeof handler;
});

afterAll(async () => {
  for (const name of Object.keys(env.env)) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  (await import('#functions/dependencies')).resetFunctionDependencies();
  await env.destroy();
});

function toEvent(request: ApiRequest, base64: boolean): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.path,
    rawQueryString: request.query,
    headers,
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'mandat.example.org',
      domainPrefix: 'mandat',
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'fast-check' },
      requestId: 'property',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: base64 ? request.body.toString('base64') : request.body.toString('utf8'),
    isBase64Encoded: base64,
  };
}

const now = () => Math.floor(Date.now() / 1000);
const validBody = { status: 'delayed', observations: 'property' };
const sign = (key: TestKey, body: unknown = validBody, options: Parameters<typeof signedRequest>[4] = {}, path = updatePath()) =>
  signedRequest(key, 'POST', path, body, options);
const withHeaders = (request: ApiRequest, headers: Record<string, string | undefined>): ApiRequest => ({
  ...request,
  headers: { ...request.headers, ...headers },
});

/** Bodies that the update schema (or the plan's vocabulary) refuses. */
const invalidUpdateBody = fc
  .oneof(
    fc.jsonValue(),
    fc.record({ status: fc.string(), observations: fc.string() }, { requiredKeys: [] }),
    fc.record({
      status: fc.constantFrom('delayed', 'on_track'),
      observations: fc.string({ maxLength: 50 }),
      progress: fc.oneof(fc.integer({ min: 101 }), fc.integer({ max: -1 }), fc.double()),
    }),
    fc.record({
      status: fc.constantFrom('delayed'),
      observations: fc.string({ maxLength: 20 }),
      links: fc.array(
        fc.record({ title: fc.string(), url: fc.oneof(fc.string(), fc.constantFrom('javascript:alert(1)', 'data:,x', 'ftp://x.example')) }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    fc.record({ status: fc.constantFrom('delayed'), observations: fc.string({ maxLength: 20 }), extra: fc.jsonValue() }),
  )
  .filter((value) => {
    const parsed = updateRequestSchema.safeParse(value);
    return !parsed.success || !['not_started', 'pending', 'delayed', 'on_track'].includes(parsed.data.status);
  });

/** A string with `bad` inserted somewhere in it. */
const withInserted = (bad: fc.Arbitrary<string>) =>
  fc.tuple(fc.string({ maxLength: 30 }), bad, fc.string({ maxLength: 30 })).map(([a, b, c]) => `${a}${b}${c}`);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
/** C0 and C1 controls and DEL, but not tab and line feed (a CR is refused unless it ends a CRLF). */
const controlCharacter = fc
  .oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
  .filter((code) => code !== 0x09 && code !== 0x0a)
  .map((code) => String.fromCharCode(code));
const badText = fc.oneof(withInserted(loneSurrogate), withInserted(controlCharacter));
/** URLs the WHATWG parser would take (after dropping or trimming what it silently drops) or that are not http(s) with a host. */
const oddUrl = fc.oneof(
  fc
    .constantFrom('https://example.org/', 'http://example.org/a', 'https://exa mple.org/')
    .chain((url) =>
      fc
        .tuple(fc.nat({ max: url.length }), fc.oneof(controlCharacter, fc.constantFrom('\t', '\n'), loneSurrogate))
        .map(([at, bad]) => url.slice(0, at) + bad + url.slice(at)),
    ),
  fc.constantFrom(
    'https:///',
    'http://',
    'https://:443/',
    '//example.org/',
    'javascript:alert(1)',
    'data:text/html,x',
    'file:///etc/passwd',
  ),
  fc.constantFrom('ftp:', 'ws:', 'mailto:', 'blob:', '').map((scheme) => `${scheme}//example.org/`),
);

/** Bodies whose text or URLs the update schema refuses (and only for that). */
const invalidTextBody = fc
  .oneof(
    badText.map((observations) => ({ status: 'delayed', observations })),
    badText.map((title) => ({ status: 'delayed', observations: 'x', links: [{ title, url: 'https://example.org/' }] })),
    oddUrl.map((url) => ({ status: 'delayed', observations: 'x', links: [{ title: 'link', url }] })),
  )
  .filter((value) => !updateRequestSchema.safeParse(value).success);

/** What a signer can put in an sf-string (printable ASCII). */
const printable = (constraints: { minLength?: number; maxLength?: number }) =>
  fc.string({ ...constraints, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });

const keyIds = fc.oneof(printable({ maxLength: 300 }), fc.constantFrom('official', 'nobody', 'admin', '', 'KEY#official', 'official#x'));

/** One broken request, and whether to send its body base64-encoded. */
const brokenRequest: fc.Arbitrary<ApiRequest> = fc.oneof(
  // Not signed, or signed headers mangled.
  fc.constant(null).map(() => withHeaders(sign(official), { 'signature-input': undefined, signature: undefined })),
  fc
    .tuple(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }))
    .map(([input, signature]) => withHeaders(sign(official), { 'signature-input': input, signature })),
  fc.string({ maxLength: 120 }).map((params) => {
    const request = sign(official);
    return withHeaders(request, {
      'signature-input': request.headers['signature-input']!.replace(/;.*$/, params.startsWith(';') ? params : `;${params}`),
    });
  }),
  fc
    .uint8Array({ minLength: 0, maxLength: 80 })
    .map((bytes) => withHeaders(sign(official), { signature: `sig1=:${Buffer.from(bytes).toString('base64')}:` })),
  // Two signatures.
  fc.constant(null).map(() => {
    const a = sign(official);
    const b = sign({ ...official, privateKey: stranger }, validBody, {});
    return withHeaders(a, {
      'signature-input': `${a.headers['signature-input']}, ${b.headers['signature-input']!.replace('sig1=', 'sig2=')}`,
      signature: `${a.headers.signature}, ${b.headers.signature!.replace('sig1=', 'sig2=')}`,
    });
  }),
  // A dictionary member named twice: two signatures under one label (by two keys in scope), a
  // label repeated in one header only, and a Content-Digest algorithm twice (bad then good).
  fc.tuple(fc.constantFrom('both', 'input', 'signature'), fc.boolean()).map(([where, colleagueFirst]) => {
    const [first, second] = colleagueFirst ? [sign(colleague), sign(official)] : [sign(official), sign(colleague)];
    return withHeaders(first, {
      'signature-input':
        where === 'signature'
          ? first.headers['signature-input']
          : `${first.headers['signature-input']}, ${second.headers['signature-input']}`,
      signature: where === 'input' ? first.headers.signature : `${first.headers.signature}, ${second.headers.signature}`,
    });
  }),
  fc
    .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom('sha-256', 'sha-512'), fc.boolean())
    .map(([bytes, name, badFirst]) => {
      const body = JSON.stringify(validBody);
      const good = contentDigest(body, name as 'sha-256' | 'sha-512');
      const bad = `${name}=:${Buffer.from(bytes).toString('base64')}:`;
      const digest = badFirst ? `${bad}, ${good}` : `${good}, ${good}`;
      const headers = signRequest(
        { method: 'POST', url: `${BASE_URL}${updatePath()}`, headers: { 'content-type': 'application/json', 'content-digest': digest } },
        { keyId: official.keyId, privateKey: official.privateKey, components: ['@method', '@path', 'content-type', 'content-digest'] },
      );
      return {
        method: 'POST',
        path: updatePath(),
        query: '',
        headers: { host: 'mandat.example.org', ...headers },
        body: Buffer.from(body),
      };
    }),
  // Text that is not Unicode or holds control characters, and URLs a browser would read otherwise.
  invalidTextBody.map((body) => sign(official, body)),
  // Wrong, unknown or impossible keys; revoked and out-of-scope keys.
  keyIds.map((keyId) => sign({ keyId, privateKey: stranger, publicKeyPem: '' })),
  fc.constant(null).map(() => sign(revoked)),
  fc.constant(null).map(() => sign(outsider)),
  fc.constant(null).map(() => {
    const request = sign(official);
    return withHeaders(request, { 'signature-input': request.headers['signature-input']!.replace('alg="ed25519"', 'alg="hmac-sha256"') });
  }),
  // The clock.
  fc
    .oneof(fc.integer({ min: 301, max: 10 ** 9 }), fc.integer({ min: -(10 ** 9), max: -301 }))
    .map((offset) => sign(official, validBody, { created: now() - offset })),
  fc.integer({ min: 1, max: 10 ** 6 }).map((ago) => {
    const headers = signRequest(
      {
        method: 'POST',
        url: `${BASE_URL}${updatePath()}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(validBody),
      },
      { keyId: 'official', privateKey: official.privateKey, expires: now() - ago },
    );
    return {
      method: 'POST',
      path: updatePath(),
      query: '',
      headers: { host: 'mandat.example.org', ...headers },
      body: Buffer.from(JSON.stringify(validBody)),
    };
  }),
  // The nonce.
  fc.constant(null).map(() => sign(official, validBody, { nonce: SPENT_NONCE })),
  printable({ minLength: 129, maxLength: 400 }).map((nonce) => sign(official, validBody, { nonce })),
  // What the signature covers, changed after signing.
  fc.string({ minLength: 1, maxLength: 100 }).map((extra) => {
    const request = sign(official);
    return { ...request, body: Buffer.concat([request.body, Buffer.from(extra)]) };
  }),
  printable({ maxLength: 100 }).map((observations) => ({
    ...sign(official),
    body: Buffer.from(JSON.stringify({ status: 'on_track', observations: `swapped: ${observations}` })),
  })),
  fc.constantFrom('c7', 'c1', 'c4x').map((commitment) => ({ ...sign(official), path: updatePath(DEMO_PLAN_ID, commitment) })),
  fc.constantFrom('PUT', 'GET', 'DELETE', 'PATCH', 'post').map((method) => ({ ...sign(official), method })),
  fc.string({ maxLength: 60 }).map((query) => ({ ...sign(official), query: query || 'x=1' })),
  fc
    .constantFrom('text/plain', 'application/json; charset=latin1', 'multipart/form-data')
    .map((type) => withHeaders(sign(official), { 'content-type': type })),
  fc.constant(null).map(() => withHeaders(sign(official), { 'content-digest': undefined })),
  // Validly signed, but the request itself is wrong.
  invalidUpdateBody.map((body) => sign(official, body)),
  fc
    .string({ maxLength: 300 })
    .filter((raw) => !raw.trim().startsWith('{'))
    .map((raw) => sign(official, undefined, { rawBody: raw })),
  fc
    .constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded')
    .map((type) => sign(official, validBody, { headers: { 'content-type': type } })),
  fc
    .integer({ min: LIMITS.bodyBytes + 1, max: LIMITS.bodyBytes + 5000 })
    .map((size) => sign(official, { status: 'delayed', observations: 'x'.repeat(size) })),
  fc.integer({ min: 1, max: 1000 }).map((delta) => sign(official, validBody, { headers: { 'if-match': `"${revision + delta}"` } })),
  fc
    .string({ maxLength: 30 })
    .map((tag) => sign(official, validBody, { headers: { 'if-match': tag.replace(/^\s*(W\/)?"\d+"\s*$/, 'x') || 'x' } })),
  fc
    .constantFrom('c999', 'nope', 'UPPER', 'a'.repeat(65), '%E0%A4%A', '..')
    .map((commitment) => sign(official, validBody, {}, updatePath(DEMO_PLAN_ID, commitment))),
  fc.constantFrom('missing-plan', 'x', '%ZZ').map((plan) => sign(official, validBody, {}, updatePath(plan, 'c4'))),
  // Definitions and key management by an official, or unsigned.
  fc
    .constantFrom(
      `/api/v1/plans/${DEMO_PLAN_ID}`,
      `/api/v1/plans/${DEMO_PLAN_ID}/commitments/c5`,
      '/api/v1/keys',
      '/api/v1/keys/official/revoke',
    )
    .map((path) =>
      signedRequest(official, path.endsWith('revoke') || path.endsWith('keys') ? 'POST' : 'PUT', path, { keyId: 'x', title: 'x' }),
    ),
  // Entirely random requests.
  fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'X'),
      path: fc.oneof(
        fc.webPath().map((p) => `/api/v1${p}`),
        fc.string().map((s) => `/api/${s}`),
        fc.constantFrom('/api/v1/keys', `/api/v1/plans/${DEMO_PLAN_ID}/commitments/c4/updates`),
      ),
      query: fc.string({ maxLength: 40 }),
      headers: fc.dictionary(
        fc.constantFrom(
          'content-type',
          'content-digest',
          'signature-input',
          'signature',
          'if-match',
          'host',
          'x-forwarded-host',
          'x-forwarded-proto',
          'content-length',
        ),
        fc.string({ maxLength: 100 }),
      ),
      body: fc.uint8Array({ maxLength: 400 }),
    })
    .filter((r) => !(r.method === 'GET' && Object.keys(r.headers).length === 0 && /^\/api\/v1\/(plans|keys)/.test(r.path)))
    .map((r) => ({ ...r, body: Buffer.from(r.body) })),
);

describe('the ingest handler under 1,000 generated bad requests', () => {
  it('answers each with a 4xx problem and writes nothing', async () => {
    const before = await env.tableSnapshot();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(brokenRequest, fc.boolean(), async (request, base64) => {
        // A GET of public state is not a "bad request": leave those to the read tests.
        fc.pre(!(request.method === 'GET' && request.headers['signature-input'] === undefined && /^\/api\/v1\/plans/.test(request.path)));
        const response = await handler(toEvent(request, base64));
        const status = response.statusCode ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(status, response.body).toBeGreaterThanOrEqual(400);
        expect(status, response.body).toBeLessThan(500);
        expect(response.headers?.['content-type']).toBe('application/problem+json');
        const problem = JSON.parse(response.body ?? '') as { status: number; type: string; detail: string };
        expect(problem.status).toBe(status);
        expect(problem.type).toMatch(/^https:\/\/.+\/problems\/[a-z-]+$/);
        expect(problem.detail.length).toBeGreaterThan(0);
        expect(await env.tableSnapshot()).toBe(before);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(await env.tableSnapshot()).toBe(before);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(RUNS * 0.95);
    // The generators reach the whole range of refusals, not just one.
    for (const status of [400, 401, 403, 404, 409, 412, 413, 415]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
  }, 120_000);
});
