/**
 * Which host a signature may name (RFC 9421 "@authority"). Requests arrive as the HTTP API
 * delivers them: Host is the API's own, and X-Forwarded-Host is whatever the sender put there.
 * Only the front (CloudFront, the local server) knows the origin secret, so only a request
 * carrying it may name the public host that way; anyone calling the origin directly cannot
 * make a signature for another deployment's host count here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiRequest, createApi, ORIGIN_SECRET_HEADER } from '#shared/api/api';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';

const API_HOST = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
const PUBLIC_HOST = 'd111111abcdef8.cloudfront.net';
const OTHER_HOST = 'staging.example.org';
const SECRET = 'x'.repeat(20) + 'origin-secret-for-this-test';

let env: TestEnvironment;
let official: TestKey;
let api: ReturnType<typeof createApi>;

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  official = await env.addKey('host-official', 'official', [{ planId: DEMO_PLAN_ID }]);
  // Without a custom domain ingest's configured URL is the API's own (see the stack).
  api = createApi({
    repository: env.repository,
    publicBaseUrl: `https://${API_HOST}`,
    originSecret: SECRET,
    clockSkewSeconds: 300,
    nonceTtlSeconds: 3600,
  });
});

afterAll(() => env?.destroy());

/** An update signed for `signedHost`, delivered by the HTTP API with the given extra headers. */
function arriving(signedHost: string, headers: Record<string, string>): ApiRequest {
  const request = signedRequest(
    official,
    'POST',
    updatePath(),
    { status: 'delayed', observations: `Signed for ${signedHost}.` },
    {
      baseUrl: `https://${signedHost}`,
    },
  );
  return { ...request, headers: { ...request.headers, host: API_HOST, 'x-forwarded-proto': 'https', ...headers } };
}

describe('host binding of signatures', () => {
  it('accepts a request signed for the public host when the front vouches for X-Forwarded-Host', async () => {
    const response = await api(arriving(PUBLIC_HOST, { 'x-forwarded-host': PUBLIC_HOST, [ORIGIN_SECRET_HEADER]: SECRET }));
    expect(response.status, response.body).toBe(201);
  });

  it('accepts a request signed for the host it reached directly (the API’s own)', async () => {
    const response = await api(arriving(API_HOST, {}));
    expect(response.status, response.body).toBe(201);
  });

  it.each([
    ['no origin secret', {}],
    ['a wrong origin secret', { [ORIGIN_SECRET_HEADER]: 'not-the-secret' }],
    ['an origin secret one character short', { [ORIGIN_SECRET_HEADER]: SECRET.slice(0, -1) }],
    ['an empty origin secret', { [ORIGIN_SECRET_HEADER]: '' }],
  ])('refuses a request signed for another host with a forged X-Forwarded-Host and %s: 401, nothing written', async (_, extra) => {
    const before = await env.tableSnapshot();
    const response = await api(arriving(OTHER_HOST, { 'x-forwarded-host': OTHER_HOST, ...extra }));
    expect(response.status, response.body).toBe(401);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(await env.tableSnapshot()).toBe(before);
  });

  it('ignores X-Forwarded-Host altogether when the deployment has no origin secret', async () => {
    const unguarded = createApi({
      repository: env.repository,
      publicBaseUrl: `https://${API_HOST}`,
      clockSkewSeconds: 300,
      nonceTtlSeconds: 3600,
    });
    const response = await unguarded(arriving(OTHER_HOST, { 'x-forwarded-host': OTHER_HOST, [ORIGIN_SECRET_HEADER]: '' }));
    expect(response.status).toBe(401);
  });
});
