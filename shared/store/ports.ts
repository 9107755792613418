/**
 * The port between the domain and storage. Handlers and the publisher hold a PlanRepository;
 * the DynamoDB adapter (dynamo-repository.ts) sits behind it.
 */
import type { HistoryScope, HistorySummary } from '../domain/history.ts';
import type { Commitment, Plan, SigningKey, StatusUpdate } from '../domain/model.ts';

/**
 * A signed request's nonce, spent in the transaction of the write it signs. The same transaction
 * checks that the signer's key (`keyId`) still exists and is active, so nothing a key signed is
 * written once its revocation has committed (else the write fails with 'revoked').
 */
export interface NonceClaim {
  keyId: string;
  nonce: string;
  /** Epoch seconds after which the table's TTL may delete the record. */
  expiresAt: number;
}

/**
 * `idempotency`: the Idempotency-Key was recorded by another request first (see idempotency.ts).
 * `revoked`: the signer's key was revoked (or is gone) by the time the write committed.
 * `contention`: DynamoDB kept cancelling the transaction for a concurrent one touching the same
 * items (TransactionConflict) even after backing off; nothing was written.
 */
export type WriteConflict = 'nonce' | 'revoked' | 'revision' | 'duplicate' | 'missing' | 'idempotency' | 'contention';

/** A conditional write lost: which condition failed decides the HTTP status. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    readonly conflict: WriteConflict,
    message: string,
  ) {
    super(message);
  }
}

/** A plan as the public list shows it: its registry entry (written with its definition) and its current revision. */
export type PlanEntry = Pick<Plan, 'planId' | 'title' | 'municipality' | 'revision'>;

/** A key as the admin list shows it: never a secret. */
export type KeyEntry = Omit<SigningKey, 'sharedSecret'>;

/** One page of a registry, in id order; `next` is the last id of the page when more may follow. */
export interface Page<T> {
  items: T[];
  next?: string;
}

export interface PageRequest {
  /** At most this many items (the API caps it). */
  limit: number;
  /** Continue after this id (the `next` of the previous page). */
  after?: string;
}

/** Every plan id, page by page: for operators' tools (republish, verify), not for public requests. */
export async function everyPlanId(repository: Pick<PlanRepository, 'listPlans'>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await repository.listPlans({ limit: 100, after });
    ids.push(...page.items.map((plan) => plan.planId));
    after = page.next;
  } while (after !== undefined);
  return ids;
}

/** What rendering a plan reads: a read-only slice of the repository (an in-memory copy can serve it). */
export type PlanReader = Pick<PlanRepository, 'getPlan' | 'getPlanHistory' | 'listCommitments' | 'listUpdates' | 'latestUpdates'>;

export interface PlanRepository {
  getPlan(planId: string): Promise<Plan | undefined>;
  /** One page of the plans registry (one bounded Query, whatever else the table holds). */
  listPlans(page: PageRequest): Promise<Page<PlanEntry>>;
  getCommitment(planId: string, commitmentId: string): Promise<Commitment | undefined>;
  listCommitments(planId: string): Promise<Commitment[]>;
  /** History, oldest first. `year` limits it to updates reported in that year. */
  listUpdates(planId: string, options?: { year?: number }): Promise<StatusUpdate[]>;
  /**
   * The plan with the summary of its history (years, counts, areas), read together. `history`
   * is undefined for a plan whose items predate the summary: read its whole history instead.
   */
  getPlanHistory(planId: string): Promise<{ plan: Plan; history?: HistorySummary } | undefined>;
  /** The `limit` newest updates of the plan, a commitment or an area, newest first (history.ts's order). */
  latestUpdates(planId: string, scope: HistoryScope, limit: number): Promise<StatusUpdate[]>;
  getKey(keyId: string): Promise<SigningKey | undefined>;
  /** One page of the keys registry (one bounded Query). */
  listKeys(page: PageRequest): Promise<Page<KeyEntry>>;

