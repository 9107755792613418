/**
 * Shared secrets of hmac-sha256 keys are stored sealed (issue #12, item 2), against DynamoDB
 * Local and its real stream: what the table and its stream hold, what opens where, an old
 * plaintext record, and the AWS KMS adapter and the ingest function against a KMS stand-in
 * that speaks KMS's protocol (tests/support/kms-server.ts says what it leaves out).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetFunctionDependencies } from '#functions/dependencies';
import { handler as ingest } from '#functions/ingest/handler';
import type { ApiRequest, ApiResponse } from '#shared/api/api';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import type { SealedSecret } from '#shared/domain/model';
import { createKmsSecretSealer } from '#shared/kms/secret-sealer';
import { signRequest } from '#shared/signing/http-signature';
import { ensureMasterKeyFile, LocalSecretSealer } from '#shared/signing/secret-sealer';
import {
  BASE_URL,
  CREDENTIALS,
  createTestEnvironment,
  REGION,
  signedRequest,
  type TestEnvironment,
  type TestKey,
  updatePath,
} from '#tests/support/environment';
import { type FakeKms, startFakeKms } from '#tests/support/kms-server';

let env: TestEnvironment;
let admin: TestKey;
let raw: DynamoDBClient;
let kms: FakeKms;

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  admin = await env.addKey('secrets-admin', 'admin', []);
  raw = new DynamoDBClient({ region: REGION, endpoint: env.dynamodbEndpoint, credentials: CREDENTIALS });
  kms = await startFakeKms();
});
afterAll(async () => {
  raw?.destroy();
  await kms?.stop();
  await env?.destroy();
});

const registration = (keyId: string) => ({
  keyId,
  algorithm: 'hmac-sha256',
  owner: 'Portal',
  role: 'official',
  scopes: [{ planId: DEMO_PLAN_ID }],
});

async function registerHmacKey(api: (request: ApiRequest) => Promise<ApiResponse>, keyId: string): Promise<Buffer> {
  const response = await api(signedRequest(admin, 'POST', '/api/v1/keys', registration(keyId)));
  expect(response.status, response.body).toBe(201);
  return Buffer.from((JSON.parse(response.body) as { sharedSecret: string }).sharedSecret, 'base64');
}

function hmacSignedUpdate(keyId: string, secret: Buffer, observations = 'signed with a shared secret'): ApiRequest {
  const payload = JSON.stringify({ status: 'delayed', observations });
  const headers = signRequest(
    { method: 'POST', url: `${BASE_URL}${updatePath()}`, headers: { 'content-type': 'application/json' }, body: payload },
    { keyId, key: { algorithm: 'hmac-sha256', secret } },
  );
  return {
    method: 'POST',
    path: updatePath(),
    query: '',
    headers: { host: new URL(BASE_URL).host, ...headers },
    body: Buffer.from(payload),
  };
}

/** Every spelling of the secret that could end up in a stored item. */
const spellings = (secret: Buffer) => [secret.toString('base64'), secret.toString('base64url'), secret.toString('hex')];

async function rawKeyItem(keyId: string) {
  const out = await raw.send(
    new GetItemCommand({ TableName: env.tableName, Key: { PK: { S: `KEY#${keyId}` }, SK: { S: 'KEY' } }, ConsistentRead: true }),
  );
  return out.Item!;
}

