/**
 * RFC 9421 HTTP Message Signatures: the signature base, verification under our policy, and
 * signing (for the CLI).
 *
 * Written by hand on top of `structured-headers` rather than with a signature library because
 * the policy is the point: the libraries we looked at accept signatures of any age, return
 * null on a missing signature, never check the body digest and let the last of several
 * signatures win — each of which is a rejection here. The base itself is short and tested
 * against RFC 9421 Appendix B, and tests sign with an independent implementation.
 */
import { createHmac, createPrivateKey, createPublicKey, randomBytes, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import {
  parseDictionary,
  serializeInnerList,
  serializeItem,
  type BareItem,
  type InnerList,
  type Item,
  type Parameters,
} from 'structured-headers';
import { contentDigest } from './content-digest.ts';

export interface HttpRequestLike {
  method: string;
  /** The full target URI: scheme, authority, path and query. */
  url: string;
  /** Header names lower-case; repeated fields already combined with ", ". */
  headers: Record<string, string | undefined>;
}

export class SignatureError extends Error {
  override name = 'SignatureError';
}

function componentValue(request: HttpRequestLike, item: Item): string {
  const [name, params] = item;
  if (typeof name !== 'string') throw new SignatureError('a covered component identifier must be a string');
  const url = new URL(request.url);
  switch (name) {
    case '@method':
      return request.method.toUpperCase();
    case '@target-uri':
      return url.href;
    case '@authority':
      return url.host.toLowerCase();
    case '@scheme':
      return url.protocol.slice(0, -1).toLowerCase();
    case '@request-target':
      return url.pathname + url.search;
    case '@path':
      return url.pathname || '/';
    case '@query':
      return url.search || '?';
    case '@query-param': {
      const wanted = params.get('name');
      if (typeof wanted !== 'string') throw new SignatureError('@query-param needs a name parameter');
      const values = new URLSearchParams(url.search).getAll(wanted);
      if (values.length !== 1) throw new SignatureError(`@query-param "${wanted}" must occur exactly once`);
      return encodeQueryPart(values[0]!);
    }
    case '@status':
      throw new SignatureError('@status is not part of a request');
    default: {
      if (name.startsWith('@')) throw new SignatureError(`unknown derived component ${name}`);
      if (name !== name.toLowerCase()) throw new SignatureError(`component ${name} must be lower-case`);
      const value = request.headers[name];
      if (value === undefined) throw new SignatureError(`the signed header ${name} is missing from the request`);
      if (params.size > 0) throw new SignatureError(`parameters on the header component ${name} are not supported`);
      return value
        .split('\n')
        .map((line) => line.trim())
        .join(' ')
        .trim();
    }
  }
}

/** Percent-encoding of a query parameter name or value for @query-param (RFC 9421 §2.2.8). */
function encodeQueryPart(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The signature base of RFC 9421 §2.5 for the covered components in `signatureParams`. */
export function signatureBase(request: HttpRequestLike, signatureParams: InnerList): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const item of signatureParams[0]) {
    const identifier = serializeItem(item);
    if (seen.has(identifier)) throw new SignatureError(`component ${identifier} is covered twice`);
    seen.add(identifier);
    lines.push(`${identifier}: ${componentValue(request, item)}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(signatureParams)}`);
  return lines.join('\n');
}

export interface ParsedSignature {
  label: string;
  params: InnerList;
  components: string[];
  created?: number;
  expires?: number;
  keyId?: string;
  nonce?: string;
  alg?: string;
  tag?: string;
  signature: Buffer;
}

/**
 * Parses `Signature-Input` and `Signature`. Exactly one label is accepted: a verifier that
 * accepts "any valid one" of several lets an attacker pick the signature that suits them.
 */
export function parseSignatureHeaders(headers: Record<string, string | undefined>): ParsedSignature {
  const inputHeader = headers['signature-input'];
  const signatureHeader = headers['signature'];
  if (!inputHeader || !signatureHeader) throw new SignatureError('the request is not signed: Signature-Input and Signature headers are required');
  let inputs: ReturnType<typeof parseDictionary>;
  let signatures: ReturnType<typeof parseDictionary>;
  try {
    inputs = parseDictionary(inputHeader);
    signatures = parseDictionary(signatureHeader);
  } catch {
    throw new SignatureError('Signature-Input and Signature must be structured-field dictionaries (RFC 9421 §4)');
  }
  if (inputs.size !== 1 || signatures.size !== 1) {
    throw new SignatureError('exactly one signature is accepted per request');
  }
  const [label, input] = [...inputs][0]!;
  const signatureMember = signatures.get(label);
  if (!signatureMember) throw new SignatureError(`the Signature header has no member labelled "${label}"`);
  if (!Array.isArray(input[0])) throw new SignatureError('a Signature-Input member must be an inner list of components');
  const params = input as InnerList;
  const signatureValue = signatureMember[0];
  if (!(signatureValue instanceof ArrayBuffer)) throw new SignatureError('a Signature member must be a byte sequence');

  const p = params[1];
  const components = params[0].map((item) => serializeItem(item));
  return {
    label,
    params,
    components,
    created: integerParam(p, 'created'),
    expires: integerParam(p, 'expires'),
    keyId: stringParam(p, 'keyid'),
    nonce: stringParam(p, 'nonce'),
    alg: stringParam(p, 'alg'),
    tag: stringParam(p, 'tag'),
    signature: Buffer.from(signatureValue),
  };
}

function integerParam(params: Parameters, name: string): number | undefined {
  const value: BareItem | undefined = params.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new SignatureError(`the ${name} parameter must be an integer`);
  return value;
}

function stringParam(params: Parameters, name: string): string | undefined {
  const value: BareItem | undefined = params.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new SignatureError(`the ${name} parameter must be a string`);
  return value;
}

export type VerificationKey =
  | { algorithm: 'ed25519'; publicKey: KeyObject }
  | { algorithm: 'hmac-sha256'; secret: Buffer };

/** Verifies the cryptographic signature over `base`. Policy checks are the caller's. */
export function verifySignatureBytes(base: string, signature: Buffer, key: VerificationKey): boolean {
  if (key.algorithm === 'ed25519') {
    if (signature.length !== 64) return false;
    return verify(null, Buffer.from(base, 'utf8'), key.publicKey, signature);
  }
  const expected = createHmac('sha256', key.secret).update(base, 'utf8').digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

export interface SignOptions {
  keyId: string;
  privateKey: KeyObject;
  /** Covered components; content-digest is added when a body is sent. */
  components?: string[];
  created?: number;
  nonce?: string;
  label?: string;
  /** Whether to include alg="ed25519"; RFC 9421 makes it optional. */
  includeAlg?: boolean;
}

/**
 * Signs a request the way an official's client does: Content-Digest (sha-256) over the body,
 * then an ed25519 signature over @method, @authority, @path, (@query,) content-type and
 * content-digest with created, keyid and a fresh nonce.
 */
export function signRequest(
  request: { method: string; url: string; headers: Record<string, string>; body?: string | Uint8Array },
  options: SignOptions,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
  const url = new URL(request.url);
  if (request.body !== undefined) headers['content-digest'] = contentDigest(request.body);
  const components = options.components ?? [
    '@method',
    '@authority',
    '@path',
    ...(url.search ? ['@query'] : []),
    ...(headers['content-type'] ? ['content-type'] : []),
    ...(request.body !== undefined ? ['content-digest'] : []),
  ];
  const params: Parameters = new Map<string, BareItem>([
    ['created', options.created ?? Math.floor(Date.now() / 1000)],
    ['keyid', options.keyId],
    ['nonce', options.nonce ?? randomBytes(16).toString('base64url')],
  ]);
  if (options.includeAlg ?? true) params.set('alg', 'ed25519');
  const inner: InnerList = [components.map((c) => [c, new Map()] as Item), params];
  const base = signatureBase({ method: request.method, url: request.url, headers }, inner);
  const signature = sign(null, Buffer.from(base, 'utf8'), options.privateKey);
  const label = options.label ?? 'sig1';
  headers['signature-input'] = `${label}=${serializeInnerList(inner)}`;
  headers['signature'] = `${label}=:${signature.toString('base64')}:`;
  return headers;
}

export function loadPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an ed25519 private key, got ${key.asymmetricKeyType}`);
  return key;
}

export function publicKeyPemOf(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}
