/**
 * RFC 9530 Content-Digest: a structured-field dictionary of algorithm → byte sequence,
 * checked against the raw body bytes (never a re-serialised JSON).
 */
import { createHash } from 'node:crypto';
import { parseDictionary, serializeDictionary } from 'structured-headers';
import { repeatedMemberName } from './structured-fields.ts';

const ALGORITHMS = { 'sha-256': 'sha256', 'sha-512': 'sha512' } as const;
export type DigestAlgorithm = keyof typeof ALGORITHMS;

export function contentDigest(body: Uint8Array | string, algorithm: DigestAlgorithm = 'sha-256'): string {
  const digest = createHash(ALGORITHMS[algorithm]).update(body).digest();
  return serializeDictionary({ [algorithm]: [digest, new Map()] });
}

export type DigestCheck = { ok: true; algorithms: DigestAlgorithm[] } | { ok: false; reason: string };

/**
 * Every digest we know (sha-256, sha-512) present in the header must match; at least one must be
 * present. Digests of algorithms we do not know are ignored, as RFC 9530 §2 allows.
 */
export function checkContentDigest(field: string | readonly string[] | undefined, body: Uint8Array): DigestCheck {
  const header = typeof field === 'string' || field === undefined ? field : field.join(', ');
  if (!header) return { ok: false, reason: 'the Content-Digest header is missing' };
  let dict: ReturnType<typeof parseDictionary>;
  try {
    dict = parseDictionary(header);
  } catch {
    return { ok: false, reason: 'the Content-Digest header is not a valid structured-field dictionary' };
  }
  // RFC 8941 lets the last of two "sha-256" members win; a bad first one must not hide behind a good last one.
  const repeated = repeatedMemberName(header);
  if (repeated !== undefined) return { ok: false, reason: `the Content-Digest header names ${repeated} more than once` };
  const checked: DigestAlgorithm[] = [];
  for (const [name, member] of dict) {
    if (!(name in ALGORITHMS)) continue;
    const algorithm = name as DigestAlgorithm;
    const value = member[0];
    if (!(value instanceof ArrayBuffer)) {
      return { ok: false, reason: `the ${algorithm} digest must be a byte sequence (:base64:)` };
    }
    const expected = createHash(ALGORITHMS[algorithm]).update(body).digest();
    if (!Buffer.from(value).equals(expected)) {
      return { ok: false, reason: `the ${algorithm} Content-Digest does not match the body` };
    }
    checked.push(algorithm);
  }
  if (checked.length === 0) return { ok: false, reason: 'the Content-Digest header has no sha-256 or sha-512 digest' };
  return { ok: true, algorithms: checked };
}
