/**
 * Key material: loading and checking PEM keys, making shared secrets, and turning a stored
 * key record into what the verifier needs. Private keys only ever exist on the signer's side.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import type { SigningKey } from '../domain/model.ts';
import type { VerificationKey } from './http-signature.ts';

/** 256 bits: RFC 2104 asks for at least the hash output length. */
export const SHARED_SECRET_BYTES = 32;

export function loadPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an ed25519 private key, got ${key.asymmetricKeyType}`);
  return key;
}

export function publicKeyPemOf(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

export class KeyMaterialError extends Error {
  override name = 'KeyMaterialError';
}

/**
 * Checks an ed25519 public key sent for registration and returns its canonical SPKI PEM.
 * A private key is refused outright (and never stored), even though its public half could
 * be derived: whoever sent it has leaked it and must make a new one.
 */
export function canonicalPublicKeyPem(pem: string): string {
  if (/PRIVATE KEY/.test(pem)) {
    throw new KeyMaterialError(
      'this is a private key: send only the public key (mandat keygen prints it), and make a new key pair, since this one has left its owner',
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new KeyMaterialError('not a public key in PEM (expected "-----BEGIN PUBLIC KEY-----", SPKI)');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyMaterialError(`expected an ed25519 public key, got ${key.asymmetricKeyType}`);
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export function generateSharedSecret(): Buffer {
  return randomBytes(SHARED_SECRET_BYTES);
}

/**
 * The verifier's view of a stored key; undefined when the record is unusable. An hmac key
 * needs its opened `secret` (authentication opens it with the SecretSealer).
 */
export function verificationKeyOf(key: SigningKey, secret?: Buffer): VerificationKey | undefined {
  if (key.algorithm === 'ed25519' && key.publicKeyPem) {
    try {
      const publicKey = createPublicKey(key.publicKeyPem);
      return publicKey.asymmetricKeyType === 'ed25519' ? { algorithm: 'ed25519', publicKey } : undefined;
    } catch {
      return undefined;
    }
  }
  if (key.algorithm === 'hmac-sha256' && secret) {
    return secret.length >= SHARED_SECRET_BYTES ? { algorithm: 'hmac-sha256', secret } : undefined;
  }
  return undefined;
}

/**
 * Stands in for an unknown key, so an unknown keyid costs the same verification work as a
 * known one and answers with the same words: neither tells whether the keyid exists.
 */
export const DECOY_VERIFICATION_KEY: VerificationKey = {
  algorithm: 'ed25519',
  publicKey: generateKeyPairSync('ed25519').publicKey,
};

/** A key record as an API or CLI may show it: never the secret, sealed or not. */
export type PublicKeyView = Omit<SigningKey, 'sharedSecret' | 'sealedSecret'>;

export function publicViewOf(key: SigningKey): PublicKeyView {
  const { sharedSecret: _secret, sealedSecret: _sealed, ...view } = key;
  return view;
}
