/** What a signed request leaves behind: its spent nonce, and the answer a retry with the same Idempotency-Key gets. */
import type { NonceClaim } from './conflicts.ts';

export interface RequestStore {
  /** Records a nonce on its own (requests that change nothing else still spend it). */
  claimNonce(nonce: NonceClaim): Promise<void>;

  /** The stored outcome of a request by `keyId` with this Idempotency-Key, unless expired. */
  getIdempotencyRecord(keyId: string, idempotencyKey: string, nowSeconds: number): Promise<IdempotencyRecord | undefined>;
}

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
