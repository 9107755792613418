/**
 * The worked example of docs/SIGNING.md is real: its signature base is what we build, its
 * signature verifies with the RFC 9421 test key, its digest matches its body, and it meets
 * our policy at the time it was made.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicy } from '#shared/signing/authenticate';
import { checkContentDigest } from '#shared/signing/content-digest';
import { verifyRequestSignature } from '#shared/signing/http-signature';

const docs = readFileSync(join(import.meta.dirname, '../../docs/SIGNING.md'), 'utf8');
const block = (language: string) => {
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)\\n```').exec(docs);
  if (!match) throw new Error(`no ${language} block in docs/SIGNING.md`);
  return match[1]!;
};

describe('docs/SIGNING.md worked example', () => {
  const [head, body] = block('http').split('\n\n') as [string, string];
  const [requestLine, ...fieldLines] = head.split('\n');
  const [method, target] = requestLine!.split(' ') as [string, string];
  const headers = Object.fromEntries(
    fieldLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const request = { method, url: `https://${headers.host}${target}`, headers };
  const publicKey = createPublicKey(readFileSync(join(import.meta.dirname, '../fixtures/rfc9421/test-key-ed25519.pub.pem'), 'utf8'));

  it('verifies, with the signature base the docs show', async () => {
    const verified = await verifyRequestSignature(request, () => ({ algorithm: 'ed25519', publicKey }));
    expect(verified.base).toBe(block('text'));
    expect(verified).toMatchObject({ keyId: 'test-key-ed25519', created: 1767225600, nonce: 'Q1MEoWVUe3x4i1xvQ1nBnA' });
  });

  it('has a Content-Digest of its body, and the body of the json block', () => {
    expect(body).toBe(block('json'));
    expect(checkContentDigest(headers['content-digest'], Buffer.from(body))).toMatchObject({ ok: true });
  });

  it('meets our policy when it was made, and is stale now', async () => {
    const verified = await verifyRequestSignature(request, () => ({ algorithm: 'ed25519', publicKey }));
    expect(() =>
      checkPolicy(verified, { hasQuery: false, hasBody: true }, { nowSeconds: 1767225600 + 5, clockSkewSeconds: 300 }),
    ).not.toThrow();
    expect(() =>
      checkPolicy(verified, { hasQuery: false, hasBody: true }, { nowSeconds: 1767225600 + 301, clockSkewSeconds: 300 }),
    ).toThrow(/created 301 s ago/);
  });
});
