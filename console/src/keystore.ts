/**
 * The device's signing key: made (or imported) by WebCrypto as non-extractable, kept in
 * IndexedDB as a CryptoKey. Script on the page can ask the browser to sign with it, but no
 * script can read its bytes: there is nothing to copy off the device.
 */
import { base64 } from './signer.ts';

export interface DeviceKey {
  keyId: string;
  privateKey: CryptoKey;
  publicKeyPem: string;
  fingerprint: string;
  createdAt: string;
}

const DB = 'mandat-console';
const STORE = 'keys';
const RECORD = 'device';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = work(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

export const loadKey = () => transact<DeviceKey | undefined>('readonly', (store) => store.get(RECORD));
export const saveKey = (key: DeviceKey) => transact('readwrite', (store) => store.put(key, RECORD));
export const forgetKey = () => transact('readwrite', (store) => store.delete(RECORD));

/** Whether this browser signs with Ed25519 (no fallback to another scheme if not). */
export async function ed25519Supported(): Promise<boolean> {
  try {
    await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    return true;
  } catch {
    return false;
  }
}

function pem(label: string, der: ArrayBuffer): string {
  const lines = base64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

async function describePublic(publicKey: CryptoKey) {
  const spki = await crypto.subtle.exportKey('spki', publicKey);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', spki));
  const hex = [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { publicKeyPem: pem('PUBLIC KEY', spki), fingerprint: hex.match(/.{4}/g)!.join(' ') };
}

export async function generateDeviceKey(keyId: string): Promise<DeviceKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  return { keyId, privateKey: pair.privateKey, ...(await describePublic(pair.publicKey)), createdAt: new Date().toISOString() };
}

export class KeyImportError extends Error {}

/** A PKCS#8 PEM (as `mandat keygen` writes): stored non-extractable; its public half derived once. */
export async function importDeviceKey(keyId: string, pemText: string): Promise<DeviceKey> {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pemText);
  if (!match) throw new KeyImportError('pem');
  let der: Uint8Array<ArrayBuffer>;
  try {
    der = Uint8Array.from(atob(match[1]!.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch {
    throw new KeyImportError('pem');
  }
  let jwk: JsonWebKey;
  try {
    // Extractable for this one step only, to read its public half (x); never stored.
    const once = await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, true, ['sign']);
    jwk = await crypto.subtle.exportKey('jwk', once);
  } catch {
    throw new KeyImportError('ed25519');
  }
  const publicKey = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, true, ['verify']);
  const privateKey = await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']);
  der.fill(0);
  return { keyId, privateKey, ...(await describePublic(publicKey)), createdAt: new Date().toISOString() };
}
