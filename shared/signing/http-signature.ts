/**
 * RFC 9421 HTTP Message Signatures for requests: the signature base (§2), parsing of
 * Signature-Input / Signature (§4), verification (§3.2) and signing (§3.1), with the
 * `ed25519` and `hmac-sha256` algorithms (§3.3.6, §3.3.3).
 *
 * This is the library level: it checks what RFC 9421 itself requires (one well-formed
 * signature, a base that can be built, `alg` agreeing with the key, `expires` not passed, the
 * signature bytes) and nothing of our policy. authentication wraps it with the policy
 * (required components and parameters, clock window, nonce, body digest, key state).
 *
 * Written by hand on top of `structured-headers` (which does all the RFC 8941/9651 parsing and
 * serialising) rather than with a signature library because the libraries we looked at derive
 * @path and @query from a normalised URL instead of the bytes that were sent, and their verify
 * defaults (any age, `null` for "no signature", the last of several signatures deciding) are
 * the opposite of what a security boundary needs. Tested against RFC 9421 Appendix B and
 * against an independent signer.
 */
import { createHmac, type KeyObject, randomBytes, sign, timingSafeEqual, verify } from 'node:crypto';
import {
  type BareItem,
  type InnerList,
  type Item,
  type Parameters,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeInnerList,
  serializeItem,
  serializeList,
} from 'structured-headers';
import { contentDigest, type DigestAlgorithm } from './content-digest.ts';
import { repeatedMemberName } from './structured-fields.ts';

export interface HttpRequestLike {
  method: string;
  /**
   * The target URI as the client addressed it: scheme, authority, path and query, exactly as
   * sent (not normalised: @path and @query are the raw bytes of the request target).
   */
  url: string;
  /** Lower-case names. An array holds the separate field lines of a repeated field. */
  headers: Record<string, string | readonly string[] | undefined>;
}

/** Why a signature was refused; `rule` names the failed rule (the problem type's slug). */
export class SignatureError extends Error {
  override name = 'SignatureError';
  constructor(
    readonly rule: SignatureRule,
    message: string,
  ) {
    super(message);
  }
}

export type SignatureRule =
  | 'missing-signature'
  | 'multiple-signatures'
  | 'malformed-signature'
  | 'duplicate-member'
  | 'unsupported-component'
  | 'missing-component'
  | 'unsupported-algorithm'
  | 'expired-signature'
  | 'invalid-signature';

/** The structured-field type of fields the `sf` and `key` parameters may name (RFC 9421 §2.1.1). */
export type StructuredFieldType = 'dictionary' | 'list' | 'item';

export const KNOWN_STRUCTURED_FIELDS: Readonly<Record<string, StructuredFieldType>> = {
  'content-digest': 'dictionary',
  'repr-digest': 'dictionary',
  'want-content-digest': 'dictionary',
  'want-repr-digest': 'dictionary',
  signature: 'dictionary',
  'signature-input': 'dictionary',
  priority: 'dictionary',
  'accept-ch': 'list',
  'cache-status': 'list',
  'proxy-status': 'list',
  'content-length': 'item',
};

export interface BaseOptions {
  /** Extra structured fields the `sf`/`key` parameters may be used with (name → type). */
  structuredFields?: Record<string, StructuredFieldType>;
}

interface TargetUri {
  scheme: string;
  authority: string;
  path: string;
  query: string | undefined;
}

/**
 * Splits a target URI without normalising it: `new URL()` would resolve dot segments and
 * re-encode characters, and the signer signed the bytes it sent.
 */
