/**
 * A PlanRepository over items held in memory: what the baseline builds from its full-table
 * scan, and what the render and growth measurements read from when the time of DynamoDB Local
 * itself must stay out of the figure. It accepts status updates (recordUpdate, as the ingest
 * path writes them) and nothing else.
 */
import {
  addToHistory,
  compareNewestFirst,
  type HistoryScope,
  type HistorySummary,
  inScope,
  reportedMonth,
  summarizeHistory,
} from '#shared/domain/history';
import type { Commitment, Plan, SigningKey, StatusUpdate } from '#shared/domain/model';
import type { PlanReader } from '#shared/store/plans';

export class MemoryPlanRepository implements PlanReader {
  private readonly plans = new Map<string, Plan>();
  private readonly commitments = new Map<string, Commitment[]>();
  private readonly updates = new Map<string, StatusUpdate[]>();

  /** Table items in the layout of shared/dynamo-repository.ts (PK, SK, kind and the fields). */
  static fromItems(items: Iterable<Record<string, unknown>>): MemoryPlanRepository {
    const repository = new MemoryPlanRepository();
    for (const item of items) repository.addItem(item);
    return repository;
  }

  addItem(item: Record<string, unknown>): void {
    const { PK: _pk, SK: _sk, kind, byCommitment: _c, byArea: _a, ...fields } = item;
    // The plan item's history summary is recomputed from the updates (getPlanHistory), not read.
    if (kind === 'plan')
      this.addPlan(Object.fromEntries(Object.entries(fields).filter(([name]) => !name.startsWith('history'))) as unknown as Plan);
    else if (kind === 'commitment') this.addCommitment(fields as unknown as Commitment);
    else if (kind === 'update') this.addUpdate(fields as unknown as StatusUpdate);
  }

  addPlan(plan: Plan): void {
    this.plans.set(plan.planId, plan);
  }

  addCommitment(commitment: Commitment): void {
    const list = this.commitments.get(commitment.planId) ?? [];
    list.push(commitment);
    this.commitments.set(commitment.planId, list);
  }

  /**
   * Bulk loads append; once a plan has been read, each update is put in its place in the sorted
   * copies and counted into the summary, so a read after one update does not re-sort or re-count
   * 100,000 updates (the growth measurement times the publisher, not this stand-in for the table).
   */
  addUpdate(update: StatusUpdate): void {
    const { planId } = update;
    const list = this.updates.get(planId) ?? [];
    this.updates.set(planId, list);
    if (this.sorted.has(planId)) insertSorted(list, update, oldestFirst);
    else list.push(update);
    const newest = this.newestFirst.get(planId);
    if (newest) insertSorted(newest, update, compareNewestFirst);
    const scopes = this.byScope.get(planId);
    if (scopes) {
      for (const key of scopeKeys(update)) insertSorted(scopes.get(key) ?? scopes.set(key, []).get(key)!, update, compareNewestFirst);
    }
    const months = this.byMonth.get(planId);
    if (months) {
      const key = reportedMonth(update);
      const month = months.get(key) ?? [];
      months.set(key, month);
      insertSorted(month, update, oldestFirst);
    }
    const summary = this.summaries.get(planId);
    if (summary) addToHistory(summary, update);
  }

  private readonly byMonth = new Map<string, Map<string, StatusUpdate[]>>();
  private readonly summaries = new Map<string, HistorySummary>();
  private readonly newestFirst = new Map<string, StatusUpdate[]>();

  /** The plan and the summary of its history, as the DynamoDB adapter keeps it on the plan item. */
  async getPlanHistory(planId: string): Promise<{ plan: Plan; history?: HistorySummary } | undefined> {
    const plan = this.plans.get(planId);
    if (!plan) return undefined;
    let history = this.summaries.get(planId);
    if (!history) {
      history = summarizeHistory(this.updates.get(planId) ?? []);
      this.summaries.set(planId, history);
    }
    return { plan, history };
  }

  /**
   * As the table's indexes answer (by commitment, by area): the newest `limit` of the scope, from
   * a list per scope kept in order, not a scan of the plan's history, which cost the 100,000-update
   * cell tens of milliseconds per publish that DynamoDB never spends.
   */
  async latestUpdates(planId: string, scope: HistoryScope, limit: number): Promise<StatusUpdate[]> {
    let sorted = this.newestFirst.get(planId);
    if (!sorted) {
      sorted = [...(this.updates.get(planId) ?? [])].sort(compareNewestFirst);
      this.newestFirst.set(planId, sorted);
    }
    if (!scope) return sorted.slice(0, limit);
    let scopes = this.byScope.get(planId);
    if (!scopes) {
      scopes = new Map();
      for (const u of sorted) for (const key of scopeKeys(u)) (scopes.get(key) ?? scopes.set(key, []).get(key)!).push(u);
      this.byScope.set(planId, scopes);
    }
    const found = (scopes.get('commitmentId' in scope ? `c ${scope.commitmentId}` : `a ${scope.areaSlug}`) ?? []).slice(0, limit);
    return found.filter((u) => inScope(u, scope));
  }