async function streamImagesOf(pk: string): Promise<string[]> {
  const described = await env.streams.send(new DescribeStreamCommand({ StreamArn: env.streamArn }));
  const images: string[] = [];
  for (const shard of described.StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await env.streams.send(
      new GetShardIteratorCommand({ StreamArn: env.streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await env.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records ?? []) if (record.dynamodb?.Keys?.PK?.S === pk) images.push(JSON.stringify(record.dynamodb));
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return images;
}

function sealedOf(item: Awaited<ReturnType<typeof rawKeyItem>>): SealedSecret {
  const map = item.sealedSecret!.M!;
  return { scheme: map.scheme!.S as SealedSecret['scheme'], ciphertext: map.ciphertext!.S! };
}

describe('a registered hmac-sha256 key', () => {
  let secret: Buffer;

  it('is stored with its secret sealed: neither the raw item nor its stream record holds the secret', async () => {
    secret = await registerHmacKey(env.api, 'portal');
    const item = await rawKeyItem('portal');
    expect(item.sharedSecret).toBeUndefined();
    expect(item.sealedSecret?.M?.scheme).toEqual({ S: 'local-aes-256-gcm' });
    const stored = JSON.stringify(item);
    for (const spelling of spellings(secret)) expect(stored).not.toContain(spelling);

    // The admin API shows neither form of the secret.
    for (const path of ['/api/v1/keys/portal', '/api/v1/keys']) {
      const shown = await env.api(signedRequest(admin, 'GET', path));
      expect(shown.status).toBe(200);
      expect(shown.body).not.toMatch(/sealedSecret|sharedSecret/);
    }

    // The publish function reads the stream: what it could see of this key.
    const images = await streamImagesOf('KEY#portal');
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      expect(image).toContain('sealedSecret');
      for (const spelling of spellings(secret)) expect(image).not.toContain(spelling);
    }
  });

  it('opens only for its own keyId, and the key signs updates', async () => {
    const sealed = sealedOf(await rawKeyItem('portal'));
    expect(await env.secrets.open('portal', sealed)).toEqual(secret);
    expect(await env.secrets.open('portal-2', sealed)).toBeUndefined();
    // Another master key (another deployment's data) does not open it either.
    expect(await new LocalSecretSealer(Buffer.alloc(32, 7)).open('portal', sealed)).toBeUndefined();
    const response = await env.api(hmacSignedUpdate('portal', secret));
    expect(response.status, response.body).toBe(201);
  });

  it('cannot lend its sealed secret to another key record: moved there, it verifies nothing (401, as a wrong key)', async () => {
    await registerHmacKey(env.api, 'portal-b');
    // Someone able to write the table copies portal's ciphertext into portal-b's record.
    const target = await rawKeyItem('portal-b');
    target.sealedSecret = (await rawKeyItem('portal')).sealedSecret!;
    await raw.send(new PutItemCommand({ TableName: env.tableName, Item: target }));

    const before = await env.tableSnapshot();
    const moved = await env.api(hmacSignedUpdate('portal-b', secret));
    const unknown = await env.api(hmacSignedUpdate('nobody', secret));
    expect(moved.status, moved.body).toBe(401);
    expect(JSON.parse(moved.body).detail).toBe(JSON.parse(unknown.body).detail);
    expect(await env.tableSnapshot()).toBe(before);
  });
});

describe('a key record with a plaintext secret (written before secrets were sealed)', () => {
  const legacySecret = Buffer.alloc(32, 42);

  beforeAll(async () => {
    await raw.send(
      new PutItemCommand({
        TableName: env.tableName,
        Item: {
          PK: { S: 'KEY#legacy-portal' },
          SK: { S: 'KEY' },
          kind: { S: 'key' },
          keyId: { S: 'legacy-portal' },
          algorithm: { S: 'hmac-sha256' },
          sharedSecret: { S: legacySecret.toString('base64') },
          owner: { S: 'Old portal' },
          role: { S: 'official' },
          scopes: { L: [{ M: { planId: { S: DEMO_PLAN_ID } } }] },
          active: { BOOL: true },
          createdAt: { S: '2024-01-01T00:00:00.000Z' },
        },
      }),
    );
  });

  it('is refused with 403 key-secret-exposed once the signature verifies, telling its holder to get a new key; nothing written', async () => {
    const before = await env.tableSnapshot();
    const response = await env.api(hmacSignedUpdate('legacy-portal', legacySecret));
    expect(response.status, response.body).toBe(403);
    const problem = JSON.parse(response.body) as { type: string; detail: string };
    expect(problem.type).toMatch(/key-secret-exposed$/);
    expect(problem.detail).toMatch(/stored unencrypted.*register a new key/);
    expect(await env.tableSnapshot()).toBe(before);
  });

  it('tells nothing to someone without the secret: 401, as for an unknown key', async () => {
    const response = await env.api(hmacSignedUpdate('legacy-portal', Buffer.alloc(32, 1)));
    expect(response.status).toBe(401);
  });

  it('never shows the secret in the admin API, and no write path stores a plaintext secret', async () => {
    const shown = await env.api(signedRequest(admin, 'GET', '/api/v1/keys/legacy-portal'));
    expect(shown.status).toBe(200);
    expect(shown.body).not.toContain(legacySecret.toString('base64'));
    const key = { ...(await env.repository.getKey('legacy-portal'))!, keyId: 'copy' };
    await expect(env.repository.putKey(key)).rejects.toThrow(/plaintext shared secret/);
    await expect(env.repository.createKey(key)).rejects.toThrow(/plaintext shared secret/);
    expect(await env.repository.getKey('copy')).toBeUndefined();
  });
});

describe('the AWS KMS sealer', () => {
  const secret = Buffer.alloc(32, 9);

  it('encrypts under the configured key with the encryption context {keyId}, and opens only with the same context and key', async () => {
    const sealer = await createKmsSecretSealer({ region: REGION, kmsEndpoint: kms.endpoint, kmsKeyId: kms.keyArn });
    try {
      const from = kms.calls.length;
      const sealed = await sealer.seal('kms-portal', secret);
      expect(sealed.scheme).toBe('aws-kms');
      for (const spelling of spellings(secret)) expect(sealed.ciphertext).not.toContain(spelling);
      expect(await sealer.open('kms-portal', sealed)).toEqual(secret);
      expect(await sealer.open('kms-other', sealed)).toBeUndefined();
      expect(kms.calls.slice(from)).toEqual([
        { operation: 'Encrypt', keyId: kms.keyArn, encryptionContext: { keyId: 'kms-portal' }, outcome: 'ok' },
        { operation: 'Decrypt', keyId: kms.keyArn, encryptionContext: { keyId: 'kms-portal' }, outcome: 'ok' },
        { operation: 'Decrypt', keyId: kms.keyArn, encryptionContext: { keyId: 'kms-other' }, outcome: 'InvalidCiphertextException' },
      ]);
      // A locally sealed secret is not KMS's and is not sent there.
      expect(await sealer.open('kms-portal', await new LocalSecretSealer(Buffer.alloc(32, 3)).seal('kms-portal', secret))).toBeUndefined();
    } finally {
      sealer.client.destroy();
    }
  });

  it('refuses a ciphertext made under another KMS key, and tells an outage apart from a wrong ciphertext', async () => {
    const ours = await createKmsSecretSealer({ region: REGION, kmsEndpoint: kms.endpoint, kmsKeyId: kms.keyArn });
    const other = await createKmsSecretSealer({
      region: REGION,
      kmsEndpoint: kms.endpoint,
      kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    });
    const unreachable = await createKmsSecretSealer({ region: REGION, kmsEndpoint: 'http://127.0.0.1:9', kmsKeyId: kms.keyArn });
    try {
      const sealed = await ours.seal('kms-portal', secret);
      expect(await other.open('kms-portal', sealed)).toBeUndefined();
      expect(kms.calls.at(-1)!.outcome).toBe('IncorrectKeyException');
      await expect(unreachable.open('kms-portal', sealed)).rejects.toThrow();
    } finally {
      for (const sealer of [ours, other, unreachable]) sealer.client.destroy();
    }
  });
});

describe('the ingest function on AWS settings (SECRETS_KMS_KEY_ID)', () => {
  const saved = { ...process.env };

  beforeAll(() => {
    Object.assign(process.env, env.env, { SECRETS_KMS_KEY_ID: kms.keyArn, KMS_ENDPOINT: kms.endpoint, POWERTOOLS_LOG_LEVEL: 'SILENT' });
    delete process.env.SECRETS_MASTER_KEY_FILE;
    resetFunctionDependencies();
  });
  afterAll(() => {
    process.env = saved;
    resetFunctionDependencies();
  });

  async function invoke(request: ApiRequest): Promise<ApiResponse> {
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: request.path,
      rawQueryString: request.query,
      headers: request.headers as Record<string, string>,
      requestContext: { http: { method: request.method, path: request.path }, requestId: 'secrets-test' },
      body: request.body.toString('base64'),
      isBase64Encoded: true,
    } as unknown as APIGatewayProxyEventV2;
    const result = (await ingest(event)) as APIGatewayProxyStructuredResultV2;
    return { status: result.statusCode!, headers: result.headers as Record<string, string>, body: String(result.body) };
  }

  it('seals with KMS, stores only the ciphertext, and asks KMS once per key while warm', async () => {
    const from = kms.calls.length;
    const secret = await registerHmacKey(invoke, 'kms-ingest');
    const item = await rawKeyItem('kms-ingest');
    expect(item.sealedSecret?.M?.scheme).toEqual({ S: 'aws-kms' });
    for (const spelling of spellings(secret)) expect(JSON.stringify(item)).not.toContain(spelling);

    expect((await invoke(hmacSignedUpdate('kms-ingest', secret, 'first'))).status).toBe(201);
    expect((await invoke(hmacSignedUpdate('kms-ingest', secret, 'second'))).status).toBe(201);
    expect(kms.calls.slice(from)).toEqual([
      { operation: 'Encrypt', keyId: kms.keyArn, encryptionContext: { keyId: 'kms-ingest' }, outcome: 'ok' },
      { operation: 'Decrypt', keyId: kms.keyArn, encryptionContext: { keyId: 'kms-ingest' }, outcome: 'ok' },
    ]);
  });

  it('seals with the master key file instead on the local runtime (SECRETS_MASTER_KEY_FILE), and refuses hmac keys when given neither', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mandat-secrets-'));
    const masterKeyFile = join(dir, 'secrets', 'master.key');
    ensureMasterKeyFile(masterKeyFile);
    delete process.env.SECRETS_KMS_KEY_ID;
    process.env.SECRETS_MASTER_KEY_FILE = masterKeyFile;
    resetFunctionDependencies();
    try {
      const from = kms.calls.length;
      const secret = await registerHmacKey(invoke, 'local-ingest');
      expect((await rawKeyItem('local-ingest')).sealedSecret?.M?.scheme).toEqual({ S: 'local-aes-256-gcm' });
      expect((await invoke(hmacSignedUpdate('local-ingest', secret))).status).toBe(201);
      expect(kms.calls.length).toBe(from);

      // A deployment that forgot the setting: our error (500), nothing written, ed25519 keys unaffected.
      delete process.env.SECRETS_MASTER_KEY_FILE;
      resetFunctionDependencies();
      const before = await env.tableSnapshot();
      expect((await invoke(signedRequest(admin, 'POST', '/api/v1/keys', registration('no-sealer')))).status).toBe(500);
      expect((await invoke(hmacSignedUpdate('local-ingest', secret))).status).toBe(500);
      expect(await env.tableSnapshot()).toBe(before);
      expect((await invoke(signedRequest(admin, 'GET', '/api/v1/keys/local-ingest'))).status).toBe(200);
    } finally {
      process.env.SECRETS_KMS_KEY_ID = kms.keyArn;
      delete process.env.SECRETS_MASTER_KEY_FILE;
      resetFunctionDependencies();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 503 when KMS cannot be reached, without writing anything', async () => {
    process.env.KMS_ENDPOINT = 'http://127.0.0.1:9';
    resetFunctionDependencies();
    try {
      const before = await env.tableSnapshot();
      const response = await invoke(signedRequest(admin, 'POST', '/api/v1/keys', registration('kms-down')));
      expect(response.status, response.body).toBe(503);
      expect(await env.tableSnapshot()).toBe(before);
    } finally {
      process.env.KMS_ENDPOINT = kms.endpoint;
      resetFunctionDependencies();
    }
  });
});
