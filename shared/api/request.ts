/**
 * What every handler of the API shares: its dependencies, reading and checking a request (body,
 * signature, identifiers, If-Match, paging) and writing a JSON answer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as z from 'zod/mini';
import { LIMITS, slugSchema } from '../domain/model.ts';
import { type FieldError, PROBLEM_CONTENT_TYPE, Problem } from '../domain/problem.ts';
import { type AuthenticatedRequest, authenticate, revokedDuringRequest } from '../signing/authenticate.ts';
import type { SecretSealer } from '../signing/secret-sealer.ts';
import { ConflictError, type NonceClaim } from '../store/conflicts.ts';
import type { PageRequest } from '../store/paging.ts';
import type { ApiRepository } from '../store/ports.ts';
import { type ApiRequest, type ApiResponse, ORIGIN_SECRET_HEADER } from './http.ts';

export interface ApiDependencies {
  repository: ApiRepository;
  publicBaseUrl: string;
  /**
   * The secret the front (CloudFront, the local server) sends in ORIGIN_SECRET_HEADER. Only a
   * request carrying it may name the signed host in X-Forwarded-Host; without it (or when
   * unset) that header is ignored, since anyone reaching the origin directly can set it.
   */
  originSecret?: string;
  clockSkewSeconds: number;
  nonceTtlSeconds: number;
  /**
   * Seals the shared secrets of hmac-sha256 keys before they are stored, and opens them to
   * verify; without one, registering or using such a key fails (a deployment error, 500).
   */
  secrets?: SecretSealer;
  /** Largest accepted body (Config.bodyLimitBytes); at most, and by default, LIMITS.bodyBytes. */
  bodyLimitBytes?: number;
  now?: () => Date;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function problemResponse(problem: Problem, instance?: string): ApiResponse {
  return {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...problem.headers },
    body: JSON.stringify(problem.toBody(instance)),
  };
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers }, body: JSON.stringify(value) };
}

export type Handler = (ctx: RoutedRequest) => Promise<ApiResponse>;

export interface RoutedRequest {
  request: ApiRequest;
  params: string[];
  deps: ApiDependencies;
  now: Date;
}

