/**
 * Publishing that cannot go backwards: one publisher per plan at a time (a lease in the table),
 * each publish loading a snapshot at least as new as the revision it records, and a record of
 * the highest completely published revision that only ever grows.
 *
 * Why that keeps the files from going backwards, and what is left, is argued step by step in
 * the reliability document (the lease, the revision read first, fencing, stale writers).
 *
 * Clocks: lease times are the publishers' own epoch milliseconds. Hosts (Lambda, operators)
 * keep NTP time within milliseconds; the fencing margin (a third of the lease) absorbs that.
 */
import { randomUUID } from 'node:crypto';
import type { Plan } from '../domain/model.ts';
import { backoffDelay, sleep as realSleep } from '../domain/retry.ts';
import type { Artifact, ArtifactWriter, WriteResult } from '../store/artifacts.ts';
import type { PlanReader } from '../store/plans.ts';
import type { PublishLeaseStore, PublishState } from '../store/publish-leases.ts';
import type { PendingScope, UpdateSequencer } from '../store/sequencer.ts';

/** What the coordinator needs of storage: the plan's revision, the publish leases and the update sequencer. */
export type PublishStateRepository = Pick<PlanReader, 'getPlan'> & PublishLeaseStore & UpdateSequencer;

export interface PublishRound {
  planId: string;
  /** The plan's revision, read before anything the step reads: its snapshot is at least this new. */
  revision: number;
  /** What the last complete publish covered (0: never published). Changes since are those with a higher planRevision. */
  publishedRevision: number;
  /** Rewrite everything, not only what changed since `publishedRevision` (forced, or repairing a stale writer's objects). */
  full: boolean;
  /** The store to write through: fenced by the lease. */
  store: ArtifactWriter;
  /** The MD5 of the plan's DCAT record that the site's root was confirmed to include (undefined: not confirmed). */
  siteRecord?: string;
  /** Forgets `siteRecord` in the publish state: before the round writes a record that differs from it. */
  forgetSiteRecord(): Promise<void>;
  /** The record the root was confirmed, in this round, to include: recorded with the round. */
  confirmSiteRecord(md5: string): void;
}

/** Renders and writes a plan's files; `publishPlan` in whatever shape it has, bound to its dependencies. */
export type PublishStep<R> = (context: PublishRound) => Promise<R>;

export type PublishOutcome<R> =
  | { planId: string; status: 'missing' }
  | { planId: string; status: 'up-to-date'; revision: number; publishedRevision: number }
  | {
      planId: string;
      status: 'published';
      revision: number;
      publishedRevision: number;
      rounds: Array<{ revision: number; full: boolean; result: R }>;
    };

export class LeaseBusyError extends Error {
  override name = 'LeaseBusyError';
}

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

export interface PublishCoordinatorOptions {
  repository: PublishStateRepository;
  store: ArtifactWriter;
  /** How long a lease lasts without renewal. */
  leaseMs?: number;
  /** How long a publisher waits for a busy lease (re-checking whether its work was done meanwhile) before failing. */
  leaseWaitMs?: number;
  /** Heartbeat period while a round runs; 0 disables it (tests that model a stalled publisher). */
  heartbeatMs?: number;
  /** Rounds per publish call before leaving the rest to the publishers of the newer changes. */
  maxRounds?: number;
  /** In a burst, how long at most to wait for arrivals to slow before the next round (0: not at all). */
  gatherMs?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (entry: Record<string, unknown>) => void;
}

export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_LEASE_WAIT_MS = 20_000;
export const DEFAULT_GATHER_MS = 10_000;
/** A burst: at least this many commitments found waiting after a round, */
const GATHER_WAITING = 10;
/** and updates reported at 50 or more a second (one per 20 ms; a steady 20 a second is published round after round). */
const GATHER_MS_PER_ARRIVAL = 20;
/** How far back the publisher counts, and how long it waits between counts. */
const GATHER_PAUSE_MS = 500;

/** Lease settings from the environment: PUBLISH_LEASE_SECONDS, PUBLISH_LEASE_WAIT_SECONDS. */
export function leaseOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<PublishCoordinatorOptions, 'leaseMs' | 'leaseWaitMs'> {
  const seconds = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] && Number.isFinite(value) && value > 0 ? value * 1000 : fallback;
  };
  return {
    leaseMs: seconds('PUBLISH_LEASE_SECONDS', DEFAULT_LEASE_MS),
    leaseWaitMs: seconds('PUBLISH_LEASE_WAIT_SECONDS', DEFAULT_LEASE_WAIT_MS),
  };
}

export function isUpToDate(plan: Pick<Plan, 'revision'>, state: PublishState | undefined): boolean {
  return state !== undefined && plan.revision <= state.publishedRevision && state.staleWrites <= state.staleWritesHandled;
}

/** One lease held by one publish call. */
class Lease {
  lost = false;
  private validUntil: number;
  private heartbeat?: ReturnType<typeof setInterval>;

