/** What a conditional write reports when it loses: the signer's nonce and key, or the item's revision. */

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
 * `idempotency`: the Idempotency-Key was recorded by another request first.
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
