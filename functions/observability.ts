/**
 * Logs and metrics of both functions, so the handlers stay thin and the domain never sees
 * Lambda or Powertools. What each function observes is in its own module
 * (each beside its handler), so that neither
 * bundle carries the other's: the API's operation table, for one, is ingest's alone.
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
import { Metrics } from '@aws-lambda-powertools/metrics';

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
  renderFallbacks: 'RenderFallbacks',
  websubPings: 'WebSubPings',
  websubPingFailures: 'WebSubPingFailures',
} as const;

// One logger and one metrics buffer per function: built on first use, so an environment that
// sets POWERTOOLS_* variables after import (the local runtime, tests) is honoured.
const loggers = new Map<string, Logger>();
const metricsBuffers = new Map<string, Metrics>();

export function loggerFor(fn: 'ingest' | 'publish'): Logger {
  let logger = loggers.get(fn);
  if (!logger) {
    logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME, persistentKeys: { function: fn } });
    loggers.set(fn, logger);
  }
  return logger;
}

export function metricsFor(fn: 'ingest' | 'publish'): Metrics {
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
export const identifier = (value: string | undefined): string | undefined =>
  value !== undefined && IDENTIFIER.test(value) ? value : undefined;
