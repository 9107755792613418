/**
 * RFC 9421 Appendix B and RFC 9530 vectors, read from the verbatim fixtures, against the
 * library level of http-signature.ts (no policy of ours: the vectors cover neither
 * content-digest nor a nonce, and were created in 2021).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type InnerList, parseDictionary } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { checkContentDigest, contentDigest } from '#shared/signing/content-digest';
import {
  type HttpRequestLike,
  parseSignatureHeaders,
  SignatureError,
  signatureBase,
  signRequest,
  type VerificationKey,
  verifyRequestSignature,
} from '#shared/signing/http-signature';

const RFC9421 = join(import.meta.dirname, '../fixtures/rfc9421');
const RFC9530 = join(import.meta.dirname, '../fixtures/rfc9530');
const fixture = (name: string) => readFileSync(join(RFC9421, name), 'utf8');

/** Reads an HTTP/1.1 request message; repeated fields stay separate lines. */
function readRequest(text: string, scheme = 'https'): HttpRequestLike & { body: string } {
  const [head, body = ''] = text.split(/\r?\n\r?\n/, 2) as [string, string?];
  const [requestLine, ...fieldLines] = head.split(/\r?\n/);
  const [method, target] = requestLine!.split(' ') as [string, string];
  const headers: Record<string, string[]> = {};
  for (const line of fieldLines) {
    const at = line.indexOf(':');
    (headers[line.slice(0, at).toLowerCase()] ??= []).push(line.slice(at + 1));
  }
  return { method, url: `${scheme}://${headers.host![0]!.trim()}${target}`, headers, body };
}

const testRequest = () => readRequest(fixture('test-request.http'));
const withSignature = (request: HttpRequestLike, file: string): HttpRequestLike => {
  const headers = { ...request.headers };
  for (const line of fixture(file).trim().split('\n')) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  return { ...request, headers };
};
const inputOf = (file: string): InnerList => {
  const line = fixture(file)
    .split('\n')
    .find((l) => l.startsWith('Signature-Input:'))!;
  return [...parseDictionary(line.slice('Signature-Input:'.length).trim()).values()][0] as InnerList;
};

const ed25519Key: VerificationKey = { algorithm: 'ed25519', publicKey: createPublicKey(fixture('test-key-ed25519.pub.pem')) };
const sharedSecret: VerificationKey = { algorithm: 'hmac-sha256', secret: Buffer.from(fixture('test-shared-secret.b64').trim(), 'base64') };
const keys: Record<string, VerificationKey> = { 'test-key-ed25519': ed25519Key, 'test-shared-secret': sharedSecret };
const lookup = (signature: { keyId?: string }) => keys[signature.keyId ?? ''];

describe('RFC 9421 Appendix B.2 signature bases', () => {
  it.each(['b2.1', 'b2.2', 'b2.3', 'b2.5', 'b2.6'])('builds the %s base byte for byte', (name) => {
    expect(signatureBase(testRequest(), inputOf(`${name}-signature.http`))).toBe(fixture(`${name}-signature-base.txt`));
  });
});

