/**
 * The artifacts that `cdk deploy` would upload, proven to work: the real stack is synthesized
 * with bundling on (the same NodejsFunction settings as `npm run synth`), and each function's
 * index.mjs is loaded in a fresh Node process and invoked with a real event against
 * DynamoDB Local and the S3 server: a signed HTTP API event for ingest, a batch read from the
 * table's stream for publish.
 */

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app';
import { BUNDLE_FILE, type FunctionName } from '#infra/bundling';
import { PROJECT_ROOT } from '#infra/constructs/mandat-function';
import { toEvent } from '#infra/local/stream-poller';
import { type ApiRequest, ORIGIN_SECRET_HEADER } from '#shared/api/api';
import { OPENAPI_PATH } from '#shared/api/operations';
import { DEMO_COMMITMENT_ID, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { labelsFor } from '#shared/render/labels';
import { signRequest } from '#shared/signing/http-signature';
import { changesInRecords } from '#shared/store/dynamo/stream-records';
import { createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';
import { type FakeKms, startFakeKms } from '#tests/support/kms-server';
import { readStream } from '#tests/support/stream';

/** What the stack wires without a custom domain: CloudFront's host in front, the API behind. */
const PUBLIC_HOST = 'd111111abcdef8.cloudfront.net';
const API_HOST = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
/** Stands for the value Secrets Manager generates and CloudFormation resolves into CloudFront and ingest. */
const ORIGIN_SECRET = 'bundleTestOriginSecret0123456789abcdefABCDEF';

interface Bundle {
  file: string;
  /** The function's environment as synthesized (values are CloudFormation tokens). */
  variables: Record<string, unknown>;
}

let outdir: string;
let bundles: Record<FunctionName, Bundle>;
let env: TestEnvironment;
let official: TestKey;
let admin: TestKey;
let kms: FakeKms;

beforeAll(async () => {
  // Inside the repository, so the bundles' bare @aws-sdk/* imports resolve to node_modules
  // the way they resolve to the SDK that ships with the Lambda runtime.
  mkdirSync(join(PROJECT_ROOT, '.test-data'), { recursive: true });
  outdir = mkdtempSync(join(PROJECT_ROOT, '.test-data', 'bundle-'));
  const { app, stack } = buildApp({ outdir, context: { stage: 'bundle' } }, {});
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Properties: { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } } }>;
  };
  const bundleOf = (construct: (typeof stack)['ingest']): Bundle => {
    const { Code, Environment } = template.Resources[stack.getLogicalId(construct.fn.node.defaultChild as never)]!.Properties;
    return { file: join(outdir, `asset.${Code.S3Key.replace(/\.zip$/, '')}`, BUNDLE_FILE), variables: Environment.Variables };
  };
  bundles = { ingest: bundleOf(stack.ingest), publish: bundleOf(stack.publish) };

  env = await createTestEnvironment();
  await env.seedDemo();
  official = await env.addKey('bundle-official', 'official', [{ planId: DEMO_PLAN_ID }]);
  admin = await env.addKey('bundle-admin', 'admin', []);
  kms = await startFakeKms();
}, 120_000);

