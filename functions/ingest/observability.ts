/** What the ingest function logs and measures of each API request (the shared part is one folder up). */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { parseDictionary } from 'structured-headers';
import type { ApiResponse } from '#shared/api/api';
import { matchOperation } from '#shared/api/operations';
import { PROBLEM_CONTENT_TYPE } from '#shared/domain/problem';
import { identifier, loggerFor, METRIC, metricsFor } from '../observability.ts';

/** The `keyid` the request claims to be signed with (verified or not: the status says which). */
export function claimedKeyId(signatureInput: string | undefined): string | undefined {
  if (!signatureInput || signatureInput.length > 4096) return undefined;
  try {
    const members = [...parseDictionary(signatureInput).values()];
    if (members.length !== 1) return undefined;
    const keyId = members[0]![1].get('keyid');
    return typeof keyId === 'string' ? identifier(keyId) : undefined;
  } catch {
    return undefined;
  }
}

/** The slug of a problem's `type` URI, e.g. "invalid-signature". */
function problemSlug(response: ApiResponse): string | undefined {
  if (!response.headers['content-type']?.startsWith(PROBLEM_CONTENT_TYPE)) return undefined;
  try {
    const type = (JSON.parse(response.body) as { type?: unknown }).type;
    return typeof type === 'string' ? identifier(type.slice(type.lastIndexOf('/') + 1)) : undefined;
  } catch {
    return undefined;
  }
}

/** The ids an accepted update answers with; nothing else of the body is read. */
function acceptedUpdate(response: ApiResponse): { updateId?: string; revision?: number } {
  try {
    const { updateId, revision } = JSON.parse(response.body) as Record<string, unknown>;
    return {
      updateId: typeof updateId === 'string' ? identifier(updateId) : undefined,
      revision: typeof revision === 'number' ? revision : undefined,
    };
  } catch {
    return {};
  }
}

export type Outcome = 'accepted' | 'rejected' | 'failed';

export interface RequestObservation {
  /** Logs the request's outcome and emits its metrics; returns the response unchanged. */
  finish(response: ApiResponse, error?: unknown): ApiResponse;
}

/**
 * Starts observing one API request. Call `finish` with the response the client gets (and the
 * error, for a 5xx built from one).
 */
export function observeApiRequest(event: APIGatewayProxyEventV2, context?: Context): RequestObservation {
  const started = performance.now();
  const logger = loggerFor('ingest');
  if (context) logger.addContext(context);
  const method = event.requestContext?.http?.method ?? 'UNKNOWN';
  const path = event.rawPath ?? '';
  const operation = matchOperation(method, path);
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const bodyBytes = event.body
    ? event.isBase64Encoded
      ? Buffer.byteLength(event.body, 'base64')
      : Buffer.byteLength(event.body, 'utf8')
    : 0;

  return {
    finish(response, error) {
      const status = response.status;
      const outcome: Outcome = status >= 500 ? 'failed' : status >= 400 ? 'rejected' : 'accepted';
      const problemType = problemSlug(response);
      const isUpdate = operation?.operationId === 'postUpdate';
      const fields = {
        requestId: event.requestContext?.requestId,
        method,
        route: operation?.route,
        operationId: operation?.operationId,
        // An unknown path is logged (shortened) so probes are visible; a known one by its template.
        path: operation ? undefined : path.slice(0, 200),
        planId: identifier(operation?.params.planId),
        commitmentId: identifier(operation?.params.commitmentId),
        keyId: claimedKeyId(headers['signature-input']),
        status,
        outcome,
        problemType,
        ...(isUpdate && status === 201 ? acceptedUpdate(response) : {}),
        bodyBytes,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      if (outcome === 'failed') logger.error('request failed', { ...fields, error });
      else if (outcome === 'rejected') logger.warn('request rejected', fields);
      else logger.info('request accepted', fields);

      const metrics = metricsFor('ingest');
      if (isUpdate && outcome === 'accepted') metrics.singleMetric().addMetric(METRIC.updatesAccepted, MetricUnit.Count, 1);
      if (isUpdate && outcome === 'rejected') {
        const single = metrics.singleMetric();
        single.addDimension('reason', problemType ?? `http-${status}`);
        single.addMetric(METRIC.updatesRejected, MetricUnit.Count, 1);
      }
      if (outcome === 'failed') {
        const single = metrics.singleMetric();
        single.addDimension('operation', operation?.operationId ?? 'unknown');
        single.addMetric(METRIC.serverErrors, MetricUnit.Count, 1);
      }
      return response;
    },
  };
}
