/** The plans port: plans, their commitments and their history of updates. */
import type { HistoryScope, HistorySummary } from '../domain/history.ts';
import type { Commitment, Plan, StatusUpdate } from '../domain/model.ts';
import type { NonceClaim } from './conflicts.ts';
import type { Page, PageRequest } from './paging.ts';
import type { IdempotencyRecord } from './requests.ts';

/** A plan as the public list shows it: its registry entry (written with its definition) and its current revision. */
export type PlanEntry = Pick<Plan, 'planId' | 'title' | 'municipality' | 'revision'>;

/** A plan's history, as publishers read it (the API never does). */
export interface HistoryReader {
  /** History, oldest first. `year` limits it to updates reported in that year, `month` (`YYYY-MM`) to that month. */
  listUpdates(planId: string, options?: { year?: number; month?: string }): Promise<StatusUpdate[]>;
  /**
   * The plan with the summary of its history (years, counts, areas), read together. `history`
   * is undefined for a plan whose items predate the summary: read its whole history instead.
   */
  getPlanHistory(planId: string): Promise<{ plan: Plan; history?: HistorySummary } | undefined>;
  /** The `limit` newest updates of the plan, a commitment or an area, newest first (the history's order). */
  latestUpdates(planId: string, scope: HistoryScope, limit: number): Promise<StatusUpdate[]>;
}

export interface PlanStore {
  getPlan(planId: string): Promise<Plan | undefined>;
  /** One page of the plans registry (one bounded Query, whatever else the table holds). */
  listPlans(page: PageRequest): Promise<Page<PlanEntry>>;
  getCommitment(planId: string, commitmentId: string): Promise<Commitment | undefined>;
  /** The commitment and where its queue of writers stands, in one consistent read. */
  getCommitmentQueue(planId: string, commitmentId: string): Promise<{ commitment: Commitment; queue: WriterQueue } | undefined>;
  listCommitments(planId: string): Promise<Commitment[]>;
  /**
   * One accepted status update, all or nothing: the history item (new), the commitment
   * (at `expectedRevision`) and the nonce (unused). `turn` 0: only while nobody queues on the
   * commitment; `turn` T: only while ticket T has the turn, which the write ends; absent
   * (If-Match): whatever the queue.
   */
  recordUpdate(input: {
    update: StatusUpdate;
    commitment: Commitment;
    expectedRevision: number;
    turn?: number;
    nonce?: NonceClaim;
    now: string;
    /** Written in the same transaction, so a retry finds it exactly when the update exists. */
    idempotency?: IdempotencyRecord;
  }): Promise<void>;

  /** A place at the back of the commitment's queue of writers: the ticket's number. ConflictError 'missing' if there is no such commitment. */
  takeTicket(planId: string, commitmentId: string): Promise<number>;

  /**
   * Gives up a ticket without writing: ends its turn if it has it, else marks it abandoned (for
   * the writers behind to skip). Nothing when its turn is already over.
   */
  releaseTicket(planId: string, commitmentId: string, ticket: number): Promise<void>;

  /** Ends the turns after `done` up to `to` (abandoned tickets, a vanished holder's), if `done` is still the last one ended. */
  skipTurns(planId: string, commitmentId: string, done: number, to: number): Promise<void>;

  /** Upsert of a plan definition; `expectedRevision` undefined means "must not exist yet". */
  savePlan(input: { plan: Plan; expectedRevision?: number; nonce?: NonceClaim }): Promise<void>;

  /** Upsert of a commitment definition, bumping the plan's revision. */
  saveCommitment(input: { commitment: Commitment; expectedRevision?: number; nonce?: NonceClaim; now: string }): Promise<number>;

  /**
   * Many commitment definitions in one transaction, all or nothing: each at its expected
   * revision (undefined: must not exist yet), one bump of the plan from `expectedPlanRevision`.
   * At most MAX_ITEMS_PER_TRANSACTION commitments. Returns the plan's new revision.
   */
  saveCommitments(input: {
    planId: string;
    commitments: Array<{ commitment: Commitment; expectedRevision?: number }>;
    expectedPlanRevision: number;
    nonce?: NonceClaim;
    now: string;
  }): Promise<number>;

  /**
   * Imported (historical) updates in one transaction, all or nothing: each update new, the
   * commitments they make current at their expected revisions, one bump of the plan (with its
   * history summary). At most MAX_ITEMS_PER_TRANSACTION items (updates and commitments).
   */
  recordImportedUpdates(input: {
    planId: string;
    updates: StatusUpdate[];
    commitments: Array<{ commitment: Commitment; expectedRevision: number }>;
    expectedPlanRevision: number;
    nonce?: NonceClaim;
    now: string;
  }): Promise<number>;

  /** These commitments of the plan, those that exist (batched consistent reads, any order). */
  getCommitments(planId: string, commitmentIds: string[]): Promise<Commitment[]>;

  /** Which of these updates (by reportedAt and updateId) are already stored: their updateIds. */
  existingUpdateIds(planId: string, keys: Array<Pick<StatusUpdate, 'reportedAt' | 'updateId'>>): Promise<Set<string>>;
}

/**
 * A commitment's FIFO queue of writers without If-Match who lost a first attempt: tickets are
 * handed out in order and each writes only on its turn (see RELIABILITY.md, "Ordering updates").
 */
export interface WriterQueue {
  /** The last ticket handed out (0: none yet). */
  next: number;
  /** The last ticket whose turn is over: written, given up or skipped. Nobody queues when it equals `next`. */
  done: number;
  /** Tickets after `done` given up before their turn. */
  abandoned: number[];
}

/**
 * Items of a batch write per transaction, leaving room in DynamoDB's 100 for the plan's bump,
 * the nonce and the signer's check.
 */
export const MAX_ITEMS_PER_TRANSACTION = 96;

/** What rendering a plan reads: a read-only slice of the repository (an in-memory copy can serve it). */
export type PlanReader = Pick<PlanStore, 'getPlan' | 'getCommitment' | 'listCommitments'> & HistoryReader;

/** Every plan id, page by page: for operators' tools (republish, verify), not for public requests. */
export async function everyPlanId(plans: Pick<PlanStore, 'listPlans'>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await plans.listPlans({ limit: 100, after });
    ids.push(...page.items.map((plan) => plan.planId));
    after = page.next;
  } while (after !== undefined);
  return ids;
}