export function readJsonBody<T extends z.ZodMiniType>(request: ApiRequest, schema: T): z.infer<T> {
  checkBodyEnvelope(request, true);
  let value: unknown;
  try {
    value = JSON.parse(request.body.toString('utf8'));
  } catch (error) {
    throw new Problem(400, 'invalid-json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = fieldErrors(result.error.issues);
    throw new Problem(
      400,
      'invalid-body',
      `the body does not match the schema: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      {
        errors,
      },
    );
  }
  return result.data;
}

/** A schema's issues as the `errors` of a 400 problem. */
export function fieldErrors(issues: z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({
    path: issue.path.map(String).join('/') || '/',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

/** Size and media type come before the signature, so a flood of large bodies costs nothing. */
export function checkBodyEnvelope(request: ApiRequest, bodyRequired: boolean) {
  if (request.body.length > LIMITS.bodyBytes) {
    throw new Problem(413, 'body-too-large', `the body is ${request.body.length} bytes; the limit is ${LIMITS.bodyBytes}`);
  }
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if ((bodyRequired || request.body.length > 0) && type !== 'application/json') {
    throw new Problem(415, 'unsupported-media-type', 'the body must be JSON sent as Content-Type: application/json', {
      headers: { 'accept-post': 'application/json' },
    });
  }
}

export function candidateUrls(request: ApiRequest, deps: ApiDependencies): string[] {
  // A "#" cannot be part of a request target; escaped, it cannot cut the URI short either.
  const pathAndQuery = (request.path + (request.query ? `?${request.query}` : '')).replace(/#/g, '%23');
  const urls: string[] = [];
  // Host is the authority the request reached (the HTTP API routes by it, so on AWS it is the
  // API's own); X-Forwarded-Host is only a claim, believed when the front vouches for it.
  const forwardedHost = fromTrustedFront(request, deps) ? request.headers['x-forwarded-host'] : undefined;
  const host = forwardedHost ?? request.headers['host'];
  if (host) {
    const proto = (request.headers['x-forwarded-proto'] ?? new URL(deps.publicBaseUrl).protocol.slice(0, -1)).split(',')[0]!.trim();
    urls.push(`${proto}://${host.split(',')[0]!.trim()}${pathAndQuery}`);
  }
  urls.push(new URL(deps.publicBaseUrl).origin + pathAndQuery);
  return [...new Set(urls.filter((u) => URL.canParse(u)))];
}

export const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Whether the request carries the front's secret; compared in constant time. */
export function fromTrustedFront(request: ApiRequest, deps: ApiDependencies): boolean {
  const sent = request.headers[ORIGIN_SECRET_HEADER];
  if (!deps.originSecret || sent === undefined) return false;
  // Digests have one length whatever was sent, so the comparison time says nothing either.
  return timingSafeEqual(digest(sent), digest(deps.originSecret));
}

export async function signed(ctx: RoutedRequest): Promise<AuthenticatedRequest> {
  checkBodyEnvelope(ctx.request, false);
  return authenticate(ctx.request, ctx.request.body, ctx.deps.repository, {
    nowSeconds: Math.floor(ctx.now.getTime() / 1000),
    clockSkewSeconds: ctx.deps.clockSkewSeconds,
    candidateUrls: candidateUrls(ctx.request, ctx.deps),
    hasQuery: ctx.request.query !== '',
    secrets: ctx.deps.secrets,
  });
}

export function nonceClaim(ctx: RoutedRequest, auth: AuthenticatedRequest): NonceClaim {
  return { keyId: auth.key.keyId, nonce: auth.nonce, expiresAt: Math.floor(ctx.now.getTime() / 1000) + ctx.deps.nonceTtlSeconds };
}

export function slugParam(value: string, name: string): string {
  const result = slugSchema.safeParse(value);
  if (!result.success) throw new Problem(404, 'not-found', `${name} "${value}" is not a valid identifier`);
  return value;
}

export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(header);
  if (!match) throw new Problem(400, 'invalid-if-match', 'If-Match must be a single entity tag such as "7" (the commitment revision)');
  return Number(match[1]);
}

export const etag = (revision: number) => `"${revision}"`;

export function replayed(): Problem {
  return new Problem(409, 'nonce-reused', 'this signature nonce has already been used; sign the request again with a fresh nonce');
}

/**
 * `?limit` (1 to LIMITS.pageSize, that by default) and `?cursor` (the `nextCursor` of the page
 * before) of a list. The cursor is opaque to clients; here it is the last id of the previous page.
 */
export function pageRequest(request: ApiRequest, isId: (id: string) => boolean): PageRequest {
  const query = new URLSearchParams(request.query);
  const errors: FieldError[] = [];
  const limitText = query.get('limit');
  let limit: number = LIMITS.pageSize;
  if (limitText !== null) {
    limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= LIMITS.pageSize))
      errors.push({ path: 'limit', message: `must be an integer from 1 to ${LIMITS.pageSize}` });
  }
  const cursor = query.get('cursor');
  let after: string | undefined;
  if (cursor !== null) {
    after = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : undefined;
    if (after === undefined || !isId(after)) errors.push({ path: 'cursor', message: 'must be the nextCursor of a previous page' });
  }
  if (errors.length > 0) {
    throw new Problem(400, 'invalid-query', `the query is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
      errors,
    });
  }
  return { limit, ...(after !== undefined ? { after } : {}) };
}

export const nextCursor = (next: string | undefined) =>
  next === undefined ? {} : { nextCursor: Buffer.from(next, 'utf8').toString('base64url') };

/** Requests that change nothing else still use up their nonce, so they cannot be replayed either. */
export async function spendNonce(ctx: RoutedRequest, auth: AuthenticatedRequest): Promise<void> {
  try {
    await ctx.deps.repository.claimNonce(nonceClaim(ctx, auth));
  } catch (error) {
    if (error instanceof ConflictError && error.conflict === 'nonce') throw replayed();
    if (error instanceof ConflictError && error.conflict === 'revoked') throw revokedDuringRequest(auth.key.keyId);
    throw error;
  }
}