describe('RFC 9421 Appendix B.2.5 and B.2.6 signatures', () => {
  it('verifies B.2.6 (ed25519, test-key-ed25519) at the library level', async () => {
    const verified = await verifyRequestSignature(withSignature(testRequest(), 'b2.6-signature.http'), lookup);
    expect(verified).toMatchObject({ label: 'sig-b26', keyId: 'test-key-ed25519', created: 1618884473 });
    expect(verified.base).toBe(fixture('b2.6-signature-base.txt'));
  });

  it('verifies B.2.5 (hmac-sha256, test-shared-secret) at the library level', async () => {
    const verified = await verifyRequestSignature(withSignature(testRequest(), 'b2.5-signature.http'), lookup);
    expect(verified).toMatchObject({ label: 'sig-b25', keyId: 'test-shared-secret' });
  });

  it('signs B.2.6 and B.2.5 to the published bytes (both algorithms are deterministic)', () => {
    const request = testRequest();
    const url = request.url;
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v).trim()]));
    const b26 = signRequest(
      { method: 'POST', url, headers },
      {
        keyId: 'test-key-ed25519',
        privateKey: createPrivateKey(fixture('test-key-ed25519.pem')),
        components: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
        created: 1618884473,
        label: 'sig-b26',
        includeAlg: false,
        omitNonce: true,
      },
    );
    expect(`Signature: ${b26.signature}`).toBe(fixture('b2.6-signature.http').trim().split('\n')[1]);
    const b25 = signRequest(
      { method: 'POST', url, headers },
      {
        keyId: 'test-shared-secret',
        key: { algorithm: 'hmac-sha256', secret: (sharedSecret as { secret: Buffer }).secret },
        components: ['date', '@authority', 'content-type'],
        created: 1618884473,
        label: 'sig-b25',
        includeAlg: false,
        omitNonce: true,
      },
    );
    expect(`Signature-Input: ${b25['signature-input']}`).toBe(fixture('b2.5-signature.http').trim().split('\n')[0]);
    expect(`Signature: ${b25.signature}`).toBe(fixture('b2.5-signature.http').trim().split('\n')[1]);
  });

  it('rejects B.2.6 once any covered component changes', async () => {
    const request = withSignature(testRequest(), 'b2.6-signature.http');
    for (const changed of [
      { ...request, method: 'PUT' },
      { ...request, url: request.url.replace('/foo', '/bar') },
      { ...request, headers: { ...request.headers, 'content-length': '19' } },
      { ...request, headers: { ...request.headers, date: 'Wed, 21 Apr 2021 02:07:55 GMT' } },
    ]) {
      await expect(verifyRequestSignature(changed, lookup)).rejects.toMatchObject({ rule: 'invalid-signature' });
    }
  });

  it('rejects B.2.6 with the wrong algorithm or key, with one message for both', async () => {
    const request = withSignature(testRequest(), 'b2.6-signature.http');
    const asHmac = await verifyRequestSignature(request, () => sharedSecret).catch((e: SignatureError) => e);
    const unknown = await verifyRequestSignature(request, () => undefined).catch((e: SignatureError) => e);
    expect(asHmac).toBeInstanceOf(SignatureError);
    expect(unknown).toBeInstanceOf(SignatureError);
    expect((asHmac as SignatureError).message).toBe((unknown as SignatureError).message);
  });

  it('honours expires and a declared alg', async () => {
    const privateKey = createPrivateKey(fixture('test-key-ed25519.pem'));
    const request = testRequest();
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v).trim()]));
    const signed = (options: { expires?: number }) => ({
      ...request,
      headers: signRequest(
        { method: 'POST', url: request.url, headers },
        { keyId: 'test-key-ed25519', privateKey, components: ['@method', '@path'], created: 1618884473, ...options },
      ),
    });
    await expect(verifyRequestSignature(signed({ expires: 1618884773 }), lookup, { nowSeconds: 1618884600 })).resolves.toBeTruthy();
    await expect(verifyRequestSignature(signed({ expires: 1618884773 }), lookup, { nowSeconds: 1618884773 })).rejects.toMatchObject({
      rule: 'expired-signature',
    });
    const declared = signed({});
    expect(declared.headers['signature-input']).toContain(';alg="ed25519"');
    await expect(verifyRequestSignature(declared, () => sharedSecret)).rejects.toMatchObject({ rule: 'invalid-signature' });
  });
});

