/**
 * Our signing policy on top of RFC 9421/9530: which components must be covered, which
 * parameters are required, the clock window, and the key lookup. Failures never say whether
 * a keyid exists.
 */
import { createPublicKey } from 'node:crypto';
import { checkContentDigest } from './content-digest.ts';
import {
  parseSignatureHeaders,
  signatureBase,
  SignatureError,
  verifySignatureBytes,
  type HttpRequestLike,
  type VerificationKey,
} from './http-signature.ts';
import type { SigningKey } from './model.ts';
import { Problem } from './problem.ts';
import type { PlanRepository } from './repository.ts';

export interface AuthenticatedRequest {
  key: SigningKey;
  nonce: string;
  created: number;
}

export interface AuthenticationOptions {
  nowSeconds: number;
  clockSkewSeconds: number;
  /** Target URIs the request may have been signed for (public host, or the host it reached). */
  candidateUrls: string[];
}

const GENERIC_FAILURE = 'the signature could not be verified with the key named by keyid';

function unauthorized(detail: string, slug = 'invalid-signature'): Problem {
  return new Problem(401, slug, detail, {
    headers: { 'www-authenticate': 'Signature' },
  });
}

export async function authenticate(
  request: Omit<HttpRequestLike, 'url'>,
  body: Buffer,
  repository: PlanRepository,
  options: AuthenticationOptions,
): Promise<AuthenticatedRequest> {
  let parsed: ReturnType<typeof parseSignatureHeaders>;
  try {
    parsed = parseSignatureHeaders(request.headers);
  } catch (error) {
    if (error instanceof SignatureError) throw unauthorized(error.message, 'missing-signature');
    throw error;
  }

  const required = ['"@method"', '"@path"'];
  const url = new URL(options.candidateUrls[0]!);
  if (url.search) required.push('"@query"');
  if (body.length > 0 || request.headers['content-digest'] !== undefined) required.push('"content-digest"');
  const missing = required.filter((component) => !parsed.components.includes(component));
  if (missing.length > 0) throw unauthorized(`the signature must cover ${missing.join(', ')}`, 'insufficient-coverage');

  if (parsed.created === undefined) throw unauthorized('the signature has no created parameter');
  if (Math.abs(options.nowSeconds - parsed.created) > options.clockSkewSeconds) {
    throw unauthorized(`the signature's created time is more than ${options.clockSkewSeconds} s from the server clock`, 'stale-signature');
  }
  if (parsed.expires !== undefined && parsed.expires <= options.nowSeconds) {
    throw unauthorized('the signature has expired', 'stale-signature');
  }
  if (!parsed.keyId) throw unauthorized('the signature has no keyid parameter');
  if (!parsed.nonce) throw unauthorized('the signature has no nonce parameter');
  if (parsed.nonce.length > 128) throw unauthorized('the nonce is longer than 128 characters');

  const key = await repository.getKey(parsed.keyId);
  if (!key) throw unauthorized(GENERIC_FAILURE);
  if (parsed.alg !== undefined && parsed.alg !== key.algorithm) throw unauthorized(GENERIC_FAILURE);
  const verificationKey = toVerificationKey(key);
  if (!verificationKey) throw unauthorized(GENERIC_FAILURE);

  let verified = false;
  for (const candidate of options.candidateUrls) {
    let base: string;
    try {
      base = signatureBase({ ...request, url: candidate }, parsed.params);
    } catch (error) {
      if (error instanceof SignatureError) throw unauthorized(error.message);
      throw error;
    }
    if (verifySignatureBytes(base, parsed.signature, verificationKey)) {
      verified = true;
      break;
    }
  }
  if (!verified) throw unauthorized(GENERIC_FAILURE);

  const digest = checkContentDigest(request.headers['content-digest'], body);
  if (!digest.ok) throw unauthorized(digest.reason, 'invalid-digest');

  // Only now, with possession of the key proven, may the key's state be told.
  if (!key.active) throw new Problem(403, 'key-revoked', `key ${key.keyId} has been revoked`);
  return { key, nonce: parsed.nonce, created: parsed.created };
}

function toVerificationKey(key: SigningKey): VerificationKey | undefined {
  if (key.algorithm === 'ed25519' && key.publicKeyPem) {
    try {
      const publicKey = createPublicKey(key.publicKeyPem);
      return publicKey.asymmetricKeyType === 'ed25519' ? { algorithm: 'ed25519', publicKey } : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