  /** Newest first per commitment (`c {id}`) and per area (`a {slug}`), once a plan's scopes have been read. */
  private readonly byScope = new Map<string, Map<string, StatusUpdate[]>>();

  /** Sorted once, not per read: the render measurement must not time a sort of 100,000 items. */
  private readonly sorted = new Set<string>();

  planIds(): string[] {
    return [...this.plans.keys()].sort();
  }

  async getPlan(planId: string): Promise<Plan | undefined> {
    return this.plans.get(planId);
  }

  async listPlans(): Promise<Plan[]> {
    return this.planIds().map((id) => this.plans.get(id)!);
  }

  async getCommitment(planId: string, commitmentId: string): Promise<Commitment | undefined> {
    return this.commitments.get(planId)?.find((c) => c.commitmentId === commitmentId);
  }

  async listCommitments(planId: string): Promise<Commitment[]> {
    return [...(this.commitments.get(planId) ?? [])];
  }

  /** Oldest first, as the DynamoDB adapter returns them (the sort key starts with reportedAt). */
  async listUpdates(planId: string, options: { year?: number; month?: string } = {}): Promise<StatusUpdate[]> {
    const list = this.updates.get(planId) ?? [];
    if (!this.sorted.has(planId)) {
      list.sort(oldestFirst);
      this.sorted.add(planId);
    }
    if (options.month === undefined && options.year === undefined) return [...list];
    let months = this.byMonth.get(planId);
    if (!months) {
      months = new Map();
      for (const u of list) {
        const key = reportedMonth(u);
        const month = months.get(key);
        if (month) month.push(u);
        else months.set(key, [u]);
      }
      this.byMonth.set(planId, months);
    }
    if (options.month !== undefined) return [...(months.get(options.month) ?? [])];
    const year = String(options.year).padStart(4, '0');
    return [...months.keys()]
      .filter((key) => key.startsWith(year))
      .sort()
      .flatMap((key) => months.get(key)!);
  }

  async getKey(): Promise<SigningKey | undefined> {
    return undefined;
  }

  async listKeys(): Promise<SigningKey[]> {
    return [];
  }

  /** The ingest transaction's effect and the sequencer's after it, without conditions (the bench is the only writer). */
  async recordUpdate(input: { update: StatusUpdate; commitment: Commitment; now: string }): Promise<void> {
    const { update, commitment, now } = input;
    this.addUpdate(update);
    const list = this.commitments.get(commitment.planId) ?? [];
    const index = list.findIndex((c) => c.commitmentId === commitment.commitmentId);
    if (index >= 0) list[index] = commitment;
    else list.push(commitment);
    this.commitments.set(commitment.planId, list);
    const plan = this.plans.get(update.planId);
    if (plan) this.plans.set(plan.planId, { ...plan, revision: update.planRevision, updatedAt: now });
  }

  savePlan(): Promise<void> {
    return Promise.reject(new Error('MemoryPlanRepository is read-only'));
  }

  saveCommitment(): Promise<number> {
    return Promise.reject(new Error('MemoryPlanRepository is read-only'));
  }

  claimNonce(): Promise<void> {
    return Promise.reject(new Error('MemoryPlanRepository is read-only'));
  }

  putKey(): Promise<void> {
    return Promise.reject(new Error('MemoryPlanRepository is read-only'));
  }
}

const scopeKeys = (u: StatusUpdate) => [`c ${u.commitmentId}`, `a ${u.areaSlug}`];

/** The table's order: the sort key is `UPDATE#{reportedAt}#{updateId}`. */
const oldestFirst = (a: StatusUpdate, b: StatusUpdate) =>
  a.reportedAt < b.reportedAt ? -1 : a.reportedAt > b.reportedAt ? 1 : a.updateId < b.updateId ? -1 : a.updateId > b.updateId ? 1 : 0;

function insertSorted<T>(list: T[], item: T, compare: (a: T, b: T) => number): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(list[mid]!, item) <= 0) low = mid + 1;
    else high = mid;
  }
  list.splice(low, 0, item);
}
