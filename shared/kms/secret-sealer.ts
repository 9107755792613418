/**
 * AWS KMS adapter of the SecretSealer port: a shared secret is encrypted under the stack's
 * secrets key with the encryption context `{keyId}`, so the ciphertext opens only for the key
 * record it was made for, every Decrypt is logged in CloudTrail with that keyId, and the
 * function's IAM policy can require the context. Only the ingest role may use the key.
 *
 * A room of its own rather than store/: KMS is not storage, and this adapter implements the
 * signing room's port. Like the store adapters it imports the domain, the port it implements,
 * the shared AWS client settings and the SDK, nothing else.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { type ClientOptions, localCredentials, REQUEST_TIMEOUTS } from '../aws/client-options.ts';
import type { SealedSecret } from '../domain/model.ts';
import type { SecretSealer } from '../signing/secret-sealer.ts';

type KmsSdk = typeof import('@aws-sdk/client-kms');

export interface KmsSealerOptions extends ClientOptions {
  /** The KMS key (ARN, id or alias) that seals new secrets and must have sealed the ones opened. */
  kmsKeyId: string;
}

/** Errors that mean "this ciphertext is not for this key record or this KMS key", not an outage. */
const NOT_OURS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

export class KmsSecretSealer implements SecretSealer {
  constructor(
    private readonly sdk: Pick<KmsSdk, 'EncryptCommand' | 'DecryptCommand'>,
    readonly client: KMSClient,
    private readonly kmsKeyId: string,
  ) {}

  async seal(keyId: string, secret: Buffer): Promise<SealedSecret> {
    const out = await this.client.send(
      new this.sdk.EncryptCommand({ KeyId: this.kmsKeyId, Plaintext: secret, EncryptionContext: { keyId } }),
    );
    if (!out.CiphertextBlob) throw new Error('KMS Encrypt answered without a ciphertext');
    return { scheme: 'aws-kms', ciphertext: Buffer.from(out.CiphertextBlob).toString('base64') };
  }

  async open(keyId: string, sealed: SealedSecret): Promise<Buffer | undefined> {
    if (sealed.scheme !== 'aws-kms' || typeof sealed.ciphertext !== 'string') return undefined;
    try {
      const out = await this.client.send(
        new this.sdk.DecryptCommand({
          // Naming the key makes KMS refuse a ciphertext made under any other key.
          KeyId: this.kmsKeyId,
          CiphertextBlob: Buffer.from(sealed.ciphertext, 'base64'),
          EncryptionContext: { keyId },
        }),
      );
      return out.Plaintext ? Buffer.from(out.Plaintext) : undefined;
    } catch (error) {
      if (NOT_OURS.has((error as Error).name)) return undefined;
      throw error;
    }
  }
}

/**
 * Builds the sealer, loading the KMS SDK only now: the ingest bundle keeps it a dynamic import,
 * so a cold start that meets no hmac key never loads it.
 */
export async function createKmsSecretSealer(options: KmsSealerOptions): Promise<KmsSecretSealer> {
  const sdk = await import('@aws-sdk/client-kms');
  const client = new sdk.KMSClient({
    region: options.region,
    endpoint: options.kmsEndpoint,
    credentials: localCredentials(options.kmsEndpoint),
    maxAttempts: 3,
    requestHandler: REQUEST_TIMEOUTS,
  });
  return new KmsSecretSealer(sdk, client, options.kmsKeyId);
}
