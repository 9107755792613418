import { describe, expect, it } from 'vitest';
import { checkContentDigest, contentDigest } from '#shared/signing/content-digest';

// RFC 9530 §2 examples: the body {"hello": "world"} followed by a newline.
const BODY = Buffer.from('{"hello": "world"}\n');

describe('Content-Digest (RFC 9530)', () => {
  it('produces the RFC example digests', () => {
    expect(contentDigest(BODY, 'sha-256')).toBe('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:');
    expect(contentDigest(BODY, 'sha-512')).toBe(
      'sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:',
    );
  });

  it('accepts a matching digest and rejects a mismatch, a missing header and unknown-only algorithms', () => {
    expect(checkContentDigest(contentDigest(BODY), BODY)).toEqual({ ok: true, algorithms: ['sha-256'] });
    expect(checkContentDigest(contentDigest(BODY), Buffer.from('{"hello": "world!"}\n')).ok).toBe(false);
    expect(checkContentDigest(undefined, BODY).ok).toBe(false);
    expect(checkContentDigest('md5=:AAAA:', BODY).ok).toBe(false);
    expect(checkContentDigest('sha-256="not bytes"', BODY).ok).toBe(false);
    expect(checkContentDigest('(((', BODY).ok).toBe(false);
  });
});
