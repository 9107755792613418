/** Configuration: read once, validated, and every bad variable named in one error. */
import { describe, expect, it } from 'vitest';
import { createApi } from '#shared/api/api';
import { ConfigError, loadConfig, loadPublishConfig, MAX_BODY_LIMIT_BYTES } from '#shared/config/config';
import { LIMITS } from '#shared/domain/model';
import type { PlanRepository } from '#shared/store/ports';

const minimal = { TABLE_NAME: 'mandat-obert', BUCKET_NAME: 'mandat-obert-feeds', PUBLIC_BASE_URL: 'https://mandat.example.org/' };

function failure(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted a bad configuration');
}

describe('loadConfig', () => {
  it('reads the required variables and defaults the rest', () => {
    expect(loadConfig(minimal)).toEqual({
      region: 'eu-west-1',
      tableName: 'mandat-obert',
      bucketName: 'mandat-obert-feeds',
      publicBaseUrl: 'https://mandat.example.org',
      dynamodbEndpoint: undefined,
      s3Endpoint: undefined,
      clockSkewSeconds: 300,
      nonceTtlSeconds: 3600,
      bodyLimitBytes: 64 * 1024,
      websubHubs: [],
    });
  });

  it('reads WEBSUB_HUBS as comma-separated hub URLs (empty = off) and refuses anything else', () => {
    expect(loadConfig({ ...minimal, WEBSUB_HUBS: '' }).websubHubs).toEqual([]);
    expect(loadConfig({ ...minimal, WEBSUB_HUBS: ' https://pubsubhubbub.appspot.com/ , https://hub.example.org/h,' }).websubHubs).toEqual([
      'https://pubsubhubbub.appspot.com/',
      'https://hub.example.org/h',
    ]);
    expect(() => loadConfig({ ...minimal, WEBSUB_HUBS: 'https://ok.example/, ftp://hub.example/' })).toThrow(
      /WEBSUB_HUBS must be comma-separated absolute http\(s\) URLs, got "ftp:\/\/hub.example\/"/,
    );
  });

  it('reads every optional setting', () => {
    const config = loadConfig({
      ...minimal,
      AWS_REGION: 'eu-south-2',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      S3_ENDPOINT: 'http://127.0.0.1:4569/',
      CLOCK_SKEW_SECONDS: '60',
      NONCE_TTL_SECONDS: '7200',
      BODY_LIMIT_BYTES: '16384',
    });
    expect(config).toMatchObject({
      region: 'eu-south-2',
      dynamodbEndpoint: 'http://127.0.0.1:8000',
      s3Endpoint: 'http://127.0.0.1:4569',
      clockSkewSeconds: 60,
      nonceTtlSeconds: 7200,
      bodyLimitBytes: 16384,
    });
  });

  it('names the missing variable', () => {
    expect(failure({ ...minimal, BUCKET_NAME: undefined })).toBe('Invalid configuration: Missing environment variable BUCKET_NAME');
    expect(failure({ ...minimal, TABLE_NAME: '  ' })).toMatch(/Missing environment variable TABLE_NAME$/);
  });

  it('names every bad variable at once', () => {
    const message = failure({ PUBLIC_BASE_URL: 'mandat.example.org', CLOCK_SKEW_SECONDS: 'five', BODY_LIMIT_BYTES: '1000000' });
    expect(message).toContain('Missing environment variables TABLE_NAME, BUCKET_NAME');
    expect(message).toContain('PUBLIC_BASE_URL must be an absolute http(s) URL, got "mandat.example.org"');
    expect(message).toContain('CLOCK_SKEW_SECONDS must be a whole number from 1 to 3600, got "five"');
    expect(message).toContain(`BODY_LIMIT_BYTES must be a whole number from 1024 to ${MAX_BODY_LIMIT_BYTES}, got "1000000"`);
  });

  it('refuses names AWS would refuse, before the first write does', () => {
    expect(failure({ ...minimal, BUCKET_NAME: 'Mandat_Feeds' })).toContain('BUCKET_NAME must be an S3 bucket name');
    expect(failure({ ...minimal, TABLE_NAME: 'a b' })).toContain('TABLE_NAME must be a DynamoDB table name');
    expect(failure({ ...minimal, S3_ENDPOINT: 'localhost:4569' })).toContain('S3_ENDPOINT must be an absolute http(s) URL');
  });

  it('reads the origin secret the front sends, refuses a guessable one, and never repeats its value', () => {
    const secret = 'A'.repeat(48);
    expect(loadConfig({ ...minimal, ORIGIN_SECRET: secret }).originSecret).toBe(secret);
    expect(loadConfig(minimal).originSecret).toBeUndefined();
    const message = failure({ ...minimal, ORIGIN_SECRET: 'short-secret' });
    expect(message).toContain('ORIGIN_SECRET must be at least 32 characters');
    expect(message).not.toContain('short-secret');
  });

  it('says how shared secrets are sealed: a KMS key on AWS or a master key file locally, never both', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    expect(loadConfig({ ...minimal, SECRETS_KMS_KEY_ID: keyArn, KMS_ENDPOINT: 'http://127.0.0.1:4000' })).toMatchObject({
      secrets: { kind: 'kms', kmsKeyId: keyArn },
      kmsEndpoint: 'http://127.0.0.1:4000',
    });
    expect(loadConfig({ ...minimal, SECRETS_MASTER_KEY_FILE: '.data/secrets/master.key' }).secrets).toEqual({
      kind: 'local',
      masterKeyFile: '.data/secrets/master.key',
    });
    expect(loadConfig(minimal).secrets).toBeUndefined();
    expect(failure({ ...minimal, SECRETS_KMS_KEY_ID: keyArn, SECRETS_MASTER_KEY_FILE: 'master.key' })).toContain('exclude each other');
    expect(failure({ ...minimal, SECRETS_KMS_KEY_ID: 'my key' })).toContain('SECRETS_KMS_KEY_ID must be a KMS key ARN, key id or alias');
  });

  it('keeps every nonce for longer than a signature can be accepted', () => {
    expect(loadConfig({ ...minimal, CLOCK_SKEW_SECONDS: '3000', NONCE_TTL_SECONDS: '60' }).nonceTtlSeconds).toBe(6060);
  });

  it('has the API body limit as its largest body limit', () => {
    expect(MAX_BODY_LIMIT_BYTES).toBe(LIMITS.bodyBytes);
  });
});