  constructor(
    private readonly coordinator: PublishCoordinator,
    readonly planId: string,
    readonly owner: string,
    until: number,
  ) {
    this.validUntil = until;
  }

  get margin(): number {
    return this.coordinator.leaseMs / 3;
  }

  /** Extends the lease to a full term; marks it lost when it is no longer ours. */
  async renew(): Promise<boolean> {
    if (this.lost) return false;
    const until = this.coordinator.clock() + this.coordinator.leaseMs;
    const ours = await this.coordinator.repository.renewPublishLease(this.planId, { owner: this.owner, until });
    if (ours) this.validUntil = Math.max(this.validUntil, until);
    else this.lost = true;
    return ours;
  }

  /** The fence before a write: valid by our own clock with a margin, or renewed now. */
  async ensureValid(): Promise<void> {
    if (!this.lost && this.coordinator.clock() < this.validUntil - this.margin) return;
    if (!(await this.renew()) || this.coordinator.clock() >= this.validUntil) {
      this.lost = true;
      throw new LeaseLostError(`the publish lease on plan ${this.planId} expired or was taken over; not writing`);
    }
  }

  startHeartbeat(periodMs: number): void {
    if (periodMs <= 0) return;
    this.heartbeat = setInterval(() => {
      this.renew().catch(() => {
        /* a failed renewal is caught by the fence before the next write */
      });
    }, periodMs);
    this.heartbeat.unref?.();
  }

  stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

/** The store a round writes through: every write first passes the lease's fence. */
class FencedStore implements ArtifactWriter {
  wrote = false;
  constructor(
    private readonly inner: ArtifactWriter,
    private readonly lease: Lease,
  ) {}

  async write(prefix: string, artifacts: Artifact[]): Promise<WriteResult> {
    await this.lease.ensureValid();
    this.wrote = true;
    return this.inner.write(prefix, artifacts);
  }
}

export class PublishCoordinator {
  readonly repository: PublishStateRepository;
  readonly store: ArtifactWriter;
  readonly leaseMs: number;
  readonly leaseWaitMs: number;
  readonly heartbeatMs: number;
  readonly maxRounds: number;
  readonly gatherMs: number;
  readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: (entry: Record<string, unknown>) => void;

  constructor(options: PublishCoordinatorOptions) {
    this.repository = options.repository;
    this.store = options.store;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.leaseWaitMs = options.leaseWaitMs ?? DEFAULT_LEASE_WAIT_MS;
    this.heartbeatMs = options.heartbeatMs ?? Math.floor(this.leaseMs / 3);
    this.maxRounds = options.maxRounds ?? 10;
    this.gatherMs = options.gatherMs ?? DEFAULT_GATHER_MS;
    this.clock = options.clock ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.log = options.log ?? (() => {});
  }

  /**
   * Publishes the plan unless its files are already up to date; `force` publishes everything
   * anyway (repair). Throws LeaseBusyError or LeaseLostError when the caller must retry later.
   */
  async publish<R>(
    planId: string,
    step: PublishStep<R>,
    options: { force?: boolean; pending?: PendingScope } = {},
  ): Promise<PublishOutcome<R>> {
    let force = options.force ?? false;
    // Whose unsequenced updates this call must see published: the commitments a batch names, or
    // all. Grows with the updates that arrive while a round runs (below): this call publishes
    // them now, instead of leaving them for a later batch and a later invocation.
    let scope: PendingScope = options.pending ?? 'all';
    const rounds: Array<{ revision: number; full: boolean; result: R }> = [];
    for (;;) {
      const [state, plan] = await this.readState(planId, scope);
      if (!plan) return { planId, status: 'missing' };
      if (!force && isUpToDate(plan, state)) {
        if (rounds.length === 0)
          return { planId, status: 'up-to-date', revision: plan.revision, publishedRevision: state!.publishedRevision };
        return { planId, status: 'published', revision: plan.revision, publishedRevision: state!.publishedRevision, rounds };
      }
      if (rounds.length >= this.maxRounds) {
        // Still behind after many rounds: the plan is being written right now, and the
        // publishers of those newer changes will take over (they fail until they can).
        return { planId, status: 'published', revision: plan.revision, publishedRevision: state?.publishedRevision ?? 0, rounds };
      }
      const lease = await this.acquire(planId, force, scope);
      if (!lease) continue; // someone else published it while we waited: re-check
      let released = false;
      try {
        released = await this.runRound(lease, step, force, rounds, scope);
      } finally {
        lease.stopHeartbeat();
        if (!released) {
          await this.repository.releasePublishLease(planId, lease.owner).catch(() => {
            /* it expires anyway */
          });
        }
      }
      force = false;
      if (scope !== 'all') {
        const waiting = await this.repository.newestPendingCommitments(planId);
        // A burst: 10 or more commitments waiting, and 25 or more updates reported in the last half
        // second. Each round while it lasts would rewrite the files of the commitments it touches
        // again; waiting (without the lease) while they keep coming that fast, 10 s at most and
        // once a call (the function's timeout), writes them once. All that waits by then is this
        // call's to publish.
        let gathered = false;
        if (waiting.length >= GATHER_WAITING) {
          const until = this.clock() + this.gatherMs;
          for (let since = `UPDATE#${new Date(this.clock() - GATHER_PAUSE_MS).toISOString()}`; this.clock() < until; gathered = true) {
            const arrived = await this.repository.newestArrivals(planId, since);
            if (arrived.length * GATHER_MS_PER_ARRIVAL < GATHER_PAUSE_MS) break;
            since = arrived[0]!;
            await this.sleep(GATHER_PAUSE_MS);
          }
        }
        scope = gathered ? 'all' : [...new Set([...scope, ...waiting])];
      }
      // Loop: the check after the release (see 3. above); more work takes the lease again.
    }
  }

