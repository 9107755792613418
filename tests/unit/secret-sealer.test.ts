/** The local sealer of shared secrets, its master key file, and the lazy and caching wrappers ingest uses. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SealedSecret } from '#shared/domain/model';
import {
  cachingSealer,
  ensureMasterKeyFile,
  LocalSecretSealer,
  lazySealer,
  readMasterKeyFile,
  type SecretSealer,
} from '#shared/signing/secret-sealer';

const dir = mkdtempSync(join(tmpdir(), 'mandat-sealer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const secret = Buffer.alloc(32, 5);

describe('the master key file of the local runtime', () => {
  it('is made on first start, readable by its owner only, and kept on the next', () => {
    const path = join(dir, 'data', 'secrets', 'master.key');
    expect(ensureMasterKeyFile(path)).toEqual({ created: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const first = readFileSync(path, 'utf8');
    expect(ensureMasterKeyFile(path)).toEqual({ created: false });
    expect(readFileSync(path, 'utf8')).toBe(first);
    expect(readMasterKeyFile(path)).toHaveLength(32);
  });

  it('opens after a restart what was sealed before it', async () => {
    const path = join(dir, 'restart.key');
    ensureMasterKeyFile(path);
    const sealed = await new LocalSecretSealer(readMasterKeyFile(path)).seal('portal', secret);
    expect(await new LocalSecretSealer(readMasterKeyFile(path)).open('portal', sealed)).toEqual(secret);
  });

  it('is refused, naming the file, when it is not a master key', () => {
    const path = join(dir, 'broken.key');
    writeFileSync(path, 'not a key\n');
    expect(() => readMasterKeyFile(path)).toThrow(`${path} is not a secrets master key`);
    expect(() => ensureMasterKeyFile(path)).toThrow(/is not a secrets master key/);
    expect(() => readMasterKeyFile(join(dir, 'missing.key'))).toThrow(/cannot read the secrets master key/);
  });
});

describe('LocalSecretSealer', () => {
  const sealer = new LocalSecretSealer(Buffer.alloc(32, 1));

  it('seals to a fresh ciphertext each time that holds no spelling of the secret', async () => {
    const [a, b] = [await sealer.seal('portal', secret), await sealer.seal('portal', secret)];
    expect(a.scheme).toBe('local-aes-256-gcm');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    for (const spelling of [secret.toString('base64'), secret.toString('hex')]) expect(a.ciphertext).not.toContain(spelling);
  });

  it('opens nothing that was altered, made for another key id, or made by another sealer', async () => {
    const sealed = await sealer.seal('portal', secret);
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    const altered: SealedSecret = { ...sealed, ciphertext: bytes.toString('base64') };
    expect(await sealer.open('portal', altered)).toBeUndefined();
    expect(await sealer.open('portal2', sealed)).toBeUndefined();
    expect(await sealer.open('portal', { ...sealed, scheme: 'aws-kms' })).toBeUndefined();
    expect(await sealer.open('portal', { ...sealed, ciphertext: '' })).toBeUndefined();
    expect(await sealer.open('portal', sealed)).toEqual(secret);
  });

  it('takes only a 256-bit master key', () => {
    expect(() => new LocalSecretSealer(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('the wrappers ingest builds its sealer with', () => {
  function counting(inner: SecretSealer) {
    const counts = { open: 0 };
    const sealer: SecretSealer = {
      seal: (keyId, value) => inner.seal(keyId, value),
      open: (keyId, sealed) => {
        counts.open += 1;
        return inner.open(keyId, sealed);
      },
    };
    return { sealer, counts };
  }

  it('caching: opens a key once while its record is unchanged, and never remembers a failure', async () => {
    const { sealer, counts } = counting(new LocalSecretSealer(Buffer.alloc(32, 2)));
    const cached = cachingSealer(sealer);
    const sealed = await cached.seal('portal', secret);
    expect(await cached.open('portal', sealed)).toEqual(secret);
    expect(await cached.open('portal', sealed)).toEqual(secret);
    expect(counts.open).toBe(1);
    expect(await cached.open('other', sealed)).toBeUndefined();
    expect(await cached.open('other', sealed)).toBeUndefined();
    expect(counts.open).toBe(3);
    // A new record (another ciphertext) is opened afresh.
    expect(await cached.open('portal', await cached.seal('portal', secret))).toEqual(secret);
    expect(counts.open).toBe(4);
  });

  it('lazy: builds the sealer at first use only, and tries again after a failed build', async () => {
    let builds = 0;
    const lazy = lazySealer(async () => {
      builds += 1;
      if (builds === 1) throw new Error('KMS SDK not loadable');
      return new LocalSecretSealer(Buffer.alloc(32, 4));
    });
    expect(builds).toBe(0);
    await expect(lazy.seal('portal', secret)).rejects.toThrow('KMS SDK not loadable');
    const sealed = await lazy.seal('portal', secret);
    expect(await lazy.open('portal', sealed)).toEqual(secret);
    expect(builds).toBe(2);
  });
});
