/**
 * The port between the domain and storage. Handlers and the publisher hold a PlanRepository;
 * the DynamoDB adapter (dynamo-repository.ts) sits behind it.
 */
import type { Commitment, Plan, SigningKey, StatusUpdate } from './model.ts';

export interface NonceClaim {
  keyId: string;
  nonce: string;
  /** Epoch seconds after which the table's TTL may delete the record. */
  expiresAt: number;
}

export type WriteConflict = 'nonce' | 'revision' | 'duplicate' | 'missing';

/** A conditional write lost: which condition failed decides the HTTP status. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(readonly conflict: WriteConflict, message: string) {
    super(message);
  }
}

export interface PlanRepository {
  getPlan(planId: string): Promise<Plan | undefined>;
  listPlans(): Promise<Plan[]>;
  getCommitment(planId: string, commitmentId: string): Promise<Commitment | undefined>;
  listCommitments(planId: string): Promise<Commitment[]>;
  /** History, oldest first. `year` limits it to updates reported in that year. */
  listUpdates(planId: string, options?: { year?: number }): Promise<StatusUpdate[]>;
  getKey(keyId: string): Promise<SigningKey | undefined>;
  listKeys(): Promise<SigningKey[]>;

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
  }): Promise<void>;

  /** Upsert of a plan definition; `expectedRevision` undefined means "must not exist yet". */
  savePlan(input: { plan: Plan; expectedRevision?: number; nonce?: NonceClaim }): Promise<void>;

  /** Upsert of a commitment definition, bumping the plan's revision. */
  saveCommitment(input: {
    commitment: Commitment;
    expectedRevision?: number;
    nonce?: NonceClaim;
    now: string;
  }): Promise<number>;

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
}