  /**
   * The publish state and the plan; a plan with unsequenced updates among `scope` is reported
   * as one revision ahead of what was published (it is not up to date until they are sequenced).
   */
  private async readState(planId: string, scope: PendingScope): Promise<[PublishState | undefined, Plan | undefined]> {
    // The state first: a plan read after it cannot be older than what the state says was published.
    const state = await this.repository.getPublishState(planId);
    const plan = await this.repository.getPlan(planId);
    if (plan && isUpToDate(plan, state) && (scope === 'all' || scope.length > 0)) {
      if (await this.repository.hasPendingUpdates(planId, scope)) return [state, { ...plan, revision: state!.publishedRevision + 1 }];
    }
    return [state, plan];
  }

  /** The lease, or undefined when the work was done by someone else while we waited. */
  private async acquire(planId: string, force: boolean, scope: PendingScope): Promise<Lease | undefined> {
    const owner = randomUUID();
    const deadline = this.clock() + this.leaseWaitMs;
    for (let attempt = 0; ; attempt++) {
      const now = this.clock();
      const until = now + this.leaseMs;
      const state = await this.repository.acquirePublishLease(planId, { owner, until, now });
      if (state) {
        this.log({ message: 'publish lease taken', planId, owner, leaseCount: state.leaseCount });
        return new Lease(this, planId, owner, until);
      }
      if (!force) {
        const [current, plan] = await this.readState(planId, scope);
        if (!plan || isUpToDate(plan, current)) return undefined;
      }
      if (this.clock() >= deadline) {
        throw new LeaseBusyError(`plan ${planId} is being published by another publisher; retry later`);
      }
      await this.sleep(Math.max(20, backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 500 })));
    }
  }

  /**
   * One round under the lease: order, read the revision, render and write, then record the
   * revision and give the lease up in the same conditional write. True when it was recorded
   * (and so released).
   */
  private async runRound<R>(
    lease: Lease,
    step: PublishStep<R>,
    force: boolean,
    rounds: Array<{ revision: number; full: boolean; result: R }>,
    scope: PendingScope,
  ): Promise<boolean> {
    const { planId } = lease;
    lease.startHeartbeat(this.heartbeatMs);
    // Order the updates accepted since (ours and any other pending ones), before the revision
    // is read: what the round renders then includes them, and they are past publishedRevision.
    await this.repository.sequenceUpdates(planId, scope);
    const before = await this.repository.getPublishState(planId);
    // The revision first, then the snapshot (inside the step): content >= revision.
    const plan = await this.repository.getPlan(planId);
    if (!plan) return false;
    const staleWrites = before?.staleWrites ?? 0;
    const full = force || staleWrites > (before?.staleWritesHandled ?? 0);
    const store = new FencedStore(this.store, lease);
    let result: R;
    let siteRecord: string | undefined;
    try {
      result = await step({
        planId,
        revision: plan.revision,
        publishedRevision: before?.publishedRevision ?? 0,
        full,
        store,
        siteRecord: before?.siteRecord,
        forgetSiteRecord: () => this.repository.forgetSiteRecord(planId),
        confirmSiteRecord: (md5) => {
          siteRecord = md5;
        },
      });
    } catch (error) {
      // Objects written after losing the lease may be older than a newer publisher's.
      if (store.wrote && (lease.lost || !(await lease.renew().catch(() => false)))) {
        await this.repository
          .markStaleWrites(planId)
          .catch((markError: unknown) =>
            this.log({ level: 'ERROR', message: 'could not mark stale writes; run mandat verify', planId, error: String(markError) }),
          );
      }
      throw error;
    }
    const recorded = await this.repository.recordPublished(planId, {
      owner: lease.owner,
      revision: plan.revision,
      staleWritesHandled: staleWrites,
      at: new Date(this.clock()).toISOString(),
      siteRecord,
    });
    if (!recorded) {
      lease.lost = true;
      if (store.wrote) await this.repository.markStaleWrites(planId);
      this.log({ message: 'publish lease lost while writing', planId, owner: lease.owner, revision: plan.revision });
      throw new LeaseLostError(`the publish lease on plan ${planId} was taken over while writing revision ${plan.revision}`);
    }
    rounds.push({ revision: plan.revision, full, result });
    return true;
  }
}
