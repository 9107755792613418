/**
 * RFC 9421 signing with WebCrypto Ed25519, as the API's verifier expects it (the same contract
 * the CLI signs with): one signature `sig1` covering the method, authority, path (and query),
 * and every header it is given, with `created`, `keyid`, a single-use `nonce` and `alg`.
 */

export interface SignedRequestInput {
  method: string;
  url: URL;
  /** Header name (lower-case) → value, in the order they are covered. */
  headers: Record<string, string>;
  keyId: string;
  privateKey: CryptoKey;
  /** Unix seconds; default now. */
  created?: number;
  nonce?: string;
}

const encoder = new TextEncoder();

export function base64(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function base64url(bytes: Uint8Array): string {
  return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** RFC 9530 Content-Digest (sha-256) of the exact body bytes. */
export async function contentDigest(body: string): Promise<string> {
  return `sha-256=:${base64(await crypto.subtle.digest('SHA-256', encoder.encode(body)))}:`;
}

const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The signature base (RFC 9421 §2.5) and the `Signature-Input` value it ends with. */
export function signatureBase(input: Omit<SignedRequestInput, 'privateKey'> & { created: number; nonce: string }) {
  const components: Array<[string, string]> = [
    ['@method', input.method.toUpperCase()],
    ['@authority', input.url.host.toLowerCase()],
    ['@path', input.url.pathname],
  ];
  if (input.url.search) components.push(['@query', input.url.search]);
  for (const [name, value] of Object.entries(input.headers)) components.push([name.toLowerCase(), value.trim()]);
  const params =
    `(${components.map(([name]) => quote(name)).join(' ')})` +
    `;created=${input.created};keyid=${quote(input.keyId)};nonce=${quote(input.nonce)};alg="ed25519"`;
  const lines = components.map(([name, value]) => `${quote(name)}: ${value}`);
  lines.push(`"@signature-params": ${params}`);
  return { base: lines.join('\n'), params };
}

/** The headers to send: the given ones plus Signature-Input and Signature. */
export async function signRequest(input: SignedRequestInput): Promise<Record<string, string>> {
  const created = input.created ?? Math.floor(Date.now() / 1000);
  const nonce = input.nonce ?? base64url(crypto.getRandomValues(new Uint8Array(16)));
  const { base, params } = signatureBase({ ...input, created, nonce });
  const signature = await crypto.subtle.sign({ name: 'Ed25519' }, input.privateKey, encoder.encode(base));
  return { ...input.headers, 'signature-input': `sig1=${params}`, signature: `sig1=:${base64(signature)}:` };
}