  /**
   * One accepted status update, all or nothing: the history item (new), the commitment
   * (at `expectedRevision`), the plan's revision bump and the nonce (unused).
   */
  recordUpdate(input: {
    update: StatusUpdate;
    commitment: Commitment;
    expectedRevision: number;
    nonce?: NonceClaim;
    now: string;
    /** Written in the same transaction, so a retry finds it exactly when the update exists. */
    idempotency?: IdempotencyRecord;
  }): Promise<void>;

  /** Upsert of a plan definition; `expectedRevision` undefined means "must not exist yet". */
  savePlan(input: { plan: Plan; expectedRevision?: number; nonce?: NonceClaim }): Promise<void>;

  /** Upsert of a commitment definition, bumping the plan's revision. */
  saveCommitment(input: { commitment: Commitment; expectedRevision?: number; nonce?: NonceClaim; now: string }): Promise<number>;

  /** Records a nonce on its own (requests that change nothing else still spend it). */
  claimNonce(nonce: NonceClaim): Promise<void>;

  /** Writes a key record as is (bootstrap paths: the demo seed, `mandat keys add --direct`). */
  putKey(key: SigningKey): Promise<void>;

  /** Registers a new key (condition: the keyId is unused → else 'duplicate'), with the nonce. */
  createKey(key: SigningKey, nonce?: NonceClaim): Promise<void>;

  /**
   * Marks an active key revoked (condition: it exists and is active → else 'missing' or
   * 'revision'), with the nonce. The next request signed with it is refused.
   */
  revokeKey(input: { keyId: string; revokedAt: string; nonce?: NonceClaim }): Promise<void>;

  // ---- Idempotent requests (idempotency.ts) ----

  /** The stored outcome of a request by `keyId` with this Idempotency-Key, unless expired. */
  getIdempotencyRecord(keyId: string, idempotencyKey: string, nowSeconds: number): Promise<IdempotencyRecord | undefined>;

  // ---- Publish coordination (publish-coordinator.ts) ----

  getPublishState(planId: string): Promise<PublishState | undefined>;
  /**
   * Takes the plan's publish lease when it is free, expired, or already ours; returns the
   * state with the lease, or undefined when another publisher holds it.
   */
  acquirePublishLease(planId: string, lease: { owner: string; until: number; now: number }): Promise<PublishState | undefined>;
  /** Extends our lease; false when it is no longer ours. */
  renewPublishLease(planId: string, lease: { owner: string; until: number }): Promise<boolean>;
  /**
   * Records a complete publish of `revision`, only while we still hold the lease and only
   * if that does not lower `publishedRevision`; false otherwise (nothing recorded).
   */
  recordPublished(
    planId: string,
    input: { owner: string; revision: number; staleWritesHandled: number; until: number; at: string },
  ): Promise<boolean>;
  /** Gives the lease up if it is still ours. */
  releasePublishLease(planId: string, owner: string): Promise<void>;
  /** Says that a publisher which lost its lease may have written older objects. */
  markStaleWrites(planId: string): Promise<void>;
}

// ---- Idempotent requests ----

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IdempotencyRecord {
  keyId: string;
  idempotencyKey: string;
  /** SHA-256 of method, path, query and body: the same key with another request is refused. */
  requestHash: string;
  response: StoredResponse;
  createdAt: string;
  /** Epoch seconds after which the table's TTL may delete the record. */
  expiresAt: number;
}

// ---- Publish coordination ----

export interface PublishState {
  planId: string;
  /** The highest plan revision whose snapshot was completely written; never decreases. */
  publishedRevision: number;
  /** Bumped by a publisher that wrote objects after losing its lease (they may be older). */
  staleWrites: number;
  /** The `staleWrites` count that the last complete publish started after. */
  staleWritesHandled: number;
  /** Publishers that took the lease so far (observability; tests count it). */
  leaseCount: number;
  leaseOwner?: string;
  /** Epoch milliseconds. */
  leaseUntil?: number;
  publishedAt?: string;
}