describe('the configured body limit', () => {
  it('is applied by the API before anything else (413, no storage touched)', async () => {
    const untouchable = new Proxy({} as PlanRepository, {
      get: () => {
        throw new Error('an oversized request must not reach the storage');
      },
    });
    const api = createApi({
      repository: untouchable,
      publicBaseUrl: 'https://mandat.example.org',
      clockSkewSeconds: 300,
      nonceTtlSeconds: 3600,
      bodyLimitBytes: 2048,
    });
    const response = await api({
      method: 'POST',
      path: '/api/v1/plans/p/commitments/c/updates',
      query: '',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(2049, 0x20),
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ status: 413, detail: 'the body is 2049 bytes; the limit is 2048' });
  });
});

describe('loadPublishConfig (the publish function)', () => {
  it('reads what publishing needs, checked as for ingest, and nothing of the API', () => {
    const env = { ...minimal, S3_ENDPOINT: 'http://127.0.0.1:4569/', WEBSUB_HUBS: 'https://hub.example.org/h' };
    const { region, tableName, bucketName, publicBaseUrl, dynamodbEndpoint, s3Endpoint, websubHubs } = loadConfig(env);
    expect(loadPublishConfig(env)).toEqual({ region, tableName, bucketName, publicBaseUrl, dynamodbEndpoint, s3Endpoint, websubHubs });
    expect(() => loadPublishConfig({ BUCKET_NAME: 'Bad_Bucket', PUBLIC_BASE_URL: 'ftp://x' })).toThrow(
      'Invalid configuration: Missing environment variable TABLE_NAME; BUCKET_NAME must be an S3 bucket name (3-63 of a-z 0-9 . -), got "Bad_Bucket"; PUBLIC_BASE_URL must be an absolute http(s) URL, got "ftp://x"',
    );
  });

  it('is not stopped by a setting only the API reads', () => {
    const env = { ...minimal, CLOCK_SKEW_SECONDS: 'soon', ORIGIN_SECRET: 'short' };
    expect(() => loadConfig(env)).toThrow(/CLOCK_SKEW_SECONDS must be a whole number.*ORIGIN_SECRET must be at least 32 characters/);
    expect(loadPublishConfig(env).tableName).toBe('mandat-obert');
  });
});
