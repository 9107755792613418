/**
 * What the functions write to their logs, captured in-process from stdout/stderr as CloudWatch
 * would receive it: one JSON line per request and per plan published, EMF metrics, the fields
 * an operator needs, and none of the secrets or personal text a request carries.
 */
import type { APIGatewayProxyEventV2, Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetFunctionDependencies } from '#functions/dependencies';
import { handler as ingest } from '#functions/ingest/handler';
import { METRIC } from '#functions/observability';
import { handler as publish } from '#functions/publish/handler';
import type { ApiRequest } from '#shared/api/api';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';

let env: TestEnvironment;
let official: TestKey;
let privateKeyPem: string;

beforeAll(async () => {
  // The suite silences the functions' logs and metrics (vitest.config.ts); this file is about them.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  env = await createTestEnvironment();
  Object.assign(process.env, env.env);
  resetFunctionDependencies();
  await env.seedDemo();
  official = await env.addKey('logged-official', 'official', [{ planId: DEMO_PLAN_ID }]);
  privateKeyPem = official.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
});
afterAll(() => env.destroy());
afterEach(() => vi.restoreAllMocks());

/** Everything the code under test writes to stdout and stderr while `run` runs, as lines. */
async function captureOutput(run: () => Promise<unknown>): Promise<string[]> {
  const chunks: string[] = [];
  const grab = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(grab);
  vi.spyOn(process.stderr, 'write').mockImplementation(grab);
  try {
    await run();
  } finally {
    vi.restoreAllMocks();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

const parse = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, any>);
const logLines = (lines: string[]) => parse(lines).filter((entry) => !entry._aws);
const metricBlobs = (lines: string[]) => parse(lines).filter((entry) => entry._aws);

function lambdaContext(awsRequestId: string): Context {
  return {
    awsRequestId,
    functionName: 'mandat-obert-ingest',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:mandat-obert-ingest',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/mandat-obert-ingest',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function lambdaEvent(request: ApiRequest, requestId: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.path,
    rawQueryString: request.query,
    headers: request.headers as Record<string, string>,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'mandat.example.org',
      domainPrefix: 'mandat',
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: request.body.toString('base64'),
    isBase64Encoded: true,
  };
}

/** Nothing that would let a reader of the logs sign, impersonate or read what was sent. */
function expectNoSecrets(lines: string[], request: ApiRequest, bodyText: string) {
  const output = lines.join('\n');
  const signature = /:([A-Za-z0-9+/=]{40,}):/.exec(request.headers.signature!)![1]!;
  expect(output).not.toContain(signature);
  expect(output).not.toContain(request.headers['content-digest']!);
  expect(output).not.toContain('BEGIN');
  expect(output).not.toContain(privateKeyPem.split('\n')[1]!);
  expect(output).not.toContain(official.publicKeyPem.split('\n')[1]!);
  expect(output).not.toContain(bodyText);
}

describe('ingest logs', () => {
  it('logs an accepted update with request id, plan, commitment, keyid, outcome and duration, and counts it', async () => {
    const observations = 'Secret-ish observation text 7f3a9c: never in the logs';
    const request = signedRequest(official, 'POST', updatePath(), { status: 'delayed', observations });
    let status = 0;
    const lines = await captureOutput(async () => {
      status = (await ingest(lambdaEvent(request, 'req-accepted-1'), lambdaContext('lambda-req-1'))).statusCode!;
    });
    expect(status).toBe(201);
    const [entry, ...others] = logLines(lines);
    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      level: 'INFO',
      message: 'request accepted',
      service: 'mandat-obert',
      function: 'ingest',
      function_request_id: 'lambda-req-1',
      requestId: 'req-accepted-1',
      route: 'POST /api/v1/plans/{planId}/commitments/{commitmentId}/updates',
      operationId: 'postUpdate',
      planId: DEMO_PLAN_ID,
      commitmentId: 'c4',
      keyId: 'logged-official',
      status: 201,
      outcome: 'accepted',
      revision: expect.any(Number),
      updateId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(entry!.durationMs).toBeGreaterThan(0);
    expect(entry!.timestamp).toEqual(expect.any(String));

    const [blob] = metricBlobs(lines);
    expect(blob!._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'MandatObert',
      Metrics: [{ Name: METRIC.updatesAccepted, Unit: 'Count' }],
    });
    expect(blob![METRIC.updatesAccepted]).toBe(1);
    expectNoSecrets(lines, request, observations);
  });

  it('logs a rejected update with its problem type, and counts it by reason', async () => {
    const observations = 'Tampered text b81e44 that must not be logged';
    const request = signedRequest(official, 'POST', updatePath(), { status: 'pending', observations: 'signed text' });
    const tampered = { ...request, body: Buffer.from(JSON.stringify({ status: 'on_track', observations })) };
    let status = 0;
    const lines = await captureOutput(async () => {
      status = (await ingest(lambdaEvent(tampered, 'req-rejected-1'))).statusCode!;
    });
    expect(status).toBe(401);
    const [entry] = logLines(lines);
    expect(entry).toMatchObject({
      level: 'WARN',
      message: 'request rejected',
      requestId: 'req-rejected-1',
      planId: DEMO_PLAN_ID,
      commitmentId: 'c4',
      keyId: 'logged-official',
      status: 401,
      outcome: 'rejected',
      problemType: 'invalid-digest',
    });
    expect(entry!.durationMs).toBeGreaterThan(0);
    const [blob] = metricBlobs(lines);
    expect(blob!._aws.CloudWatchMetrics[0].Dimensions).toEqual([expect.arrayContaining(['service', 'reason'])]);
    expect(blob).toMatchObject({ reason: 'invalid-digest', [METRIC.updatesRejected]: 1 });
    expectNoSecrets(lines, tampered, observations);
  });

  it('logs an invalid body without any of its text', async () => {
    const observations = 'Personal data c0ffee in an invalid body';
    const request = signedRequest(official, 'POST', updatePath(), {
      status: 'delayed',
      observations,
      links: [{ title: observations, url: 'javascript:alert(1)' }],
    });
    const lines = await captureOutput(() => ingest(lambdaEvent(request, 'req-invalid-1')));
    expect(logLines(lines)[0]).toMatchObject({ status: 400, problemType: 'invalid-body', outcome: 'rejected' });
    expectNoSecrets(lines, request, observations);
  });
});

describe('configuration errors', () => {
  it('answer 500 and log the missing variable by name', async () => {
    const saved = process.env.TABLE_NAME;
    delete process.env.TABLE_NAME;
    resetFunctionDependencies();
    try {
      const request: ApiRequest = { method: 'GET', path: `/api/v1/plans/${DEMO_PLAN_ID}`, query: '', headers: {}, body: Buffer.alloc(0) };
      let status = 0;
      const lines = await captureOutput(async () => {
        status = (await ingest(lambdaEvent(request, 'req-config-1'))).statusCode!;
      });
      expect(status).toBe(500);
      expect(logLines(lines)[0]).toMatchObject({
        level: 'ERROR',
        message: 'request failed',
        outcome: 'failed',
        problemType: 'internal-error',
        error: { name: 'ConfigError', message: 'Invalid configuration: Missing environment variable TABLE_NAME' },
      });
    } finally {
      process.env.TABLE_NAME = saved;
      resetFunctionDependencies();
    }
  });
});

describe('publish logs', () => {
  it('logs plan, revision, objects written and skipped, duration and freshness, and emits them as metrics', async () => {
    const written = Math.floor(Date.now() / 1000) - 3;
    const event: DynamoDBStreamEvent = {
      Records: [
        {
          eventName: 'MODIFY',
          dynamodb: {
            Keys: { PK: { S: `PLAN#${DEMO_PLAN_ID}` }, SK: { S: 'PLAN' } },
            SequenceNumber: '100',
            ApproximateCreationDateTime: written,
          },
        },
      ],
    };
    let failures: unknown[] = [];
    const lines = await captureOutput(async () => {
      failures = (await publish(event, lambdaContext('lambda-publish-1'))).batchItemFailures;
    });
    expect(failures).toEqual([]);
    const entries = logLines(lines);
    const plan = entries.find((e) => e.message === 'published')!;
    const revision = (await env.repository.getPlan(DEMO_PLAN_ID))!.revision;
    expect(plan).toMatchObject({
      level: 'INFO',
      function: 'publish',
      function_request_id: 'lambda-publish-1',
      planId: DEMO_PLAN_ID,
      revision,
    });
    expect(plan.written + plan.skipped).toBeGreaterThan(0);
    expect(plan.durationMs).toBeGreaterThan(0);
    expect(plan.freshnessMs).toBeGreaterThanOrEqual(3000);
    expect(entries.find((e) => e.message === 'batch done')).toMatchObject({ records: 1, plans: 1, failures: 0 });

    const [blob] = metricBlobs(lines);
    const names = blob!._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
    expect(names).toEqual(expect.arrayContaining([METRIC.publishDuration, METRIC.objectsWritten, METRIC.objectsSkipped, METRIC.freshness]));
    expect(blob![METRIC.objectsWritten]).toBe(plan.written);
    expect(blob![METRIC.freshness]).toBe(plan.freshnessMs);

    // Delivered again: the plan is already published at its revision, so nothing is written, and the log says so.
    const again = logLines(await captureOutput(() => publish(event))).find((e) => e.message === 'already published')!;
    expect(again).toMatchObject({ planId: DEMO_PLAN_ID, revision, written: 0 });
  });

  it('logs a failed plan as an error and reports its records for retry', async () => {
    // A change not yet published, so that the publisher has something to write.
    const change = await env.api(signedRequest(official, 'POST', updatePath(), { status: 'pending', observations: 'Not yet published.' }));
    expect(change.status).toBe(201);
    const saved = process.env.S3_ENDPOINT;
    process.env.S3_ENDPOINT = 'http://127.0.0.1:9';
    resetFunctionDependencies();
    try {
      const event: DynamoDBStreamEvent = {
        Records: [
          { eventName: 'MODIFY', dynamodb: { Keys: { PK: { S: `PLAN#${DEMO_PLAN_ID}` }, SK: { S: 'PLAN' } }, SequenceNumber: '200' } },
        ],
      };
      let failures: unknown[] = [];
      const lines = await captureOutput(async () => {
        failures = (await publish(event)).batchItemFailures;
      });
      expect(failures).toEqual([{ itemIdentifier: '200' }]);
      const failed = logLines(lines).find((e) => e.message === 'publish failed')!;
      expect(failed).toMatchObject({
        level: 'ERROR',
        planId: DEMO_PLAN_ID,
        error: { name: expect.any(String), message: expect.any(String) },
      });
      expect(metricBlobs(lines)[0]![METRIC.publishFailures]).toBe(1);
    } finally {
      process.env.S3_ENDPOINT = saved;
      resetFunctionDependencies();
    }
  });
});
