/** HTTP API / Function URL event (payload v2) → the API → response. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApi, problemResponse, type ApiRequest } from '#shared/api';
import { Problem } from '#shared/problem';
import { getRuntime } from '../runtime.ts';

let api: ReturnType<typeof createApi> | undefined;

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

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const { config, repository } = getRuntime();
  api ??= createApi({
    repository,
    publicBaseUrl: config.publicBaseUrl,
    clockSkewSeconds: config.clockSkewSeconds,
    nonceTtlSeconds: config.nonceTtlSeconds,
  });
  try {
    const response = await api(toApiRequest(event));
    return { statusCode: response.status, headers: response.headers, body: response.body };
  } catch (error) {
    console.error(JSON.stringify({ level: 'ERROR', message: 'unhandled error', error: String(error), stack: (error as Error).stack }));
    const response = problemResponse(new Problem(500, 'internal-error', 'the request could not be processed; nothing was written'), event.rawPath);
    return { statusCode: response.status, headers: response.headers, body: response.body };
  }
};