function parseTargetUri(url: string): TargetUri {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)((?:\/[^?#]*)?)(?:\?([^#]*))?(?:#.*)?$/s.exec(url);
  if (!match) throw new SignatureError('malformed-signature', `the target URI "${url}" is not an absolute URI`);
  return { scheme: match[1]!, authority: match[2]!, path: match[3]!, query: match[4] };
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/** RFC 9421 §2.2.3: the authority lower-cased, without the scheme's default port. */
function normalisedAuthority(target: TargetUri): string {
  const authority = target.authority.replace(/^.*@/, '').toLowerCase();
  const port = /:(\d*)$/.exec(authority);
  if (port && (port[1] === '' || port[1] === DEFAULT_PORTS[target.scheme.toLowerCase()])) {
    return authority.slice(0, -port[0].length);
  }
  return authority;
}

/**
 * RFC 9421 §2.2.8: query names and values are parsed as application/x-www-form-urlencoded
 * (so "+" is a space) and re-encoded with the "percent-encode after encoding" step of the URL
 * Standard without space-as-plus: everything but ASCII alphanumerics and `*-._` is escaped.
 */
export function encodeQueryParamPart(value: string): string {
  return encodeURIComponent(value).replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function formDecode(text: string): string {
  const bytes = Buffer.from(text.replace(/\+/g, ' '), 'utf8');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
    if (bytes[i] === 0x25 && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(bytes[i]!);
  }
  return Buffer.from(out).toString('utf8');
}

function queryParamValue(query: string | undefined, encodedName: string): string {
  const values: string[] = [];
  for (const pair of (query ?? '').split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = formDecode(at < 0 ? pair : pair.slice(0, at));
    if (encodeQueryParamPart(name) === encodedName) values.push(formDecode(at < 0 ? '' : pair.slice(at + 1)));
  }
  if (values.length === 0)
    throw new SignatureError('missing-component', `the query parameter "${encodedName}" is covered but not in the request`);
  // §2.2.8: a repeated parameter cannot be covered unambiguously.
  if (values.length > 1) throw new SignatureError('unsupported-component', `the query parameter "${encodedName}" occurs more than once`);
  return encodeQueryParamPart(values[0]!);
}

function fieldLines(request: HttpRequestLike, name: string): string[] | undefined {
  const raw = request.headers[name];
  if (raw === undefined) return undefined;
  const lines = typeof raw === 'string' ? [raw] : [...raw];
  // §2.1: strip surrounding whitespace; an obsolete line folding becomes a single space.
  return lines.map((line) => line.replace(/\r?\n[ \t]+/g, ' ').replace(/^[ \t]+|(?<![ \t])[ \t]+$/g, ''));
}

function derivedValue(request: HttpRequestLike, name: string, params: Parameters): string {
  for (const key of params.keys()) {
    if (key === 'req')
      throw new SignatureError('unsupported-component', `"${name}";req refers to a request from a response; this is a request`);
    if (!(name === '@query-param' && key === 'name')) {
      throw new SignatureError('unsupported-component', `the parameter ${key} is not defined for ${name}`);
    }
  }
  const target = parseTargetUri(request.url);
  switch (name) {
    case '@method':
      return request.method;
    case '@target-uri':
      return request.url.split('#', 1)[0]!;
    case '@authority':
      return normalisedAuthority(target);
    case '@scheme':
      return target.scheme.toLowerCase();
    case '@request-target':
      return (target.path || '/') + (target.query !== undefined ? `?${target.query}` : '');
    case '@path':
      return target.path || '/';
    case '@query':
      return `?${target.query ?? ''}`;
    case '@query-param': {
      const encodedName = params.get('name');
      if (typeof encodedName !== 'string') throw new SignatureError('malformed-signature', '@query-param needs a string name parameter');
      return queryParamValue(target.query, encodedName);
    }
    case '@status':
      throw new SignatureError('unsupported-component', '@status is part of a response, not of a request');
    default:
      throw new SignatureError('unsupported-component', `unknown derived component ${name}`);
  }
}

function fieldValue(request: HttpRequestLike, name: string, params: Parameters, options: BaseOptions): string {
  if (name !== name.toLowerCase()) throw new SignatureError('malformed-signature', `the component name "${name}" must be lower-case`);
  for (const key of params.keys()) {
    if (key === 'tr') throw new SignatureError('unsupported-component', `"${name}";tr: trailers are not accepted`);
    if (key === 'req')
      throw new SignatureError('unsupported-component', `"${name}";req refers to a request from a response; this is a request`);
    if (key !== 'sf' && key !== 'key' && key !== 'bs')
      throw new SignatureError('unsupported-component', `the parameter ${key} is not defined for a header field`);
  }
  const lines = fieldLines(request, name);
  if (lines === undefined) throw new SignatureError('missing-component', `the signed header ${name} is missing from the request`);

  if (params.has('bs')) {
    if (params.has('sf') || params.has('key'))
      throw new SignatureError('malformed-signature', `"${name}": bs cannot be combined with sf or key`);
    // §2.1.3: each field line on its own, as a byte sequence. A proxy that already joined the
    // lines leaves one line, and the signature then fails rather than matching wrongly.
    return lines.map((line) => `:${Buffer.from(line, 'latin1').toString('base64')}:`).join(', ');
  }
  const combined = lines.join(', ');
  const key = params.get('key');
  if (!params.has('sf') && key === undefined) return combined;

  const type = options.structuredFields?.[name] ?? KNOWN_STRUCTURED_FIELDS[name];
  if (key !== undefined) {
    if (typeof key !== 'string') throw new SignatureError('malformed-signature', `"${name}": the key parameter must be a string`);
    if (type !== undefined && type !== 'dictionary')
      throw new SignatureError('unsupported-component', `"${name}": key applies only to dictionary fields`);
    let dictionary: ReturnType<typeof parseDictionary>;
    try {
      dictionary = parseDictionary(combined);
    } catch {
      throw new SignatureError('malformed-signature', `the header ${name} is not a structured-field dictionary`);
    }
    // A covered member must be unambiguous, as for the signature headers themselves.
    if (repeatedMemberName(combined) === key)
      throw new SignatureError('duplicate-member', `the header ${name} names the member "${key}" more than once`);
    const member = dictionary.get(key);
    if (member === undefined) throw new SignatureError('missing-component', `the header ${name} has no member "${key}"`);
    return Array.isArray(member[0]) ? serializeInnerList(member as InnerList) : serializeItem(member as Item);
  }
  if (type === undefined)
    throw new SignatureError('unsupported-component', `"${name}";sf: ${name} is not a structured field known to this server`);
  try {
    if (type === 'dictionary') return serializeDictionary(parseDictionary(combined));
    if (type === 'list') return serializeList(parseList(combined));
    return serializeItem(parseItem(combined));
  } catch {
    throw new SignatureError('malformed-signature', `the header ${name} is not a valid structured ${type}`);
  }
}

/** The signature base of RFC 9421 §2.5 for the covered components and parameters in `signatureParams`. */
export function signatureBase(request: HttpRequestLike, signatureParams: InnerList, options: BaseOptions = {}): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const item of signatureParams[0]) {
    const [name, params] = item;
    if (typeof name !== 'string') throw new SignatureError('malformed-signature', 'a covered component identifier must be a string');
    if (name === '@signature-params') throw new SignatureError('malformed-signature', '"@signature-params" cannot be a covered component');
    const identifier = serializeItem(item);
    if (seen.has(identifier)) throw new SignatureError('malformed-signature', `the component ${identifier} is covered twice`);
    seen.add(identifier);
    const value = name.startsWith('@') ? derivedValue(request, name, params) : fieldValue(request, name, params, options);
    if (/[\r\n]/.test(value)) throw new SignatureError('malformed-signature', `the value of ${identifier} contains a line break`);
    lines.push(`${identifier}: ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(signatureParams)}`);
  return lines.join('\n');
}

export interface ParsedSignature {
  label: string;
  params: InnerList;
  /** Serialized component identifiers, e.g. `"@method"`, `"content-digest"`. */
  components: string[];
  created?: number;
  expires?: number;
  keyId?: string;
  nonce?: string;
  alg?: string;
  tag?: string;
  signature: Buffer;
}

type Headers = HttpRequestLike['headers'];

function joined(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' || value === undefined ? value : value.join(', ');
}

/**
 * Parses `Signature-Input` and `Signature`. Exactly one label is accepted: a verifier that
 * accepts "any valid one" of several lets an attacker choose the signature (and so the key
 * and scopes) that suits them.
 */
export function parseSignatureHeaders(headers: Headers): ParsedSignature {
  const inputHeader = joined(headers, 'signature-input');
  const signatureHeader = joined(headers, 'signature');
  if (!inputHeader && !signatureHeader) {
    throw new SignatureError(
      'missing-signature',
      'the request is not signed: Signature-Input and Signature headers are required (RFC 9421)',
    );
  }
  if (!inputHeader || !signatureHeader) {
    throw new SignatureError(
      'missing-signature',
      `the request has a ${inputHeader ? 'Signature-Input' : 'Signature'} header but no ${inputHeader ? 'Signature' : 'Signature-Input'} header`,
    );
  }
  let inputs: ReturnType<typeof parseDictionary>;
  let signatures: ReturnType<typeof parseDictionary>;
  try {
    inputs = parseDictionary(inputHeader);
    signatures = parseDictionary(signatureHeader);
  } catch {
    throw new SignatureError('malformed-signature', 'Signature-Input and Signature must be structured-field dictionaries (RFC 9421 §4)');
  }
  // Checked before the count: "sig1=…, sig1=…" parses to one member (the last), which would pass it.
  for (const [field, value] of [
    ['Signature-Input', inputHeader],
    ['Signature', signatureHeader],
  ] as const) {
    const repeated = repeatedMemberName(value);
    if (repeated !== undefined) {
      throw new SignatureError(
        'duplicate-member',
        `the ${field} header names the member "${repeated}" more than once; a signature label may occur only once`,
      );
    }
  }
  if (inputs.size > 1 || signatures.size > 1) {
    throw new SignatureError(
      'multiple-signatures',
      `exactly one signature is accepted per request; this one has ${Math.max(inputs.size, signatures.size)}`,
    );
  }
  if (inputs.size === 0 || signatures.size === 0) throw new SignatureError('missing-signature', 'Signature-Input or Signature is empty');
  const [label, input] = [...inputs][0]!;
  const signatureMember = signatures.get(label);
  if (!signatureMember) throw new SignatureError('malformed-signature', `the Signature header has no member labelled "${label}"`);
  if (!Array.isArray(input[0]))
    throw new SignatureError('malformed-signature', 'a Signature-Input member must be an inner list of components');
  const params = input as InnerList;
  const signatureValue = signatureMember[0];
  if (!(signatureValue instanceof ArrayBuffer))
    throw new SignatureError('malformed-signature', 'a Signature member must be a byte sequence (:base64:)');

  const p = params[1];
  return {
    label,
    params,
    components: params[0].map((item) => serializeItem(item)),
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
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new SignatureError('malformed-signature', `the ${name} parameter must be an integer`);
  return value;
}

function stringParam(params: Parameters, name: string): string | undefined {
  const value: BareItem | undefined = params.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new SignatureError('malformed-signature', `the ${name} parameter must be a string`);
  return value;
}

export const SIGNATURE_ALGORITHMS = ['ed25519', 'hmac-sha256'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

export type VerificationKey = { algorithm: 'ed25519'; publicKey: KeyObject } | { algorithm: 'hmac-sha256'; secret: Buffer };

export type SigningKeyMaterial = { algorithm: 'ed25519'; privateKey: KeyObject } | { algorithm: 'hmac-sha256'; secret: Buffer };

/** Verifies the signature bytes over `base` (RFC 9421 §3.3.6, §3.3.3). */
export function verifySignatureBytes(base: string, signature: Buffer, key: VerificationKey): boolean {
  if (key.algorithm === 'ed25519') {
    if (signature.length !== 64) return false;
    return verify(null, Buffer.from(base, 'utf8'), key.publicKey, signature);
  }
  const expected = createHmac('sha256', key.secret).update(base, 'utf8').digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

export function signatureBytes(base: string, key: SigningKeyMaterial): Buffer {
  if (key.algorithm === 'ed25519') return sign(null, Buffer.from(base, 'utf8'), key.privateKey);
  return createHmac('sha256', key.secret).update(base, 'utf8').digest();
}

export interface VerifyOptions extends BaseOptions {
  /** For `expires`; defaults to the clock. */
  nowSeconds?: number;
}

const GENERIC_FAILURE = 'the signature could not be verified with the key named by keyid';

/**
 * Verifies an already parsed signature against `key` for this request: `alg` (when given)
 * must be the key's, `expires` (when given) must not have passed, the base must be
 * buildable and the signature bytes must match. Throws a SignatureError otherwise.
 * Every key-related failure has the same message, so it never tells whether a key exists.
 */
export function verifyParsedSignature(
  request: HttpRequestLike,
  parsed: ParsedSignature,
  key: VerificationKey,
  options: VerifyOptions = {},
): string {
  if (parsed.alg !== undefined && !(SIGNATURE_ALGORITHMS as readonly string[]).includes(parsed.alg)) {
    throw new SignatureError(
      'unsupported-algorithm',
      `alg "${parsed.alg}" is not supported; use ed25519 (or hmac-sha256 for a shared-secret key)`,
    );
  }
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (parsed.expires !== undefined && parsed.expires <= now) {
    throw new SignatureError('expired-signature', `the signature expired at ${parsed.expires} (server time ${now})`);
  }
  const base = signatureBase(request, parsed.params, options);
  const algOk = parsed.alg === undefined || parsed.alg === key.algorithm;
  // Verify even when alg disagrees, so both failures take the same time.
  const bytesOk = verifySignatureBytes(base, parsed.signature, key);
  if (!algOk || !bytesOk) throw new SignatureError('invalid-signature', GENERIC_FAILURE);
  return base;
}

/**
 * Library-level verification (RFC 9421 §3.2) with no policy of ours: parse the single
 * signature, look up its key, verify. The caller decides which components and parameters
 * it requires; authentication is our policy on top of this.
 */
export async function verifyRequestSignature(
  request: HttpRequestLike,
  resolveKey: (signature: ParsedSignature) => VerificationKey | undefined | Promise<VerificationKey | undefined>,
  options: VerifyOptions = {},
): Promise<ParsedSignature & { base: string }> {
  const parsed = parseSignatureHeaders(request.headers);
  const key = await resolveKey(parsed);
  if (!key) throw new SignatureError('invalid-signature', GENERIC_FAILURE);
  const base = verifyParsedSignature(request, parsed, key, options);
  return { ...parsed, base };
}

export interface SignOptions {
  keyId: string;
  /** An ed25519 private key (the usual case) … */
  privateKey?: KeyObject;
  /** … or a signing key of either algorithm. */
  key?: SigningKeyMaterial;
  /** Covered components; default @method @authority @path (@query) content-type content-digest. */
  components?: string[];
  created?: number;
  expires?: number;
  nonce?: string;
  /** Leave the nonce out (only to reproduce published examples: our API requires one). */
  omitNonce?: boolean;
  tag?: string;
  label?: string;
  /** Whether to include alg; RFC 9421 makes it optional. */
  includeAlg?: boolean;
  digestAlgorithm?: DigestAlgorithm;
}

/**
 * Signs a request the way an official's client does: Content-Digest over the body, then a
 * signature over @method, @authority, @path, (@query,) content-type and content-digest
 * with created, keyid, a fresh nonce and alg. Returns all headers to send (lower-case names).
 */
export function signRequest(
  request: { method: string; url: string; headers: Record<string, string>; body?: string | Uint8Array },
  options: SignOptions,
): Record<string, string> {
  const key: SigningKeyMaterial | undefined =
    options.key ?? (options.privateKey ? { algorithm: 'ed25519', privateKey: options.privateKey } : undefined);
  if (!key) throw new Error('signRequest needs privateKey or key');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
  if (request.body !== undefined) headers['content-digest'] = contentDigest(request.body, options.digestAlgorithm);
  const target = parseTargetUri(request.url);
  const components = options.components ?? [
    '@method',
    '@authority',
    '@path',
    ...(target.query !== undefined ? ['@query'] : []),
    ...(headers['content-type'] ? ['content-type'] : []),
    ...(request.body !== undefined ? ['content-digest'] : []),
  ];
  const params: Parameters = new Map<string, BareItem>([['created', options.created ?? Math.floor(Date.now() / 1000)]]);
  if (options.expires !== undefined) params.set('expires', options.expires);
  params.set('keyid', options.keyId);
  if (!options.omitNonce) params.set('nonce', options.nonce ?? randomBytes(16).toString('base64url'));
  if (options.tag !== undefined) params.set('tag', options.tag);
  if (options.includeAlg ?? true) params.set('alg', key.algorithm);
  const inner: InnerList = [components.map((c) => parseItem(c.startsWith('"') ? c : JSON.stringify(c))), params];
  const base = signatureBase({ method: request.method, url: request.url, headers }, inner);
  const label = options.label ?? 'sig1';
  headers['signature-input'] = serializeDictionary(new Map([[label, inner]]));
  headers['signature'] = serializeDictionary(new Map([[label, [signatureBytes(base, key), new Map()] as Item]]));
  return headers;
}
