/**
 * A fresh table and bucket on the shared emulators for one test file, plus the real
 * repository, artifact store and API wired to them.
 */

import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect, inject } from 'vitest';
import { type ApiRequest, type ApiResponse, createApi } from '#shared/api/api';
import { defineCommitment, definePlan } from '#shared/api/definitions';
import { EMULATOR_CREDENTIALS } from '#shared/aws/client-options';
import { DEMO_COMMITMENT, DEMO_COMMITMENT_ID, DEMO_PLAN, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import type { Role, Scope } from '#shared/domain/model';
import { signRequest } from '#shared/signing/http-signature';
import { LocalSecretSealer, MASTER_KEY_BYTES } from '#shared/signing/secret-sealer';
import { createDynamoClient } from '#shared/store/dynamo/client';
import { DynamoSequencingRepository } from '#shared/store/dynamo/sequencing';
import { S3ArtifactStore } from '#shared/store/s3/artifact-store';
import { createS3Client } from '#shared/store/s3/client';
import { ensureBucket, ensureTable } from '../../infra/local/setup.ts';

export const REGION = 'eu-west-1';
export const CREDENTIALS = EMULATOR_CREDENTIALS;
export const BASE_URL = 'https://mandat.example.org';

export interface TestKey {
  keyId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

export interface TestEnvironment {
  tableName: string;
  bucketName: string;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  streamArn: string;
  repository: DynamoSequencingRepository;
  store: S3ArtifactStore;
  s3: S3Client;
  streams: DynamoDBStreamsClient;
  api: (request: ApiRequest) => Promise<ApiResponse>;
  /** What `api` seals hmac keys' secrets with: the local sealer under a master key of this environment's own. */
  secrets: LocalSecretSealer;
  /** Environment variables for the handlers (functionDependencies) and child processes. */
  env: Record<string, string>;
  addKey(keyId: string, role: Role, scopes: Scope[]): Promise<TestKey>;
  seedDemo(): Promise<void>;
  /** Every item in the table, sorted: to prove a rejected request wrote nothing. */
  tableSnapshot(): Promise<string>;
  getObject(key: string): Promise<{ body: string; contentType?: string; etag?: string } | undefined>;
  listObjects(prefix?: string): Promise<string[]>;
  destroy(): Promise<void>;
}

export async function createTestEnvironment(options: { now?: () => Date } = {}): Promise<TestEnvironment> {
  const dynamodbEndpoint = inject('dynamodbEndpoint');
  const s3Endpoint = inject('s3Endpoint');
  const suffix = randomBytes(4).toString('hex');
  const tableName = `test-${suffix}`;
  const bucketName = `test-${suffix}`;
  const raw = new DynamoDBClient({ region: REGION, endpoint: dynamodbEndpoint, credentials: CREDENTIALS });
  const streamArn = await ensureTable(raw, tableName);
  const s3 = createS3Client({ region: REGION, s3Endpoint });
  await ensureBucket(s3, bucketName);
  const doc = createDynamoClient({ region: REGION, dynamodbEndpoint });
  const repository = new DynamoSequencingRepository(doc, tableName);
  const store = new S3ArtifactStore(s3, bucketName);
  const streams = new DynamoDBStreamsClient({ region: REGION, endpoint: dynamodbEndpoint, credentials: CREDENTIALS });
  const secrets = new LocalSecretSealer(randomBytes(MASTER_KEY_BYTES));
  const api = createApi({ repository, publicBaseUrl: BASE_URL, clockSkewSeconds: 300, nonceTtlSeconds: 3600, now: options.now, secrets });

  return {
    tableName,
    bucketName,
    dynamodbEndpoint,
    s3Endpoint,
    streamArn,
    repository,
    store,
    s3,
    streams,
    api,
    secrets,
    env: {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      TABLE_NAME: tableName,
      BUCKET_NAME: bucketName,
      PUBLIC_BASE_URL: BASE_URL,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      S3_ENDPOINT: s3Endpoint,
    },
    async addKey(keyId, role, scopes) {
      const pair = generateKeyPairSync('ed25519');
      const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await repository.putKey({
        keyId,
        algorithm: 'ed25519',
        publicKeyPem,
        owner: `test ${keyId}`,
        role,
        scopes,
        active: true,
        createdAt: new Date().toISOString(),
      });
      return { keyId, privateKey: pair.privateKey, publicKeyPem };
    },
    async seedDemo() {
      const now = new Date();
      await definePlan(repository, DEMO_PLAN_ID, DEMO_PLAN, { now });
      await defineCommitment(repository, DEMO_PLAN_ID, DEMO_COMMITMENT_ID, DEMO_COMMITMENT, { now });
    },
    async tableSnapshot() {
      const out = await doc.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
      return JSON.stringify((out.Items ?? []).map((i) => JSON.stringify(i, Object.keys(i).sort())).sort());
    },
    async getObject(key) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
        return { body: await out.Body!.transformToString('utf8'), contentType: out.ContentType, etag: out.ETag };
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async listObjects(prefix = '') {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: bucketName, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(out.Contents ?? []).map((o) => o.Key!));
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async destroy() {
      await raw.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
      raw.destroy();
      doc.destroy();
      s3.destroy();
      streams.destroy();
    },
  };
}

/** A signed API request as an official's client would send it (our signer). */
export function signedRequest(
  key: TestKey,
  method: string,
  path: string,
  body?: unknown,
  options: {
    headers?: Record<string, string>;
    rawBody?: string;
    created?: number;
    nonce?: string;
    baseUrl?: string;
    /** Components to cover instead of the signer's default set. */
    components?: string[];
  } = {},
): ApiRequest {
  const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const url = `${options.baseUrl ?? BASE_URL}${path}`;
  const headers = signRequest(
    {
      method,
      url,
      headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...(options.headers ?? {}) },
      body: payload,
    },
    { keyId: key.keyId, privateKey: key.privateKey, created: options.created, nonce: options.nonce, components: options.components },
  );
  const parsed = new URL(url);
  return {
    method,
    path: parsed.pathname,
    query: parsed.search.slice(1),
    headers: { host: parsed.host, ...headers },
    body: Buffer.from(payload ?? '', 'utf8'),
  };
}

export const updatePath = (planId = DEMO_PLAN_ID, commitmentId = DEMO_COMMITMENT_ID) =>
  `/api/v1/plans/${planId}/commitments/${commitmentId}/updates`;

export const updatePathOf = (planId: string, commitmentId: string) => `/api/v1/plans/${planId}/commitments/${commitmentId}/updates`;

/** Posts a signed status update through the API function and expects it accepted (201). */
export async function postUpdate(
  env: Pick<TestEnvironment, 'api'>,
  key: TestKey,
  planId: string,
  commitmentId: string,
  body: Record<string, unknown>,
): Promise<{ updateId: string; revision: number }> {
  const response = await env.api(signedRequest(key, 'POST', updatePathOf(planId, commitmentId), body));
  expect(response.status, response.body).toBe(201);
  return JSON.parse(response.body) as { updateId: string; revision: number };
}
