/**
 * Configuration read once from the environment, so the same code runs on AWS and against
 * the local emulators. Every missing or malformed variable is named in one error, so a bad
 * deployment is fixed in one go rather than one variable per cold start.
 */

/** What the publish function reads: where the table, the bucket and the site are, and the WebSub hubs. */
export interface PublishConfig {
  region: string;
  tableName: string;
  bucketName: string;
  /** Public base URL of the site (CloudFront or the local server), no trailing slash. */
  publicBaseUrl: string;
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
  /** WebSub hubs the feeds advertise and the publisher pings after a change (WEBSUB_HUBS); empty = off. */
  websubHubs: string[];
}

/** Everything, the API's settings included: the ingest function, operators' commands, the local runtime. */
export interface Config extends PublishConfig {
  /** Allowed distance between a signature's `created` and the server clock, in seconds. */
  clockSkewSeconds: number;
  /** How long a nonce is remembered; must exceed twice the skew window. */
  nonceTtlSeconds: number;
  /** Largest request body the API accepts, in bytes (413 above it). */
  bodyLimitBytes: number;
  /** The secret the front sends with each API request; without it X-Forwarded-Host is ignored. */
  originSecret?: string;
  /**
   * How ingest seals hmac-sha256 keys' shared secrets: a KMS key on AWS (SECRETS_KMS_KEY_ID),
   * or the local runtime's master key file (SECRETS_MASTER_KEY_FILE). Undefined for a function
   * that never handles secrets (publish); ingest then refuses hmac keys with a 500.
   */
  secrets?: { kind: 'kms'; kmsKeyId: string } | { kind: 'local'; masterKeyFile: string };
  kmsEndpoint?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The API's body limit (the model's LIMITS.bodyBytes, which a unit test keeps equal): the most it
 * accepts and its default. Not imported from the model, which would pull zod into the publish bundle.
 */
export const MAX_BODY_LIMIT_BYTES = 64 * 1024;

/** Names of the variables a deployment must set; the others have defaults. */
export const REQUIRED_VARIABLES = ['TABLE_NAME', 'BUCKET_NAME', 'PUBLIC_BASE_URL'] as const;

// DynamoDB table names and S3 bucket names, as AWS defines them: a typo fails here, not at the first write.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// What KMS accepts as a KeyId: a key ARN or alias ARN, a key id, or alias/name.
const KMS_KEY_ID =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|[0-9a-f-]{36}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]+)$/;

type Problems = string[];

const readUrl = (env: NodeJS.ProcessEnv, problems: Problems, name: string, optional: boolean): string | undefined => {
  const value = env[name]?.trim();
  if (!value) return optional ? undefined : '';
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
    problems.push(`${name} must be an absolute http(s) URL, got "${value}"`);
  return value.replace(/(?<!\/)\/+$/, '');
};

const readText = (env: NodeJS.ProcessEnv, problems: Problems, name: string, pattern: RegExp, what: string): string => {
  const value = env[name]?.trim() ?? '';
  if (value && !pattern.test(value)) problems.push(`${name} must be ${what}, got "${value}"`);
  return value;
};

function checked<T>(problems: Problems, config: T): T {
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return config;
}

function publishSettings(env: NodeJS.ProcessEnv, problems: Problems): PublishConfig {
  const missing = REQUIRED_VARIABLES.filter((name) => !env[name]?.trim());
  if (missing.length > 0) problems.push(`Missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const tableName = readText(env, problems, 'TABLE_NAME', TABLE_NAME, 'a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)');
  const bucketName = readText(env, problems, 'BUCKET_NAME', BUCKET_NAME, 'an S3 bucket name (3-63 of a-z 0-9 . -)');
  const publicBaseUrl = readUrl(env, problems, 'PUBLIC_BASE_URL', false)!;
  const dynamodbEndpoint = readUrl(env, problems, 'DYNAMODB_ENDPOINT', true);
  const s3Endpoint = readUrl(env, problems, 'S3_ENDPOINT', true);
  const websubHubs = [
    ...new Set(
      (env.WEBSUB_HUBS ?? '')
        .split(',')
        .map((hub) => hub.trim())
        .filter((hub) => hub !== ''),
    ),
  ];
  for (const hub of websubHubs) {
    if (!URL.canParse(hub) || !/^https?:$/.test(new URL(hub).protocol)) {
      problems.push(`WEBSUB_HUBS must be comma-separated absolute http(s) URLs, got "${hub}"`);
    }
  }
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'eu-west-1',
    tableName,
    bucketName,
    publicBaseUrl,
    dynamodbEndpoint,
    s3Endpoint,
    websubHubs,
  };
}

/** The publish function's configuration: it never reads the API's settings, so it neither checks nor bundles them. */
export function loadPublishConfig(env: NodeJS.ProcessEnv = process.env): PublishConfig {
  const problems: Problems = [];
  return checked(problems, publishSettings(env, problems));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: Problems = [];
  const base = publishSettings(env, problems);
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };

  const clockSkewSeconds = integer('CLOCK_SKEW_SECONDS', 300, 1, 3600);
  const nonceTtlSeconds = integer('NONCE_TTL_SECONDS', 3600, 1, 7 * 24 * 3600);
  const bodyLimitBytes = integer('BODY_LIMIT_BYTES', MAX_BODY_LIMIT_BYTES, 1024, MAX_BODY_LIMIT_BYTES);
  // Long enough that guessing it is hopeless; the value itself is never echoed.
  const originSecret = env.ORIGIN_SECRET?.trim() || undefined;
  if (originSecret !== undefined && originSecret.length < 32) problems.push('ORIGIN_SECRET must be at least 32 characters');
  const kmsKeyId = readText(env, problems, 'SECRETS_KMS_KEY_ID', KMS_KEY_ID, 'a KMS key ARN, key id or alias');
  const masterKeyFile = env.SECRETS_MASTER_KEY_FILE?.trim() ?? '';
  if (kmsKeyId && masterKeyFile) problems.push('SECRETS_KMS_KEY_ID and SECRETS_MASTER_KEY_FILE exclude each other: set one');
  const kmsEndpoint = readUrl(env, problems, 'KMS_ENDPOINT', true);

  return checked(problems, {
    ...base,
    clockSkewSeconds,
    // A nonce must outlive every window in which its signature could still be accepted.
    nonceTtlSeconds: Math.max(nonceTtlSeconds, clockSkewSeconds * 2 + 60),
    bodyLimitBytes,
    originSecret,
    ...(kmsKeyId
      ? { secrets: { kind: 'kms' as const, kmsKeyId } }
      : masterKeyFile
        ? { secrets: { kind: 'local' as const, masterKeyFile } }
        : {}),
    ...(kmsEndpoint ? { kmsEndpoint } : {}),
  });
}
