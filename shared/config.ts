/**
 * Configuration read once from the environment, so the same code runs on AWS and against
 * the local emulators. A missing variable is named in the error.
 */
export interface Config {
  region: string;
  tableName: string;
  bucketName: string;
  /** Public base URL of the site (CloudFront or the local server), no trailing slash. */
  publicBaseUrl: string;
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
  /** Allowed distance between a signature's `created` and the server clock, in seconds. */
  clockSkewSeconds: number;
  /** How long a nonce is remembered; must exceed twice the skew window. */
  nonceTtlSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`Missing environment variable ${name}`);
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const clockSkewSeconds = integer(env, 'CLOCK_SKEW_SECONDS', 300);
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'eu-west-1',
    tableName: required(env, 'TABLE_NAME'),
    bucketName: required(env, 'BUCKET_NAME'),
    publicBaseUrl: required(env, 'PUBLIC_BASE_URL').replace(/\/+$/, ''),
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    s3Endpoint: env.S3_ENDPOINT || undefined,
    clockSkewSeconds,
    nonceTtlSeconds: Math.max(integer(env, 'NONCE_TTL_SECONDS', 3600), clockSkewSeconds * 2 + 60),
  };
}
