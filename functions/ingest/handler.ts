/** HTTP API / Function URL event (payload v2) → the API → response. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type ApiRequest, type ApiResponse, createApi, problemResponse } from '#shared/api/api';
import { type Config, loadConfig } from '#shared/config/config';
import { Problem } from '#shared/domain/problem';
import { cachingSealer, LocalSecretSealer, lazySealer, readMasterKeyFile, type SecretSealer } from '#shared/signing/secret-sealer';
import { DynamoPlanRepository } from '#shared/store/dynamo/repository';
import { type FunctionDependencies, functionDependencies } from '../dependencies.ts';
import { observeApiRequest } from './observability.ts';

/** The API over the current dependencies (rebuilt when tests or the local runtime reset them). */
let api: { dependencies: FunctionDependencies<Config>; handle: ReturnType<typeof createApi> } | undefined;

export function toApiRequest(event: APIGatewayProxyEventV2): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const raw = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: event.rawQueryString ?? '',
    headers,
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
  };
}

/** Throttling and unreachable storage are worth a retry; anything else is our fault. */
export function isTransient(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e?.$retryable) return true;
  if ((e?.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (/Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|ServiceUnavailable|TimeoutError/.test(e?.name ?? '')) return true;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND'].includes(e?.code ?? '');
}

/**
 * Only ingest handles shared secrets, so only ingest builds a sealer; it is loaded at the first
 * hmac-sha256 key, which keeps the KMS SDK out of every other cold start.
 */
export function secretSealerOf(config: Config): SecretSealer | undefined {
  const secrets = config.secrets;
  if (secrets?.kind === 'kms') {
    return cachingSealer(
      lazySealer(async () => (await import('#shared/kms/secret-sealer')).createKmsSecretSealer({ ...config, kmsKeyId: secrets.kmsKeyId })),
    );
  }
  if (secrets?.kind === 'local') return lazySealer(async () => new LocalSecretSealer(readMasterKeyFile(secrets.masterKeyFile)));
  return undefined;
}

function toResult(response: ApiResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

export const handler = async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  const observation = observeApiRequest(event, context);
  try {
    const dependencies = functionDependencies(loadConfig);
    if (api?.dependencies !== dependencies) {
      const { config, dynamo } = dependencies;
      const repository = new DynamoPlanRepository(dynamo, config.tableName);
      api = {
        dependencies,
        handle: createApi({
          repository,
          publicBaseUrl: config.publicBaseUrl,
          originSecret: config.originSecret,
          clockSkewSeconds: config.clockSkewSeconds,
          nonceTtlSeconds: config.nonceTtlSeconds,
          bodyLimitBytes: config.bodyLimitBytes,
          secrets: secretSealerOf(config),
        }),
      };
    }
    return toResult(observation.finish(await api.handle(toApiRequest(event))));
  } catch (error) {
    const problem = isTransient(error)
      ? new Problem(
          503,
          'service-unavailable',
          'the service is busy or its storage cannot be reached; retry shortly with a fresh signature',
          {
            headers: { 'retry-after': '1' },
          },
        )
      : new Problem(500, 'internal-error', 'the request could not be processed; nothing was written');
    return toResult(observation.finish(problemResponse(problem, event.rawPath), error));
  }
};
