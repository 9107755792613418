/**
 * A stand-in for AWS KMS's Encrypt and Decrypt on 127.0.0.1, speaking the same JSON 1.1
 * protocol (X-Amz-Target: TrentService.*), so the real SDK client and our adapter run
 * unchanged. There is no KMS emulator to use instead.
 *
 * What it keeps of KMS: ciphertexts name the KMS key that made them and are bound to the
 * encryption context (a different context, or another KeyId on Decrypt, fails with KMS's own
 * error names), and, standing in for the ingest role's IAM condition, a request whose context
 * lacks `keyId` is denied. What it leaves out: SigV4 is not verified, there are no grants,
 * key policies, rotation, or data keys, and the ciphertext format is its own.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KmsCall {
  operation: string;
  keyId?: string;
  encryptionContext?: Record<string, string>;
  outcome: 'ok' | string;
}

export interface FakeKms {
  endpoint: string;
  /** The ARN of the one key it holds, as the stack would pass it in SECRETS_KMS_KEY_ID. */
  keyArn: string;
  calls: KmsCall[];
  stop(): Promise<void>;
}

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const canonicalContext = (context: Record<string, string> = {}) =>
  Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : 1))), 'utf8');

export async function startFakeKms(options: { requiredContextKey?: string } = {}): Promise<FakeKms> {
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  const material = randomBytes(32);
  const requiredContextKey = options.requiredContextKey ?? 'keyId';
  const calls: KmsCall[] = [];

  const checkKeyId = (keyId: unknown) => {
    if (keyId !== undefined && keyId !== keyArn) throw new KmsError('NotFoundException', `Key '${String(keyId)}' does not exist`);
  };
  const checkContext = (context: Record<string, string> | undefined) => {
    if (!context || typeof context[requiredContextKey] !== 'string') {
      throw new KmsError('AccessDeniedException', `the policy requires the encryption context key ${requiredContextKey}`);
    }
  };

  const operations: Record<string, (input: Record<string, any>) => Record<string, unknown>> = {
    Encrypt(input) {
      checkKeyId(input.KeyId);
      if (input.KeyId === undefined) throw new KmsError('ValidationException', 'KeyId is required');
      checkContext(input.EncryptionContext);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', material, iv);
      cipher.setAAD(canonicalContext(input.EncryptionContext));
      const body = Buffer.concat([cipher.update(Buffer.from(String(input.Plaintext), 'base64')), cipher.final()]);
      const arn = Buffer.from(keyArn, 'utf8');
      const blob = Buffer.concat([Buffer.from([arn.length]), arn, iv, cipher.getAuthTag(), body]);
      return { CiphertextBlob: blob.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    Decrypt(input) {
      checkContext(input.EncryptionContext);
      const blob = Buffer.from(String(input.CiphertextBlob ?? ''), 'base64');
      const arnLength = blob[0] ?? 0;
      const madeBy = blob.subarray(1, 1 + arnLength).toString('utf8');
      if (madeBy !== keyArn) throw new KmsError('InvalidCiphertextException', 'the ciphertext was not made by a key of this account');
      if (input.KeyId !== undefined && input.KeyId !== madeBy) {
        throw new KmsError('IncorrectKeyException', 'the key ID in the request does not identify the key that encrypted the ciphertext');
      }
      const rest = blob.subarray(1 + arnLength);
      try {
        const decipher = createDecipheriv('aes-256-gcm', material, rest.subarray(0, 12));
        decipher.setAAD(canonicalContext(input.EncryptionContext));
        decipher.setAuthTag(rest.subarray(12, 28));
        const plaintext = Buffer.concat([decipher.update(rest.subarray(28)), decipher.final()]);
        return { Plaintext: plaintext.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      } catch {
        // KMS does not say which part was wrong (context or bytes), and neither do we.
        throw new KmsError('InvalidCiphertextException', '');
      }
    },
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
      let input: Record<string, any> = {};
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, any>;
        const run = operations[operation];
        if (!run || req.method !== 'POST')
          throw new KmsError('UnknownOperationException', `this stand-in answers only POST Encrypt and Decrypt, not ${operation}`);
        const output = run(input);
        calls.push({ operation, keyId: input.KeyId, encryptionContext: input.EncryptionContext, outcome: 'ok' });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(output));
      } catch (error) {
        const type = error instanceof KmsError ? error.type : 'KMSInternalException';
        calls.push({ operation, keyId: input.KeyId, encryptionContext: input.EncryptionContext, outcome: type });
        res.writeHead(error instanceof KmsError ? 400 : 500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
        res.end(JSON.stringify({ __type: type, message: (error as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    keyArn,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
