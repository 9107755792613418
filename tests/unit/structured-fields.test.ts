/**
 * Repeated member names in structured-field dictionaries: found exactly where the parser
 * (structured-headers, last-wins as RFC 8941 says) would silently keep one of them.
 */
import fc from 'fast-check';
import { type BareItem, type Dictionary, type InnerList, type Item, parseDictionary, serializeDictionary, Token } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { checkContentDigest, contentDigest } from '#shared/signing/content-digest';
import { parseSignatureHeaders } from '#shared/signing/http-signature';
import { dictionaryMemberNames, repeatedMemberName } from '#shared/signing/structured-fields';

const key = fc.stringMatching(/^[a-z*][a-z0-9_.*-]{0,8}$/);
const bareItem: fc.Arbitrary<BareItem> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.boolean(),
  // Strings full of what could fool a scanner: commas, quotes, backslashes, parentheses, "=".
  fc.string({ maxLength: 12, unit: fc.constantFrom('a', ',', '"', '\\', '(', ')', '=', ';', ' ', '%') }),
  fc.stringMatching(/^[A-Za-z*][A-Za-z0-9:/!#$%&'*+.^_`|~-]{0,6}$/).map((t) => new Token(t)),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => new Uint8Array(bytes).buffer as ArrayBuffer),
);
const params = fc.array(fc.tuple(key, bareItem), { maxLength: 3 }).map((entries) => new Map(entries));
const member: fc.Arbitrary<Item | InnerList> = fc.oneof(
  fc.tuple(bareItem, params).map(([value, p]) => [value, p] as Item),
  fc
    .tuple(
      fc.array(
        fc.tuple(bareItem, params).map(([v, p]) => [v, p] as Item),
        { maxLength: 3 },
      ),
      params,
    )
    .map(([items, p]) => [items, p] as InnerList),
);
const dictionary = fc.array(fc.tuple(key, member), { minLength: 1, maxLength: 5 }).map((entries) => new Map(entries) as Dictionary);

describe('dictionary member names', () => {
  it('are the keys the parser sees, for any serialised dictionary', () => {
    fc.assert(
      fc.property(dictionary, (dict) => {
        const text = serializeDictionary(dict);
        expect(dictionaryMemberNames(text)).toEqual([...parseDictionary(text).keys()]);
        expect(repeatedMemberName(text)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('show a repeat that the parser hides, wherever it is', () => {
    fc.assert(
      fc.property(dictionary, dictionary, (a, b) => {
        const text = `${serializeDictionary(a)}, ${serializeDictionary(b)}`;
        const shared = [...b.keys()].find((name) => a.has(name));
        expect(parseDictionary(text).size).toBeLessThanOrEqual(a.size + b.size);
        if (shared === undefined) expect(repeatedMemberName(text)).toBeUndefined();
        else expect(repeatedMemberName(text)).toBe(shared);
      }),
      { numRuns: 500 },
    );
  });

  it('read display strings, whose backslash is no escape', () => {
    expect(dictionaryMemberNames('a=%"x\\", b=1')).toEqual(['a', 'b']);
    expect(dictionaryMemberNames('a="x\\", b=1", c')).toEqual(['a', 'c']);
  });
});

describe('refusals', () => {
  const body = Buffer.from('{"status":"delayed"}');
  it('Content-Digest: a bad digest before a good one under the same name', () => {
    const bad = `sha-256=:${Buffer.alloc(32).toString('base64')}:`;
    expect(checkContentDigest(`${bad}, ${contentDigest(body)}`, body)).toEqual({
      ok: false,
      reason: 'the Content-Digest header names sha-256 more than once',
    });
    // Also across field lines, and a good one twice: a repeat is refused whatever the values.
    expect(checkContentDigest([contentDigest(body), contentDigest(body)], body).ok).toBe(false);
    expect(checkContentDigest(`${contentDigest(body)}, ${contentDigest(body, 'sha-512')}`, body).ok).toBe(true);
  });

  it('Signature-Input and Signature: one label twice, on one line or two', () => {
    const input = 'sig1=("@method");created=1;keyid="a";nonce="n"';
    const signature = `sig1=:${Buffer.alloc(64).toString('base64')}:`;
    for (const headers of [
      { 'signature-input': `${input}, ${input.replace('"a"', '"b"')}`, signature },
      { 'signature-input': input, signature: `${signature}, ${signature}` },
      { 'signature-input': [input, input.replace('"a"', '"b"')], signature: [signature, signature] },
    ]) {
      expect(() => parseSignatureHeaders(headers)).toThrow(expect.objectContaining({ rule: 'duplicate-member' }));
    }
    expect(parseSignatureHeaders({ 'signature-input': input, signature }).keyId).toBe('a');
  });
});
