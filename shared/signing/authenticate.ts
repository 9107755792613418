/**
 * Our signing policy on top of the RFC 9421 library level and RFC 9530:
 *
 * - exactly one signature (the library level already insists);
 * - covered: "@method", "@path", "@query" when there is a query, "content-digest" when there
 *   is a body; the Content-Digest must match the raw body bytes;
 * - parameters: created (within ± the clock skew), keyid, nonce (single use: the caller
 *   records it in the same transaction as the write, and only after this check passed),
 *   expires honoured, alg (optional) matching the key;
 * - the key must exist and be active; a revoked key is told apart only after the signature
 *   verified, so nobody without the key learns anything about it;
 * - an hmac-sha256 key's secret is opened from its sealed form by the SecretSealer; a secret
 *   that does not open counts as a wrong key. A record that still holds a plaintext secret
 *   (written before secrets were sealed) is refused once the signature verified, telling its
 *   holder to get a new key: that secret was readable by whoever could read the table.
 *
 * Every failure is a 401 problem naming the rule; the key-related ones share one message so
 * an answer never tells whether a keyid exists.
 */

import { keyIdSchema, type SigningKey } from '../domain/model.ts';
import { Problem } from '../domain/problem.ts';
import { checkContentDigest } from './content-digest.ts';
import {
  type HttpRequestLike,
  type ParsedSignature,
  parseSignatureHeaders,
  SignatureError,
  verifyParsedSignature,
} from './http-signature.ts';
import { DECOY_VERIFICATION_KEY, verificationKeyOf } from './key-material.ts';
import { type SecretSealer, SecretSealerMissingError } from './secret-sealer.ts';

export interface AuthenticatedRequest {
  key: SigningKey;
  nonce: string;
  created: number;
}

export interface AuthenticationOptions {
  nowSeconds: number;
  clockSkewSeconds: number;
  /**
   * Target URIs the request may have been signed for, most likely first: the public URL of
   * the API (what clients sign), then the host the request reached.
   */
  candidateUrls: string[];
  /** Whether the request target has a query (even an empty-looking one): then "@query" must be covered. */
  hasQuery: boolean;
  /** Opens hmac-sha256 keys' sealed secrets; needed only when such a key signs. */
  secrets?: SecretSealer;
}

export const MAX_NONCE_LENGTH = 128;

function unauthorized(rule: string, detail: string): Problem {
  return new Problem(401, rule, detail, { headers: { 'www-authenticate': 'Signature' } });
}

function fromSignatureError(error: unknown): never {
  if (error instanceof SignatureError) throw unauthorized(error.rule, error.message);
  throw error;
}

/** The policy checks that need no key: coverage, parameters and the clock. */
export function checkPolicy(
  parsed: ParsedSignature,
  request: { hasQuery: boolean; hasBody: boolean },
  options: Pick<AuthenticationOptions, 'nowSeconds' | 'clockSkewSeconds'>,
): void {
  const required = ['"@method"', '"@path"'];
  if (request.hasQuery) required.push('"@query"');
  if (request.hasBody) required.push('"content-digest"');
  const missing = required.filter((component) => !parsed.components.includes(component));
  if (missing.length > 0) throw unauthorized('insufficient-coverage', `the signature must cover ${missing.join(', ')}`);

  if (parsed.created === undefined) throw unauthorized('missing-parameter', 'the signature has no created parameter');
  const drift = options.nowSeconds - parsed.created;
  if (drift > options.clockSkewSeconds) {
    throw unauthorized('stale-signature', `the signature was created ${drift} s ago; at most ${options.clockSkewSeconds} s is accepted`);
  }
  if (-drift > options.clockSkewSeconds) {
    throw unauthorized(
      'stale-signature',
      `the signature's created time is ${-drift} s in the future; at most ${options.clockSkewSeconds} s of clock skew is accepted`,
    );
  }
  if (parsed.expires !== undefined && parsed.expires <= options.nowSeconds) {
    throw unauthorized('expired-signature', `the signature expired ${options.nowSeconds - parsed.expires} s ago`);
  }
  if (parsed.keyId === undefined) throw unauthorized('missing-parameter', 'the signature has no keyid parameter');
  if (parsed.nonce === undefined || parsed.nonce.length === 0)
    throw unauthorized('missing-parameter', 'the signature has no nonce parameter');
  if (parsed.nonce.length > MAX_NONCE_LENGTH)
    throw unauthorized('invalid-nonce', `the nonce is longer than ${MAX_NONCE_LENGTH} characters`);
}

