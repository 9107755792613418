/**
 * Logs and metrics of both functions, so the handlers stay thin and the domain never sees
 * Lambda or Powertools.
 *
 * Logs are JSON lines (Powertools Logger): one line per API request and one per plan published,
 * each with what an operator searches by. What is logged is picked field by field from the
 * request line, the path, the `keyid` parameter and the response status and problem type: never
 * a header wholesale, a signature, key material or a body.
 *
 * Metrics are CloudWatch Embedded Metric Format (Powertools Metrics): CloudWatch extracts them
 * from the log lines, so there is no PutMetricData call on the request path.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, Context, DynamoDBStreamEvent } from 'aws-lambda';
import { parseDictionary } from 'structured-headers';
import type { ApiResponse } from '#shared/api';
import { matchOperation } from '#shared/api-operations';
import { PROBLEM_CONTENT_TYPE } from '#shared/problem';

export const SERVICE_NAME = 'mandat-obert';
export const METRICS_NAMESPACE = 'MandatObert';

/** Metric names, as dashboards and alarms refer to them (docs/OPERATIONS.md). */
export const METRIC = {
  updatesAccepted: 'UpdatesAccepted',
  updatesRejected: 'UpdatesRejected',
  serverErrors: 'ApiServerErrors',
  publishDuration: 'PublishDuration',
  objectsWritten: 'ObjectsWritten',
  objectsSkipped: 'ObjectsSkipped',
  freshness: 'Freshness',
  publishFailures: 'PublishFailures',
} as const;

// One logger and one metrics buffer per function: built on first use, so an environment that
// sets POWERTOOLS_* variables after import (the local runtime, tests) is honoured.
const loggers = new Map<string, Logger>();
const metricsBuffers = new Map<string, Metrics>();

function loggerFor(fn: 'ingest' | 'publish'): Logger {
  let logger = loggers.get(fn);
  if (!logger) {
    logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME, persistentKeys: { function: fn } });
    loggers.set(fn, logger);
  }
  return logger;
}

function metricsFor(fn: 'ingest' | 'publish'): Metrics {
  let metrics = metricsBuffers.get(fn);
  if (!metrics) {
    metrics = new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
      serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME,
    });
    metricsBuffers.set(fn, metrics);
  }
  return metrics;
}

/** Identifiers from the outside are logged only when they look like identifiers, and never long. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const identifier = (value: string | undefined): string | undefined => (value !== undefined && IDENTIFIER.test(value) ? value : undefined);

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
function acceptedUpdate(response: ApiResponse): { updateId?: string; revision?: number; planRevision?: number } {
  try {
    const { updateId, revision, planRevision } = JSON.parse(response.body) as Record<string, unknown>;
    return {
      updateId: typeof updateId === 'string' ? identifier(updateId) : undefined,
      revision: typeof revision === 'number' ? revision : undefined,
      planRevision: typeof planRevision === 'number' ? planRevision : undefined,
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

/** What publishing one plan reports; the shape shared/publish.ts returns. */
export interface PlanPublishResult {
  revision: number;
  written: readonly string[];
  skipped: readonly string[];
  bytesWritten?: number;
  artifacts?: number;
}

export interface PublishObservation {
  /** For the batch's other events (e.g. a site-wide rebuild), in the same JSON lines. */
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * Runs one plan's publication, logging and measuring it; rethrows its error after logging it.
   * `details` are added to its log line (e.g. what the batch changed).
   */
  plan<T extends PlanPublishResult | undefined>(planId: string, publish: () => Promise<T>, details?: Record<string, unknown>): Promise<T>;
  /** Logs the batch summary and flushes the batch's metrics. */
  finish(failedRecords: number): void;
}

/** Unix milliseconds of the oldest stream record of each plan in the batch. */
function oldestRecordByPlan(event: DynamoDBStreamEvent): Map<string, number> {
  const oldest = new Map<string, number>();
  for (const record of event.Records ?? []) {
    const pk = record.dynamodb?.Keys?.PK?.S;
    const created = record.dynamodb?.ApproximateCreationDateTime;
    if (!pk?.startsWith('PLAN#') || typeof created !== 'number') continue;
    const planId = pk.slice('PLAN#'.length);
    // Lambda gives seconds; the local poller too. A value in milliseconds would be far in the future as seconds.
    const ms = created > 1e11 ? created : created * 1000;
    oldest.set(planId, Math.min(oldest.get(planId) ?? Number.POSITIVE_INFINITY, ms));
  }
  return oldest;
}

export function observePublishBatch(event: DynamoDBStreamEvent, context?: Context): PublishObservation {
  const started = performance.now();
  const logger = loggerFor('publish');
  if (context) logger.addContext(context);
  const metrics = metricsFor('publish');
  const oldest = oldestRecordByPlan(event);
  const records = event.Records?.length ?? 0;
  let plans = 0;
  let failures = 0;
  let emitted = false;

  return {
    logger,
    async plan(planId, publish, details = {}) {
      const planStarted = performance.now();
      plans++;
      try {
        const result = await publish();
        const durationMs = Math.round((performance.now() - planStarted) * 10) / 10;
        const createdAt = oldest.get(planId);
        // Freshness: how long the oldest change in this batch waited until its feeds were written.
        const freshnessMs = createdAt === undefined ? undefined : Math.max(0, Date.now() - createdAt);
        logger.info(!result ? 'plan not found: nothing to publish' : result.artifacts === 0 ? 'already published' : 'published', {
          ...details,
          planId: identifier(planId),
          revision: result?.revision,
          written: result?.written.length ?? 0,
          skipped: result?.skipped.length ?? 0,
          artifacts: result?.artifacts,
          bytesWritten: result?.bytesWritten,
          durationMs,
          freshnessMs,
        });
        metrics.addMetric(METRIC.publishDuration, MetricUnit.Milliseconds, durationMs);
        metrics.addMetric(METRIC.objectsWritten, MetricUnit.Count, result?.written.length ?? 0);
        metrics.addMetric(METRIC.objectsSkipped, MetricUnit.Count, result?.skipped.length ?? 0);
        if (freshnessMs !== undefined) metrics.addMetric(METRIC.freshness, MetricUnit.Milliseconds, freshnessMs);
        emitted = true;
        return result;
      } catch (error) {
        failures++;
        logger.error('publish failed', { ...details, planId: identifier(planId), error });
        metrics.addMetric(METRIC.publishFailures, MetricUnit.Count, 1);
        emitted = true;
        throw error;
      }
    },
    finish(failedRecords) {
      logger.info('batch done', {
        records,
        plans,
        failures,
        failedRecords,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      });
      if (emitted) metrics.publishStoredMetrics();
    },
  };
}