afterAll(async () => {
  await kms?.stop();
  await env?.destroy();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/**
 * The function's own environment variables with the values CloudFormation would resolve,
 * plus the emulator endpoints and credentials. A variable the stack does not set is absent,
 * so a missing one fails the handler's configuration check.
 */
function lambdaEnvironment(bundle: Bundle, publicBaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(bundle.variables)) {
    if (typeof value === 'string') resolved[name] = value;
    else if (name === 'TABLE_NAME') resolved[name] = env.tableName;
    else if (name === 'BUCKET_NAME') resolved[name] = env.bucketName;
    else if (name === 'PUBLIC_BASE_URL') resolved[name] = publicBaseUrl;
    else if (name === 'ORIGIN_SECRET') resolved[name] = ORIGIN_SECRET;
    else if (name === 'SECRETS_KMS_KEY_ID') resolved[name] = kms.keyArn;
    else throw new Error(`no test value for ${name}`);
  }
  const { AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, DYNAMODB_ENDPOINT, S3_ENDPOINT } = env.env;
  const KMS_ENDPOINT = kms.endpoint;
  return {
    ...resolved,
    AWS_REGION,
    AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY,
    DYNAMODB_ENDPOINT,
    S3_ENDPOINT,
    KMS_ENDPOINT,
    ...overrides,
  } as Record<string, string>;
}

/** Loads the bundle in a fresh `node` (the one running the tests: Node 24 under npm) and invokes it once. */
function invoke<T>(bundle: Bundle, event: unknown, environment: Record<string, string>): Promise<{ result: T; logs: string }> {
  const runner = `
    const { handler } = await import(process.argv[1]);
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const result = await handler(JSON.parse(input), { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 30000 });
    process.stdout.write('\\n<<result>>' + JSON.stringify(result));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', runner, pathToFileURL(bundle.file).href], {
      env: environment,
      cwd: outdir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const marker = stdout.lastIndexOf('<<result>>');
      if (code !== 0 || marker < 0) return reject(new Error(`bundle exited with ${code}\n${stdout}\n${stderr}`));
      resolve({ result: JSON.parse(stdout.slice(marker + '<<result>>'.length)) as T, logs: stdout.slice(0, marker) + stderr });
    });
    child.stdin.end(JSON.stringify(event));
  });
}

/** The event the HTTP API's payload 2.0 delivers for a request that came through CloudFront. */
function httpApiEvent(request: ApiRequest, extraHeaders: Record<string, string> = {}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value;
  Object.assign(headers, { host: API_HOST, 'x-forwarded-proto': 'https', 'x-forwarded-port': '443' }, extraHeaders);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'ANY /api/{proxy+}',
    rawPath: request.path,
    rawQueryString: request.query,
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: API_HOST.split('.')[0]!,
      domainName: API_HOST,
      domainPrefix: API_HOST.split('.')[0]!,
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: 'mandat-cli' },
      requestId: 'bundle-test',
      routeKey: 'ANY /api/{proxy+}',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    pathParameters: { proxy: request.path.replace(/^\/api\//, '') },
    body: request.body.toString('utf8'),
    isBase64Encoded: false,
  };
}

describe('bundles', () => {
  it.each(['ingest', 'publish'] as const)('%s is an ESM file that imports the AWS SDK from the runtime instead of carrying it', (name) => {
    const code = readFileSync(bundles[name].file, 'utf8');
    expect(code).toMatch(/from\s*"@aws-sdk\/client-dynamodb"|from\s*"@aws-sdk\/lib-dynamodb"/);
    expect(code).not.toMatch(/\brequire\(\s*"@aws-sdk/);
    const kb = (file: string) => Math.round(statSync(file).size / 1024);
    const sizes = { bundle: kb(bundles[name].file), sourceMap: kb(`${bundles[name].file}.map`) };
    console.log(`${name} bundle: ${sizes.bundle} KB (+ ${sizes.sourceMap} KB source map)`);
    // Lambda reads and compiles this file on every cold start: the budget of the benchmark's
    // cold-start target (docs/PERFORMANCE.md). A size, not a time, so it holds on any machine.
    expect(sizes.bundle).toBeLessThanOrEqual(150);
  });

  it('each loads only what its function uses: no S3 SDK in ingest, no API operation table in publish', () => {
    const sdkImports = (name: FunctionName) =>
      [...readFileSync(bundles[name].file, 'utf8').matchAll(/from\s*"(@aws-sdk\/[^"]+)"/g)].map((m) => m[1]).sort();
    // Loading @aws-sdk/client-s3 is tens of milliseconds of every cold start; ingest never writes to S3.
    expect(new Set(sdkImports('ingest'))).toEqual(new Set(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']));
    expect(new Set(sdkImports('publish'))).toEqual(new Set(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-s3']));
    // The KMS SDK is loaded only when an hmac-sha256 key is met, not on every cold start.
    const dynamicImports = (name: FunctionName) =>
      [...readFileSync(bundles[name].file, 'utf8').matchAll(/import\(\s*"(@aws-sdk\/[^"]+)"\s*\)/g)].map((m) => m[1]);
    expect(dynamicImports('ingest')).toEqual(['@aws-sdk/client-kms']);
    expect(readFileSync(bundles.publish.file, 'utf8')).not.toContain('client-kms');
    // The renderers' static text is packed at build time: its literals are in no bundle.
    for (const name of ['ingest', 'publish'] as const) {
      expect(readFileSync(bundles[name].file, 'utf8')).not.toContain(labelsFor('ca').readmeIntro);
    }
    // The route templates appear only if the operation table (ingest's request logging) was pulled in.
    expect(readFileSync(bundles.publish.file, 'utf8')).not.toContain('/commitments/{commitmentId}/updates');
    expect(readFileSync(bundles.ingest.file, 'utf8')).toContain('/commitments/{commitmentId}/updates');
  });
});

describe('ingest bundle', () => {
  const signedThroughCloudFront = (body: unknown) =>
    signedRequest(official, 'POST', updatePath(), body, { baseUrl: `https://${PUBLIC_HOST}` });

  it('accepts an update signed for the public host, arriving through CloudFront and the HTTP API, and writes it', async () => {
    const environment = lambdaEnvironment(bundles.ingest, `https://${API_HOST}`);
    const update = { status: 'delayed', observations: 'Bundle test: **licitació** en curs.', progress: 55 };
    const { result } = await invoke<APIGatewayProxyStructuredResultV2>(
      bundles.ingest,
      httpApiEvent(signedThroughCloudFront(update), { 'x-forwarded-host': PUBLIC_HOST, [ORIGIN_SECRET_HEADER]: ORIGIN_SECRET }),
      environment,
    );
    expect(result.statusCode, String(result.body)).toBe(201);
    const body = JSON.parse(String(result.body)) as { updateId: string; revision: number };
    expect(await env.repository.getCommitment(DEMO_PLAN_ID, DEMO_COMMITMENT_ID)).toMatchObject({
      status: 'delayed',
      progress: 55,
      lastUpdateId: body.updateId,
      revision: body.revision,
    });
  });

  it('refuses the same request without the X-Forwarded-Host that CloudFront adds: 401 problem, nothing written', async () => {
    const environment = lambdaEnvironment(bundles.ingest, `https://${API_HOST}`);
    const before = await env.tableSnapshot();
    const { result } = await invoke<APIGatewayProxyStructuredResultV2>(
      bundles.ingest,
      httpApiEvent(signedThroughCloudFront({ status: 'pending', observations: 'never stored' })),
      environment,
    );
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(String(result.body))).toMatchObject({ status: 401 });
    expect(await env.tableSnapshot()).toBe(before);
  });

  it('refuses a request signed for another host with that host as a forged X-Forwarded-Host, sent straight to the API: 401', async () => {
    const environment = lambdaEnvironment(bundles.ingest, `https://${API_HOST}`);
    const before = await env.tableSnapshot();
    const otherHost = 'staging.example.org';
    const request = signedRequest(
      official,
      'POST',
      updatePath(),
      { status: 'pending', observations: 'never stored' },
      { baseUrl: `https://${otherHost}` },
    );
    const attempts: Array<Record<string, string>> = [{}, { [ORIGIN_SECRET_HEADER]: 'guessed' }];
    for (const extra of attempts) {
      const { result } = await invoke<APIGatewayProxyStructuredResultV2>(
        bundles.ingest,
        httpApiEvent(request, { 'x-forwarded-host': otherHost, ...extra }),
        environment,
      );
      expect(result.statusCode, String(result.body)).toBe(401);
    }
    expect(await env.tableSnapshot()).toBe(before);
  });

  it('seals an hmac-sha256 key with KMS (context {keyId}) and verifies the updates it signs, each in a cold start', async () => {
    const environment = lambdaEnvironment(bundles.ingest, `https://${API_HOST}`);
    const from = kms.calls.length;
    const registration = {
      keyId: 'bundle-portal',
      algorithm: 'hmac-sha256',
      owner: 'Portal',
      role: 'official',
      scopes: [{ planId: DEMO_PLAN_ID }],
    };
    const registered = await invoke<APIGatewayProxyStructuredResultV2>(
      bundles.ingest,
      httpApiEvent(signedRequest(admin, 'POST', '/api/v1/keys', registration, { baseUrl: `https://${PUBLIC_HOST}` }), {
        'x-forwarded-host': PUBLIC_HOST,
        [ORIGIN_SECRET_HEADER]: ORIGIN_SECRET,
      }),
      environment,
    );
    expect(registered.result.statusCode, String(registered.result.body)).toBe(201);
    const secret = Buffer.from((JSON.parse(String(registered.result.body)) as { sharedSecret: string }).sharedSecret, 'base64');
    expect(JSON.stringify(await env.repository.getKey('bundle-portal'))).not.toContain(secret.toString('base64'));

    // Now the commitment's latest state: the publish test below looks for "Bundle test" in it.
    const payload = JSON.stringify({ status: 'on_track', observations: 'Bundle test: signed with a shared secret.' });
    const url = `https://${PUBLIC_HOST}${updatePath()}`;
    const headers = signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: payload },
      { keyId: 'bundle-portal', key: { algorithm: 'hmac-sha256', secret } },
    );
    const request: ApiRequest = { method: 'POST', path: updatePath(), query: '', headers, body: Buffer.from(payload) };
    const posted = await invoke<APIGatewayProxyStructuredResultV2>(
      bundles.ingest,
      httpApiEvent(request, { 'x-forwarded-host': PUBLIC_HOST, [ORIGIN_SECRET_HEADER]: ORIGIN_SECRET }),
      environment,
    );
    expect(posted.result.statusCode, String(posted.result.body)).toBe(201);
    expect(kms.calls.slice(from)).toEqual([
      { operation: 'Encrypt', keyId: kms.keyArn, encryptionContext: { keyId: 'bundle-portal' }, outcome: 'ok' },
      { operation: 'Decrypt', keyId: kms.keyArn, encryptionContext: { keyId: 'bundle-portal' }, outcome: 'ok' },
    ]);
  });

  it('serves the OpenAPI document made at build time, byte for byte the committed one, without carrying its generator', async () => {
    const environment = lambdaEnvironment(bundles.ingest, `https://${API_HOST}`);
    const request: ApiRequest = { method: 'GET', path: OPENAPI_PATH, query: '', headers: {}, body: Buffer.alloc(0) };
    const { result } = await invoke<APIGatewayProxyStructuredResultV2>(bundles.ingest, httpApiEvent(request), environment);
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe(readFileSync(join(PROJECT_ROOT, 'docs/openapi.json'), 'utf8'));
    // The generator's component references appear in the bundle only if the generator does.
    expect(readFileSync(bundles.ingest.file, 'utf8')).not.toContain('#/components/schemas/');
  });
});