/** An hmac key's secret: opened from its sealed form, or the legacy plaintext one (only to refuse it with a reason). */
async function secretOf(key: SigningKey, secrets: SecretSealer | undefined): Promise<Buffer | undefined> {
  if (key.algorithm !== 'hmac-sha256') return undefined;
  if (key.sealedSecret) {
    if (!secrets) {
      throw new SecretSealerMissingError(
        'an hmac-sha256 key signed this request but no secret sealer is configured (SECRETS_KMS_KEY_ID or SECRETS_MASTER_KEY_FILE)',
      );
    }
    return secrets.open(key.keyId, key.sealedSecret);
  }
  return typeof key.sharedSecret === 'string' ? Buffer.from(key.sharedSecret, 'base64') : undefined;
}

/** Where the signer's key is looked up (the store's key port satisfies it). */
export interface KeyReader {
  getKey(keyId: string): Promise<SigningKey | undefined>;
}

export async function authenticate(
  request: Omit<HttpRequestLike, 'url'>,
  body: Buffer,
  keys: KeyReader,
  options: AuthenticationOptions,
): Promise<AuthenticatedRequest> {
  let parsed: ParsedSignature;
  try {
    parsed = parseSignatureHeaders(request.headers);
  } catch (error) {
    fromSignatureError(error);
  }
  const hasQuery = options.hasQuery;
  const hasBody = body.length > 0 || request.headers['content-digest'] !== undefined;
  checkPolicy(parsed, { hasQuery, hasBody }, options);

  // A keyid that cannot be a key is not looked up (it could not be stored either), but it
  // gets the same answer, after the same work, as an unknown or wrong one.
  const key = keyIdSchema.safeParse(parsed.keyId).success ? await keys.getKey(parsed.keyId!) : undefined;
  const verificationKey = (key && verificationKeyOf(key, await secretOf(key, options.secrets))) ?? DECOY_VERIFICATION_KEY;

  let failure: SignatureError | undefined;
  let verified = false;
  for (const url of options.candidateUrls) {
    try {
      verifyParsedSignature({ ...request, url }, parsed, verificationKey, { nowSeconds: options.nowSeconds });
      verified = true;
      break;
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
      // A missing header is the same for every candidate; a bad signature may just be the wrong URL.
      failure = error.rule === 'invalid-signature' ? (failure ?? error) : error;
      if (error.rule !== 'invalid-signature') break;
    }
  }
  if (!verified || !key || verificationKey === DECOY_VERIFICATION_KEY) {
    fromSignatureError(
      failure && failure.rule !== 'invalid-signature'
        ? failure
        : new SignatureError('invalid-signature', 'the signature could not be verified with the key named by keyid'),
    );
  }

  if (hasBody) {
    const digest = checkContentDigest(request.headers['content-digest'], body);
    if (!digest.ok) throw unauthorized('invalid-digest', digest.reason);
  }

  // Only now, with possession of the key proven, may the key's state be told.
  if (!key.active) {
    throw new Problem(
      403,
      'key-revoked',
      `key ${key.keyId} was revoked${key.revokedAt ? ` at ${key.revokedAt}` : ''}; ask an administrator for a new one`,
    );
  }
  if (key.algorithm === 'hmac-sha256' && !key.sealedSecret) {
    throw new Problem(
      403,
      'key-secret-exposed',
      `key ${key.keyId} has a shared secret that an earlier version stored unencrypted, so it is no longer trusted; ask an administrator to revoke it and register a new key`,
    );
  }
  return { key, nonce: parsed.nonce!, created: parsed.created! };
}

/**
 * The answer when the signer's key was revoked after this request was authenticated but before
 * its write committed (the write's transaction checks the key): the same problem type a request
 * signed a moment later gets, since possession of the key was proven.
 */
export function revokedDuringRequest(keyId: string): Problem {
  return new Problem(
    403,
    'key-revoked',
    `key ${keyId} was revoked while this request was being processed; nothing was written. Ask an administrator for a new one`,
  );
}
