/**
 * What a batch of changes re-renders: each touched plan published once under its publish lease,
 * with the site's root checked in the plan's round when its catalog record changed.
 *
 * What to re-render comes from two sources, merged: the changes given (commitments and areas
 * touched, including the area a commitment left) and the table itself (every commitment changed
 * since the plan's last complete publish, which covers changes whose own batch was turned away
 * because another publisher's round already included them). A plan that could not be published
 * (lease busy or lost, storage down) reports its stream positions as failed, so the caller
 * retries from there and nothing is skipped; a plan already published up to its revision costs
 * two reads and no writes, which makes redelivered batches harmless.
 */
import type { PlanChanges } from '../domain/plan-changes.ts';
import { PublishCoordinator, type PublishOutcome } from './coordinator.ts';
import { type PublishDependencies, type PublishOptions, type PublishResult, publishPlan, type SitePublishResult } from './publish.ts';
import { changedTopics, type HubNotifier, type HubPingReport, pingHubs } from './websub.ts';

export interface ChangesOutcome {
  plans: PublishResult[];
  /** The last site root's check of the rounds (none when no plan's catalog record changed). */
  site?: SitePublishResult;
  /** Stream positions of the changes that were not published. */
  failedSequences: string[];
  /** The WebSub pings sent after the round (when hubs are configured). */
  websub?: HubPingReport;
}

export interface PublishChangesDependencies extends PublishDependencies {
  /** One per execution environment in production; tests pass their own (short leases). */
  coordinator?: PublishCoordinator;
  /** See PublishOptions.reads (tests force the partial reads on small plans). */
  reads?: PublishOptions['reads'];
  /** Pings the `hubs` about every feed the round rewrote; without it (or without hubs) WebSub is off. */
  notifier?: HubNotifier;
  /** The deadline of the round's pings (tests shorten it). */
  pingTimeoutMs?: number;
}

/** Logs and measures each plan's publication; the Lambda's observation is one. */
export interface PublishObserver {
  readonly logger: {
    info(message: string, extra: Record<string, unknown>): void;
    error(message: string, extra: Record<string, unknown>): void;
  };
  /** Runs one plan's publication; rethrows its error after reporting it. */
  plan<T extends PublishResult | undefined>(planId: string, publish: () => Promise<T>, details?: Record<string, unknown>): Promise<T>;
  /** Reports the WebSub pings of the round (logged and measured by the Lambda's observation). */
  websub?(report: HubPingReport): void;
}

/** Runs a plan's publication without reporting it (operator commands print their own summary). */
export const QUIET_OBSERVER: PublishObserver = {
  logger: { info() {}, error() {} },
  plan: (_planId, publish) => publish(),
};

/** The rounds of one coordinated publish, as one result (a round per revision it caught up with). */
function mergeRounds(outcome: PublishOutcome<PublishResult | undefined>): PublishResult | undefined {
  if (outcome.status === 'missing') return undefined;
  // Already published up to the plan's revision (a redelivery, or another publisher's round covered it).
  if (outcome.status === 'up-to-date') {
    return { planId: outcome.planId, revision: outcome.revision, artifacts: 0, updatesRead: 0, written: [], skipped: [], bytesWritten: 0 };
  }
  const results = outcome.rounds.map((round) => round.result).filter((r): r is PublishResult => r !== undefined);
  const last = results.at(-1);
  if (!last) return undefined;
  const written = [...new Set(results.flatMap((r) => r.written))];
  return {
    ...last,
    written,
    skipped: [...new Set(results.flatMap((r) => r.skipped))].filter((key) => !written.includes(key)),
    bytesWritten: results.reduce((sum, r) => sum + r.bytesWritten, 0),
    updatesRead: results.reduce((sum, r) => sum + r.updatesRead, 0),
    renderFallbacks: results.flatMap((r) => r.renderFallbacks ?? []),
  };
}

export async function publishChanges(
  touched: Map<string, PlanChanges>,
  deps: PublishChangesDependencies,
  observer: PublishObserver = QUIET_OBSERVER,
): Promise<ChangesOutcome> {
  const outcome: ChangesOutcome = { plans: [], failedSequences: [] };
  const coordinator = deps.coordinator ?? new PublishCoordinator({ repository: deps.repository, store: deps.store });
  for (const [planId, changes] of touched) {
    try {
      const result = await observer.plan(
        planId,
        async () =>
          mergeRounds(
            await coordinator.publish(
              planId,
              (round) =>
                publishPlan(
                  planId,
                  // The previous round's commitments are read back from the bucket; this round's written through the fence.
                  { ...deps, store: round.store, snapshots: deps.store, site: { round, store: deps.store } },
                  round.full || changes.full ? {} : { changed: changes, since: round.publishedRevision, reads: deps.reads },
                ),
              // The updates these changes carry are sequenced (and so published) before the plan counts as up to date.
              { pending: changes.full ? 'all' : [...changes.commitmentIds] },
            ),
          ),
        { full: changes.full, commitments: changes.full ? undefined : [...changes.commitmentIds] },
      );
      if (result) outcome.plans.push(result);
    } catch {
      // Reported by the observer; the changes are retried.
      outcome.failedSequences.push(...changes.sequences);
    }
  }
  // The site's root was checked inside the rounds whose plan's record changed (see publishPlan).
  outcome.site = outcome.plans.findLast((plan) => plan.site)?.site;
  if (outcome.site?.rebuilt) observer.logger.info('site root rebuilt', { plans: outcome.site.plans, written: outcome.site.written });
  // Subscribers learn of what was written, once per changed feed; a hub's failure changes nothing above.
  if (deps.notifier && deps.hubs?.length) {
    const topics = changedTopics(
      outcome.plans.flatMap((plan) => plan.written),
      deps.baseUrl,
    );
    if (topics.length > 0) {
      outcome.websub = await pingHubs(deps.notifier, deps.hubs, topics, deps.pingTimeoutMs);
      observer.websub?.(outcome.websub);
    }
  }
  return outcome;
}