// Runs after the ingest tests above: the stream then holds the demo seed and the update.
describe('publish bundle', () => {
  it('publishes the plans in a real stream batch to S3, with links on the public host', async () => {
    const event: DynamoDBStreamEvent = toEvent(await readStream(env), env.streamArn);
    expect(event.Records.length).toBeGreaterThan(0);
    const environment = lambdaEnvironment(bundles.publish, `https://${PUBLIC_HOST}`);
    const { result, logs } = await invoke<DynamoDBBatchResponse>(bundles.publish, event, environment);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(logs).toContain('"message":"published"');

    const prefix = `plans/${DEMO_PLAN_ID}/`;
    expect(await env.listObjects(prefix)).toEqual(
      expect.arrayContaining([`${prefix}commitments.csv`, `${prefix}commitments.json`, `${prefix}feed.rss`]),
    );
    const commitments = JSON.parse((await env.getObject(`${prefix}commitments.json`))!.body) as unknown;
    expect(JSON.stringify(commitments)).toContain('Bundle test');
    expect((await env.getObject(`${prefix}feed.rss`))!.body).toContain(`https://${PUBLIC_HOST}/plans/${DEMO_PLAN_ID}/`);
  });

  it('reports the batch items of a plan it could not publish, so Lambda retries them', async () => {
    // A change not yet published, so that the publisher has something to write.
    expect(
      (await env.api(signedRequest(official, 'POST', updatePath(), { status: 'pending', observations: 'Not yet published.' }))).status,
    ).toBe(201);
    const event = toEvent(await readStream(env), env.streamArn);
    // The plan's changes; the records of the publisher's own ordering of updates ask for nothing.
    const planSequences = changesInRecords(event.Records).get(DEMO_PLAN_ID)!.sequences;
    expect(planSequences.length).toBeGreaterThan(0);
    const environment = lambdaEnvironment(bundles.publish, `https://${PUBLIC_HOST}`, { BUCKET_NAME: 'no-such-bucket' });
    const { result, logs } = await invoke<DynamoDBBatchResponse>(bundles.publish, event, environment);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([...planSequences].sort());
    expect(logs).toContain('"message":"publish failed"');
  });
});
