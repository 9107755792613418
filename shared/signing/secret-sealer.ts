/**
 * Shared secrets (hmac-sha256 keys) are stored sealed: encrypted, and bound to the key record
 * they belong to, so whoever reads the table, its stream or a backup learns nothing, and a
 * ciphertext copied into another key's record does not open there.
 *
 * The port is SecretSealer. Adapters: AWS KMS on AWS (the kms room; encryption context
 * `{keyId}`), and LocalSecretSealer here, AES-256-GCM under a master key file that the local
 * runtime keeps in its data directory (keyId as additional authenticated data).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SealedSecret } from '../domain/model.ts';

export interface SecretSealer {
  /** Encrypts `secret` for the key record `keyId`. */
  seal(keyId: string, secret: Buffer): Promise<SealedSecret>;
  /**
   * The secret, or undefined when the ciphertext does not open for `keyId`: tampered with,
   * copied from another key's record, or sealed by another sealer or master key. Failing to
   * reach the sealer (network, throttling, permissions) throws instead.
   */
  open(keyId: string, sealed: SealedSecret): Promise<Buffer | undefined>;
}

/** A deployment without a sealer met an hmac-sha256 key: our configuration error, not the client's. */
export class SecretSealerMissingError extends Error {
  override name = 'SecretSealerMissingError';
}

export const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Domain-separated, so the master key's ciphertexts mean nothing in any other context. */
const additionalData = (keyId: string) => Buffer.from(`mandat-obert shared secret\0${keyId}`, 'utf8');

export class LocalSecretSealer implements SecretSealer {
  readonly #masterKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== MASTER_KEY_BYTES) throw new Error(`the master key must be ${MASTER_KEY_BYTES} bytes, got ${masterKey.length}`);
    this.#masterKey = Buffer.from(masterKey);
  }

  async seal(keyId: string, secret: Buffer): Promise<SealedSecret> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#masterKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(keyId));
    const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
    return { scheme: 'local-aes-256-gcm', ciphertext: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64') };
  }

  async open(keyId: string, sealed: SealedSecret): Promise<Buffer | undefined> {
    if (sealed.scheme !== 'local-aes-256-gcm' || typeof sealed.ciphertext !== 'string') return undefined;
    const blob = Buffer.from(sealed.ciphertext, 'base64');
    if (blob.length <= IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#masterKey, blob.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(keyId));
      decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

/** Reads a master key file (base64 of 32 random bytes), failing with a message that names it. */
export function readMasterKeyFile(path: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the secrets master key ${path}: ${(error as Error).message}`);
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== MASTER_KEY_BYTES) throw new Error(`${path} is not a secrets master key (base64 of ${MASTER_KEY_BYTES} bytes)`);
  return key;
}

/** Makes the master key file on first use (owner-only), and leaves an existing one alone. */
export function ensureMasterKeyFile(path: string): { created: boolean } {
  if (existsSync(path)) {
    readMasterKeyFile(path);
    return { created: false };
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // 'wx': of two runtimes starting on the same directory, the second fails instead of overwriting.
  writeFileSync(path, randomBytes(MASTER_KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { created: true };
}

/**
 * A sealer built on first use: the KMS client (and its SDK) is loaded only when an hmac key
 * is registered or used, not on every cold start. A failed load is retried on the next use.
 */
export function lazySealer(load: () => Promise<SecretSealer>): SecretSealer {
  let loading: Promise<SecretSealer> | undefined;
  const get = () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  return {
    seal: async (keyId, secret) => (await get()).seal(keyId, secret),
    open: async (keyId, sealed) => (await get()).open(keyId, sealed),
  };
}

/**
 * Remembers opened secrets by key and ciphertext, so a warm function asks KMS once per key
 * rather than once per request (latency and KMS's per-request price). A changed record has
 * another ciphertext and is opened afresh; revocation is read from the record every time.
 */
export function cachingSealer(inner: SecretSealer, capacity = 256): SecretSealer {
  const opened = new Map<string, Buffer>();
  return {
    seal: (keyId, secret) => inner.seal(keyId, secret),
    async open(keyId, sealed) {
      const cacheKey = `${keyId}\n${sealed.scheme}\n${sealed.ciphertext}`;
      const hit = opened.get(cacheKey);
      if (hit) return Buffer.from(hit);
      const secret = await inner.open(keyId, sealed);
      if (secret) {
        if (opened.size >= capacity) opened.clear();
        opened.set(cacheKey, Buffer.from(secret));
      }
      return secret;
    },
  };
}