describe('RFC 9421 section 2 component values', () => {
  const examples = JSON.parse(fixture('section-2-examples.json')) as Record<
    string,
    { method?: string; target: string; headerLines?: Array<[string, string]>; expected: string[] }
  >;
  const structuredFields = { 'example-dict': 'dictionary' } as const;

  it.each(['fields', 'dictionaryMembers', 'binaryWrapped', 'derived', 'queryAbsent', 'queryString', 'queryParams', 'queryParamsEncoded'])(
    'gives the %s example values',
    (name) => {
      const example = examples[name]!;
      const headers: Record<string, string[]> = {};
      for (const [field, value] of example.headerLines ?? []) (headers[field] ??= []).push(value);
      const request: HttpRequestLike = { method: example.method ?? 'GET', url: example.target, headers };
      const identifiers = example.expected.map((line) => line.slice(0, line.indexOf(': ')));
      const inner = [...parseDictionary(`s=(${identifiers.join(' ')})`).values()][0] as InnerList;
      const base = signatureBase(request, inner, { structuredFields });
      expect(base.split('\n').slice(0, -1)).toEqual(example.expected);
    },
  );

  it('keeps @path and @query as sent, without normalising the URL', () => {
    const inner = [...parseDictionary('s=("@path" "@query" "@target-uri")').values()][0] as InnerList;
    const base = signatureBase({ method: 'GET', url: 'https://example.com/a/../b%7e/c d?x=%7E&y=a b', headers: {} }, inner);
    expect(base.split('\n').slice(0, 3)).toEqual([
      '"@path": /a/../b%7e/c d',
      '"@query": ?x=%7E&y=a b',
      '"@target-uri": https://example.com/a/../b%7e/c d?x=%7E&y=a b',
    ]);
  });

  it('lower-cases @authority and drops the default port', () => {
    const inner = [...parseDictionary('s=("@authority" "@scheme")').values()][0] as InnerList;
    expect(signatureBase({ method: 'GET', url: 'HTTPS://WWW.Example.COM:443/x', headers: {} }, inner).split('\n').slice(0, 2)).toEqual([
      '"@authority": www.example.com',
      '"@scheme": https',
    ]);
    expect(signatureBase({ method: 'GET', url: 'http://example.com:8080/x', headers: {} }, inner).split('\n')[0]).toBe(
      '"@authority": example.com:8080',
    );
  });

  it.each([
    ['a repeated query parameter', 's=("@query-param";name="a")', 'https://e.example/?a=1&a=2', {}, 'unsupported-component'],
    ['an absent query parameter', 's=("@query-param";name="b")', 'https://e.example/?a=1', {}, 'missing-component'],
    ['an absent header', 's=("x-missing")', 'https://e.example/', {}, 'missing-component'],
    [
      'an absent dictionary key',
      's=("content-digest";key="sha-256")',
      'https://e.example/',
      { 'content-digest': 'sha-512=:AA==:' },
      'missing-component',
    ],
    ['sf on an unknown field', 's=("x-unknown";sf)', 'https://e.example/', { 'x-unknown': 'a' }, 'unsupported-component'],
    ['bs with sf', 's=("content-digest";bs;sf)', 'https://e.example/', { 'content-digest': 'a=1' }, 'malformed-signature'],
    ['a trailer', 's=("content-digest";tr)', 'https://e.example/', { 'content-digest': 'a=1' }, 'unsupported-component'],
    ['req on a request', 's=("@method";req)', 'https://e.example/', {}, 'unsupported-component'],
    ['@status on a request', 's=("@status")', 'https://e.example/', {}, 'unsupported-component'],
    ['an unknown derived component', 's=("@fragment")', 'https://e.example/', {}, 'unsupported-component'],
    ['an upper-case field name', 's=("Date")', 'https://e.example/', { date: 'x' }, 'malformed-signature'],
    ['a component covered twice', 's=("@method" "@method")', 'https://e.example/', {}, 'malformed-signature'],
    ['@signature-params covered', 's=("@signature-params")', 'https://e.example/', {}, 'malformed-signature'],
  ])('refuses %s', (_name, input, url, headers, rule) => {
    const inner = [...parseDictionary(input).values()][0] as InnerList;
    expect(() => signatureBase({ method: 'GET', url, headers }, inner)).toThrow(expect.objectContaining({ rule }));
  });

  it('refuses more than one signature, and names a missing one', () => {
    expect(() => parseSignatureHeaders({ 'signature-input': 'a=();created=1, b=();created=1', signature: 'a=:AA==:, b=:AA==:' })).toThrow(
      expect.objectContaining({ rule: 'multiple-signatures' }),
    );
    expect(() => parseSignatureHeaders({})).toThrow(expect.objectContaining({ rule: 'missing-signature' }));
    expect(() => parseSignatureHeaders({ 'signature-input': 'a=();created=1' })).toThrow(
      expect.objectContaining({ rule: 'missing-signature' }),
    );
    expect(() => parseSignatureHeaders({ 'signature-input': 'a=();created=1', signature: 'b=:AA==:' })).toThrow(
      expect.objectContaining({ rule: 'malformed-signature' }),
    );
    expect(() => parseSignatureHeaders({ 'signature-input': 'a=();created="x"', signature: 'a=:AA==:' })).toThrow(
      expect.objectContaining({ rule: 'malformed-signature' }),
    );
  });
});

describe('RFC 9530 Content-Digest', () => {
  const vectors = JSON.parse(readFileSync(join(RFC9530, 'examples.json'), 'utf8')) as {
    examples: Array<{ section: string; content: string; field: string }>;
    rfc9421TestRequest: { content: string; field: string };
  };

  it.each(vectors.examples.map((e) => [e.section, e] as const))('computes and accepts the example of %s', (_section, example) => {
    const algorithm = example.field.startsWith('sha-512') ? 'sha-512' : 'sha-256';
    expect(contentDigest(example.content, algorithm)).toBe(example.field);
    expect(checkContentDigest(example.field, Buffer.from(example.content))).toEqual({ ok: true, algorithms: [algorithm] });
  });

  it('accepts the RFC 9421 test request digest and rejects it for any other body', () => {
    const { content, field } = vectors.rfc9421TestRequest;
    expect(checkContentDigest(field, Buffer.from(content)).ok).toBe(true);
    expect(checkContentDigest(field, Buffer.from(content + '\n'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match/),
    });
  });

  it('checks every known digest it is given, and ignores unknown algorithms', () => {
    const body = Buffer.from('{"hello": "world"}\n');
    const both = `${vectors.examples[0]!.field}, ${vectors.examples[1]!.field}`;
    expect(checkContentDigest(both, body)).toEqual({ ok: true, algorithms: ['sha-256', 'sha-512'] });
    expect(checkContentDigest(`${vectors.examples[0]!.field}, sha-512=:AAAA:`, body).ok).toBe(false);
    expect(checkContentDigest(`md5=:AAAA:, ${vectors.examples[0]!.field}`, body).ok).toBe(true);
    expect(checkContentDigest('md5=:AAAA:', body)).toMatchObject({ ok: false, reason: expect.stringMatching(/no sha-256 or sha-512/) });
    expect(checkContentDigest('sha-256=abc', body)).toMatchObject({ ok: false, reason: expect.stringMatching(/byte sequence/) });
    expect(checkContentDigest(undefined, body)).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) });
  });
});
