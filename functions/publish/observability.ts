/** What the publish function logs and measures of each stream batch (the shared part is one folder up). */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { identifier, loggerFor, METRIC, metricsFor } from '../observability.ts';

/** What publishing one plan reports; the shape the publisher returns. */
export interface PlanPublishResult {
  revision: number;
  written: readonly string[];
  skipped: readonly string[];
  bytesWritten?: number;
  artifacts?: number;
  /** Observations published as plain text because the Markdown renderer failed on them. */
  renderFallbacks?: ReadonlyArray<{ subject: string; format: string; error: string }>;
}

export interface PublishObservation {
  /** For the batch's other events (e.g. a site-wide rebuild), in the same JSON lines. */
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * Runs one plan's publication, logging and measuring it; rethrows its error after logging it.
   * `details` are added to its log line (e.g. what the batch changed).
   */
  plan<T extends PlanPublishResult | undefined>(planId: string, publish: () => Promise<T>, details?: Record<string, unknown>): Promise<T>;
  /** Logs and measures the WebSub pings sent after the batch's publish round. */
  websub(report: { sent: number; failed: Array<{ hub: string; topic: string; error: string }>; topics: string[] }): void;
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
        // The update is public (as plain text), so nothing is retried; the renderer needs a look.
        for (const fallback of result?.renderFallbacks ?? []) {
          logger.error('observations published as plain text', { planId: identifier(planId), ...fallback });
        }
        if (result?.renderFallbacks?.length) metrics.addMetric(METRIC.renderFallbacks, MetricUnit.Count, result.renderFallbacks.length);
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
    websub(report) {
      const fields = { sent: report.sent, failed: report.failed.length, topics: report.topics.length };
      if (report.failed.length > 0) logger.warn('websub pings failed', { ...fields, failures: report.failed.slice(0, 10) });
      else logger.info('websub hubs notified', fields);
      metrics.addMetric(METRIC.websubPings, MetricUnit.Count, report.sent);
      metrics.addMetric(METRIC.websubPingFailures, MetricUnit.Count, report.failed.length);
      emitted = true;
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
