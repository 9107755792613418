/**
 * The local front (the server `npm start` runs on one port, playing CloudFront) over real HTTP,
 * against the S3 server and the real API on DynamoDB Local: what a client's path can reach,
 * what it is answered when the path is hostile, which headers every answer carries, and which
 * host the API believes the client signed for.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toApiRequest } from '#functions/ingest/handler';
import { startLocalServer } from '#infra/local/server';
import { createApi } from '#shared/api/api';
import { DEMO_COMMITMENT_ID, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { publishPlan } from '#shared/publish/publish';
import { API_SECURITY_HEADERS, SITE_SECURITY_HEADERS, securityHeaderFields } from '#shared/render/security-headers';
import { createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';
import { ensureBucket } from '../../infra/local/setup.ts';

let env: TestEnvironment;
let server: Server;
let origin: string;
let official: TestKey;
const logged: string[] = [];
/** A second bucket on the same S3 server, which nothing served from the first may reach. */
const otherBucket = `other-${randomBytes(4).toString('hex')}`;
const ORIGIN_SECRET = randomBytes(32).toString('base64url');

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  official = await env.addKey('front-official', 'official', [{ planId: DEMO_PLAN_ID }]);
  await ensureBucket(env.s3, otherBucket);
  await env.s3.send(
    new PutObjectCommand({ Bucket: otherBucket, Key: 'private/secret.txt', Body: 'not for the public', ContentType: 'text/plain' }),
  );
  const put = (key: string, body: string, type: string) =>
    env.s3.send(new PutObjectCommand({ Bucket: env.bucketName, Key: key, Body: body, ContentType: type, CacheControl: 'max-age=60' }));
  await put('index.html', '<!doctype html><title>plans</title>', 'text/html; charset=utf-8');
  await put(`plans/${DEMO_PLAN_ID}/commitments.csv`, 'commitmentId\nc4\n', 'text/csv; charset=utf-8');

  // The API as the deployed function runs it (same event translation), with the secret the front sends.
  const api = createApi({
    repository: env.repository,
    publicBaseUrl: 'https://mandat.example.org',
    originSecret: ORIGIN_SECRET,
    clockSkewSeconds: 300,
    nonceTtlSeconds: 3600,
  });
  server = await startLocalServer({
    port: 0,
    s3: env.s3,
    bucket: env.bucketName,
    originSecret: ORIGIN_SECRET,
    ingest: async (event) => {
      const response = await api(toApiRequest(event));
      return { statusCode: response.status, headers: response.headers, body: response.body };
    },
    log: (line) => logged.push(line),
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await env?.destroy();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends the request target exactly as written (no URL normalisation on the way). */
function send(method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('static paths on the local front', () => {
  it('serves a file and a folder’s index.html', async () => {
    expect((await send('GET', `/plans/${DEMO_PLAN_ID}/commitments.csv`)).body).toBe('commitmentId\nc4\n');
    expect((await send('GET', '/')).body).toContain('<title>plans</title>');
  });

  it.each([
    [`/..%2f${otherBucket}%2fprivate%2fsecret.txt`],
    [`/..%2F${otherBucket}%2Fprivate%2Fsecret.txt`],
    [`/%2e%2e/${otherBucket}/private/secret.txt`],
    [`/plans/%2e%2e%2f%2e%2e%2f${otherBucket}%2fprivate%2fsecret.txt`],
    [`/plans/..%5c..%5c${otherBucket}%5cprivate%5csecret.txt`],
    [`/./index.html`],
  ])('refuses %s with a 400 problem instead of resolving "..": nothing of another bucket leaks', async (target) => {
    const answer = await send('GET', target);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(answer.body).not.toContain('not for the public');
  });

  it.each([
    ['/%00', 400],
    ['/plans/%00/index.html', 400],
    ['/%0d%0aSet-Cookie:%20x=1', 400],
    ['/%E0%A4%A', 400],
    ['/%', 400],
    ['/%zz', 400],
    ['/plans//commitments.csv', 404],
    [`/${'a'.repeat(1100)}.csv`, 404],
  ])('answers %s with %i and a problem, never a 5xx or a stack trace', async (target, status) => {
    const answer = await send('GET', target);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(logged.join('\n')).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('answers a missing file 404 and redirects a folder named without its slash, as CloudFront does', async () => {
    expect((await send('GET', `/plans/${DEMO_PLAN_ID}/nothing.csv`)).status).toBe(404);
    const folder = await send('GET', `/plans/${DEMO_PLAN_ID}`);
    expect(folder.status).toBe(301);
    expect(folder.headers.location).toBe(`/plans/${DEMO_PLAN_ID}/`);
  });
});

describe('security headers on the local front', () => {
  const expectHeaders = (answer: Answer, expected: Record<string, string>) => {
    for (const [name, value] of Object.entries(expected)) expect(answer.headers[name], name).toBe(value);
  };

  it('pages and feeds carry the site set: CSP with frame-ancestors, nosniff, HSTS, referrer policy, no framing, open CORS', async () => {
    const site = securityHeaderFields(SITE_SECURITY_HEADERS);
    expect(site['content-security-policy']).toContain("frame-ancestors 'none'");
    for (const target of ['/', `/plans/${DEMO_PLAN_ID}/commitments.csv`, `/plans/${DEMO_PLAN_ID}/nothing.csv`, '/%00']) {
      expectHeaders(await send('GET', target), site);
    }
    expect((await send('GET', '/')).headers['x-content-type-options']).toBe('nosniff');
  });

  it('API answers carry the API set, without CORS', async () => {
    const api = securityHeaderFields(API_SECURITY_HEADERS);
    const answer = await send('GET', `/api/v1/plans/${DEMO_PLAN_ID}`);
    expect(answer.status).toBe(200);
    expectHeaders(answer, api);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expectHeaders(await send('GET', '/api/v1/nothing'), api);
  });
});

describe('host binding through the local front', () => {
  const post = (baseUrl: string, headers: Record<string, string> = {}) => {
    const request = signedRequest(official, 'POST', updatePath(), { status: 'delayed', observations: 'Through the front.' }, { baseUrl });
    const { host, ...signed } = request.headers as Record<string, string>;
    return send('POST', request.path, { ...signed, ...headers }, request.body.toString('utf8'));
  };

  it('accepts an update signed for the host the client reached', async () => {
    const answer = await post(origin);
    expect(answer.status, answer.body).toBe(201);
  });

  it('refuses one signed for another host even with that host in a forged X-Forwarded-Host (and a forged secret): 401', async () => {
    const before = await env.tableSnapshot();
    const attempts: Array<Record<string, string>> = [
      { 'x-forwarded-host': 'staging.example.org', 'x-forwarded-proto': 'https' },
      { 'x-forwarded-host': 'staging.example.org', 'x-forwarded-proto': 'https', 'x-origin-secret': 'guess' },
    ];
    for (const forged of attempts) {
      const answer = await post('https://staging.example.org', forged);
      expect(answer.status, answer.body).toBe(401);
      expect(answer.headers['content-type']).toBe('application/problem+json');
    }
    expect(await env.tableSnapshot()).toBe(before);
  });
});

describe('a commitment page after a signed update, over HTTP from the local front', () => {
  it('shows the new status, the observations and the history row; the RSS item links to that page', async () => {
    const deps = { repository: env.repository, store: env.store, baseUrl: origin };
    const first = await publishPlan(DEMO_PLAN_ID, deps);
    const observations = `Contracte **signat** el ${randomBytes(4).toString('hex')}.`;
    const request = signedRequest(official, 'POST', updatePath(), { status: 'on_track', observations, progress: 80 }, { baseUrl: origin });
    const { host, ...signed } = request.headers as Record<string, string>;
    const posted = await send('POST', request.path, signed, request.body.toString('utf8'));
    expect(posted.status, posted.body).toBe(201);
    // As the stream handler publishes a batch: the update sequenced, then only what it touched.
    await env.repository.sequenceUpdates(DEMO_PLAN_ID, [DEMO_COMMITMENT_ID]);
    const after = await publishPlan(DEMO_PLAN_ID, deps, { changed: { commitmentIds: [DEMO_COMMITMENT_ID] }, since: first!.revision });
    expect(after!.written).toContain(`plans/${DEMO_PLAN_ID}/commitments/${DEMO_COMMITMENT_ID}/index.html`);

    const pagePath = `/plans/${DEMO_PLAN_ID}/commitments/${DEMO_COMMITMENT_ID}/index.html`;
    const page = await send('GET', pagePath);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const status = /<h2>Estat<\/h2>\n<div class="facts">(.*?)<\/div>/.exec(page.body)![1]!;
    expect(status).toContain('Completat o en execució dins les previsions');
    expect(status).toContain('80%');
    expect(page.body).toContain('Contracte <strong>signat</strong>');
    const newest = /<ol class="history" reversed><li>(.*?)<\/li>/.exec(page.body)![1]!;
    expect(newest).toContain('→ <span class="badge status-on_track">');
    expect(newest).toContain('Contracte <strong>signat</strong>');

    const rss = await send('GET', `/plans/${DEMO_PLAN_ID}/feed.rss`);
    const item = /<item>([\s\S]*?)<\/item>/.exec(rss.body)![1]!;
    expect(item).toContain('signat');
    const link = /<link>([^<]+)<\/link>/.exec(item)![1]!;
    expect(link).toBe(`${origin}${pagePath}`);
    expect((await send('GET', new URL(link).pathname)).body).toBe(page.body);
  });
});
