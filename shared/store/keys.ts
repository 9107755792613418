/** The signing keys port: registration, listing and revocation of the keys that may sign. */
import type { SigningKey } from '../domain/model.ts';
import type { NonceClaim } from './conflicts.ts';
import type { Page, PageRequest } from './paging.ts';

/** A key as the admin list shows it: never a secret. */
export type KeyEntry = Omit<SigningKey, 'sharedSecret'>;

export interface KeyStore {
  getKey(keyId: string): Promise<SigningKey | undefined>;
  /** One page of the keys registry (one bounded Query). */
  listKeys(page: PageRequest): Promise<Page<KeyEntry>>;

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
