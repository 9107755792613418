/**
 * The operator commands (republish, verify, replay-dead-letters) talk to DynamoDB and S3
 * directly with the operator's own credentials, configured as the functions are: TABLE_NAME,
 * BUCKET_NAME, PUBLIC_BASE_URL (and DYNAMODB_ENDPOINT, S3_ENDPOINT for emulators). Without
 * them they find a running `npm start` through `$DATA_DIR/runtime.json` (default `.data`).
 */
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Config, ConfigError, loadConfig } from '#shared/config/config';
import { RUNTIME_FILE, readRuntimeFile } from '#shared/config/runtime-file';
import { leaseOptionsFromEnv, PublishCoordinator, type PublishRound } from '#shared/publish/coordinator';
import { publishPlan } from '#shared/publish/publish';
import { createDynamoClient } from '#shared/store/dynamo/client';
import { DynamoSequencingRepository } from '#shared/store/dynamo/sequencing';
import { everyPlanId } from '#shared/store/plans';
import { S3ArtifactStore } from '#shared/store/s3/artifact-store';
import { createS3Client } from '#shared/store/s3/client';
import { CliError, EXIT } from './output.ts';

export const OPERATOR_OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const OPERATOR_HELP = `Configuration: TABLE_NAME, BUCKET_NAME, PUBLIC_BASE_URL (and DYNAMODB_ENDPOINT, S3_ENDPOINT
for emulators) with the operator's AWS credentials; without TABLE_NAME, the local runtime
started by "npm start" is found through DATA_DIR/runtime.json (DATA_DIR defaults to .data).

  --data-dir DIR   the local runtime's data directory (default $DATA_DIR or .data)
  --json           machine-readable output`;

/** The environment the operator commands run with; `--data-dir` prefers the local runtime. */
export function operatorEnvironment(dataDirOption?: string): NodeJS.ProcessEnv {
  if (dataDirOption === undefined && process.env.TABLE_NAME) return process.env;
  const dataDir = dataDirOption ?? process.env.DATA_DIR ?? '.data';
  const runtime = readRuntimeFile(dataDir);
  if (!runtime) {
    throw new CliError(
      `TABLE_NAME is not set and no local runtime is running (no ${join(dataDir, RUNTIME_FILE)}).\n` +
        'Set TABLE_NAME, BUCKET_NAME and PUBLIC_BASE_URL, or start the local runtime with "npm start".',
      EXIT.usage,
    );
  }
  return { ...process.env, ...runtime.env, DATA_DIR: dataDir };
}

export interface OperatorSession {
  config: Config;
  env: NodeJS.ProcessEnv;
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  repository: DynamoSequencingRepository;
  store: S3ArtifactStore;
  coordinator: PublishCoordinator;
  /** publishPlan bound to this runtime: the step the coordinator runs (the plan's files, then the site's root). */
  publish: (planId: string, context: PublishRound) => ReturnType<typeof publishPlan>;
  close(): void;
}

export function openOperatorSession(dataDirOption?: string): OperatorSession {
  const env = operatorEnvironment(dataDirOption);
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  const dynamo = createDynamoClient(config);
  const s3 = createS3Client(config);
  const repository = new DynamoSequencingRepository(dynamo, config.tableName);
  const store = new S3ArtifactStore(s3, config.bucketName);
  return {
    config,
    env,
    dynamo,
    s3,
    repository,
    store,
    coordinator: new PublishCoordinator({ repository, store, ...leaseOptionsFromEnv(env) }),
    // A forced round is full: it always checks the site's root, and records what it confirmed.
    publish: (planId, context) =>
      publishPlan(planId, {
        repository,
        store: context.store,
        baseUrl: config.publicBaseUrl,
        hubs: config.websubHubs,
        site: { round: context, store },
      }),
    close() {
      dynamo.destroy();
      s3.destroy();
    },
  };
}

/** A storage error as an operator can act on it. */
export function storageFailure(error: unknown, runtime: Pick<OperatorSession, 'config'>): CliError {
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  const { dynamodbEndpoint, s3Endpoint } = runtime.config;
  if (code === 'ECONNREFUSED') {
    return new CliError(
      `cannot reach ${[dynamodbEndpoint, s3Endpoint].filter(Boolean).join(' or ') || 'AWS'} (${code}): is the local runtime running?`,
      EXIT.failure,
    );
  }
  return new CliError(`${(error as Error).name}: ${(error as Error).message}`, EXIT.failure);
}

export async function planIdsToProcess(
  runtime: OperatorSession,
  values: { plan?: string[]; all?: boolean },
  help: string,
): Promise<string[]> {
  if (values.plan?.length && values.all) throw new CliError(`give either --plan or --all, not both\n\n${help}`, EXIT.usage);
  if (values.plan?.length) return values.plan;
  if (!values.all) throw new CliError(`--plan ID or --all is required\n\n${help}`, EXIT.usage);
  // Plans written before the plans registry existed get their entry first, or --all would miss them.
  await runtime.repository.fillRegistry();
  return everyPlanId(runtime.repository);
}
