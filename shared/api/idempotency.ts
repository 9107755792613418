/**
 * Idempotent POSTs with the `Idempotency-Key` request header
 * (draft-ietf-httpapi-idempotency-key-header): a client that timed out and retries with the
 * same key gets the original `201` body back (marked `Idempotent-Replayed: true`) instead of a
 * second update or a confusing error.
 *
 * The record (signing key id + idempotency key → request fingerprint and response) is written
 * in the same transaction as the update itself, so it exists exactly when the update does:
 * there is no "in progress" state to get stuck in, and of two concurrent requests with the
 * same key one commits and the other, failing on the record's condition, returns what the
 * first stored. Keys are per signing key, so one official cannot read another's answers.
 *
 * The header is part of what the signature must cover when it is sent: otherwise a replayed
 * request could be given a key it never had. A replay is answered before the nonce is spent
 * (it writes nothing), so a retry works whether or not the client re-signed it; clients do
 * re-sign, because the first attempt may never have reached us and `created` must be fresh.
 */
import { createHash } from 'node:crypto';
import { parseItem, Token } from 'structured-headers';
import { Problem } from '../domain/problem.ts';
import { parseSignatureHeaders } from '../signing/http-signature.ts';
import type { ApiRepository } from '../store/ports.ts';
import type { IdempotencyRecord } from '../store/requests.ts';
import type { ApiRequest, ApiResponse } from './http.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Long enough for any client's retries, short enough that the table does not keep every answer. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const MAX_KEY_LENGTH = 255;

/** The header's value (a structured-field String; a Token is accepted too), or undefined when absent. */
export function readIdempotencyKey(request: Pick<ApiRequest, 'headers'>): string | undefined {
  const raw = request.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    [value] = parseItem(raw);
  } catch {
    value = undefined;
  }
  const key = typeof value === 'string' ? value : value instanceof Token ? value.toString() : undefined;
  if (!key || key.length > MAX_KEY_LENGTH) {
    throw new Problem(
      400,
      'invalid-idempotency-key',
      `Idempotency-Key must be a quoted string of 1 to ${MAX_KEY_LENGTH} characters, such as "8e03978e-40d5-43e8-bc93-6894a57f9324"`,
    );
  }
  return key;
}

function requestHash(request: ApiRequest): string {
  return createHash('sha256')
    .update(`${request.method.toUpperCase()}\n${request.path}\n${request.query}\n`)
    .update(request.body)
    .digest('hex');
}

export class IdempotentRequest {
  private constructor(
    private readonly repository: Pick<ApiRepository, 'getIdempotencyRecord'>,
    readonly keyId: string,
    readonly idempotencyKey: string,
    private readonly hash: string,
    private readonly now: Date,
  ) {}

  /**
   * For a request whose signature was verified: undefined without the header; 401 when the
   * signature does not cover it; 400 when it is malformed.
   */
  static begin(
    request: ApiRequest,
    keyId: string,
    repository: Pick<ApiRepository, 'getIdempotencyRecord'>,
    now: Date,
  ): IdempotentRequest | undefined {
    const key = readIdempotencyKey(request);
    if (key === undefined) return undefined;
    if (!parseSignatureHeaders(request.headers).components.includes(`"${IDEMPOTENCY_HEADER}"`)) {
      throw new Problem(401, 'insufficient-coverage', `the signature must cover "${IDEMPOTENCY_HEADER}" when the request carries one`, {
        headers: { 'www-authenticate': 'Signature' },
      });
    }
    return new IdempotentRequest(repository, keyId, key, requestHash(request), now);
  }

  /** What the earlier request with this key was answered, or undefined when this is the first. */
  async earlierResponse(): Promise<ApiResponse | undefined> {
    const record = await this.repository.getIdempotencyRecord(this.keyId, this.idempotencyKey, Math.floor(this.now.getTime() / 1000));
    if (!record) return undefined;
    if (record.requestHash !== this.hash) {
      throw new Problem(
        422,
        'idempotency-key-reused',
        'this Idempotency-Key was already used for a different request; send a new request with a new key',
      );
    }
    return {
      status: record.response.status,
      headers: { ...record.response.headers, 'idempotent-replayed': 'true' },
      body: record.response.body,
    };
  }

  /** After losing the race on the record to a concurrent request with the same key: its answer. */
  async responseAfterRace(): Promise<ApiResponse> {
    const earlier = await this.earlierResponse();
    if (earlier) return earlier;
    throw new Problem(409, 'write-conflict', 'a request with the same Idempotency-Key was being processed; retry', {
      headers: { 'retry-after': '1' },
    });
  }

  /** The record to store with the update, holding the response this request is about to give. */
  record(response: ApiResponse): IdempotencyRecord {
    return {
      keyId: this.keyId,
      idempotencyKey: this.idempotencyKey,
      requestHash: this.hash,
      response: { status: response.status, headers: response.headers, body: response.body },
      createdAt: this.now.toISOString(),
      expiresAt: Math.floor(this.now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
    };
  }
}
