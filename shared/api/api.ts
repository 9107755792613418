/**
 * The API as a plain function of a request: routing, signing policy, validation, and the
 * domain operations. Lambda and the local server only translate to and from this shape.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import {
  type Commitment,
  commitmentDefinitionSchema,
  keyIdSchema,
  keyRegistrationSchema,
  LIMITS,
  planDefinitionSchema,
  type SealedSecret,
  type SigningKey,
  type StatusUpdate,
  slugSchema,
  updateRequestSchema,
} from '../domain/model.ts';
import { type AuthenticatedRequest, authenticate, revokedDuringRequest } from '../signing/authenticate.ts';
import { canManageKey, requireCommitmentScope, requireKeyAdmin, requireKeyManager, requirePlanAdmin } from '../signing/authorize.ts';
import { canonicalPublicKeyPem, generateSharedSecret, KeyMaterialError, publicViewOf } from '../signing/key-material.ts';
import { type SecretSealer, SecretSealerMissingError } from '../signing/secret-sealer.ts';
import { defineCommitment, definePlan } from './definitions.ts';
import { type ApiRequest, type ApiResponse, ORIGIN_SECRET_HEADER } from './http.ts';
import { IdempotentRequest } from './idempotency.ts';
import { openApiDocument } from './openapi-document.ts';
import { OPENAPI_PATH } from './operations.ts';

export { type ApiRequest, type ApiResponse, ORIGIN_SECRET_HEADER } from './http.ts';

import { type FieldError, PROBLEM_CONTENT_TYPE, Problem } from '../domain/problem.ts';
import { backoffDelay, contentionProblem, sleep } from '../domain/retry.ts';
import { ConflictError, type NonceClaim } from '../store/conflicts.ts';
import type { PageRequest } from '../store/paging.ts';
import type { PlanRepository } from '../store/ports.ts';

export interface ApiDependencies {
  repository: PlanRepository;
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

const JSON_TYPE = 'application/json; charset=utf-8';
const MAX_CONFLICT_RETRIES = 5;

export function createApi(deps: ApiDependencies): (request: ApiRequest) => Promise<ApiResponse> {
  const now = deps.now ?? (() => new Date());
  const bodyLimit = Math.min(deps.bodyLimitBytes ?? LIMITS.bodyBytes, LIMITS.bodyBytes);
  return async (request) => {
    try {
      if (request.body.length > bodyLimit) {
        throw new Problem(413, 'body-too-large', `the body is ${request.body.length} bytes; the limit is ${bodyLimit}`);
      }
      return await route(request, deps, now);
    } catch (error) {
      if (error instanceof Problem) return problemResponse(error, request.path);
      throw error;
    }
  };
}

export function problemResponse(problem: Problem, instance?: string): ApiResponse {
  return {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...problem.headers },
    body: JSON.stringify(problem.toBody(instance)),
  };
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers }, body: JSON.stringify(value) };
}

const ROUTES: Array<{ pattern: RegExp; methods: Record<string, Handler> }> = [];
type Handler = (ctx: RoutedRequest) => Promise<ApiResponse>;
interface RoutedRequest {
  request: ApiRequest;
  params: string[];
  deps: ApiDependencies;
  now: Date;
}

function addRoute(pattern: RegExp, methods: Record<string, Handler>) {
  ROUTES.push({ pattern, methods });
}

async function route(request: ApiRequest, deps: ApiDependencies, now: () => Date): Promise<ApiResponse> {
  for (const { pattern, methods } of ROUTES) {
    const match = pattern.exec(request.path);
    if (!match) continue;
    const handler = methods[request.method.toUpperCase()];
    if (!handler) {
      throw new Problem(405, 'method-not-allowed', `${request.method} is not allowed on ${request.path}`, {
        headers: { allow: Object.keys(methods).join(', ') },
      });
    }
    let params: string[];
    try {
      params = match.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      throw new Problem(404, 'not-found', `no API resource at ${request.path}: it has a malformed percent-encoding`);
    }
    return handler({ request, params, deps, now: now() });
  }
  throw new Problem(404, 'not-found', `no API resource at ${request.path}`);
}

const SEGMENT = '([^/]+)';
addRoute(new RegExp(`^/api/v1/plans/${SEGMENT}/commitments/${SEGMENT}/updates$`), { POST: postUpdate });
addRoute(new RegExp(`^/api/v1/plans/${SEGMENT}/commitments/${SEGMENT}$`), { GET: getCommitment, PUT: putCommitment });
addRoute(new RegExp(`^/api/v1/plans/${SEGMENT}/commitments$`), { GET: listCommitments });
addRoute(new RegExp(`^/api/v1/plans/${SEGMENT}$`), { GET: getPlan, PUT: putPlan });
addRoute(/^\/api\/v1\/plans$/, { GET: listPlans });
addRoute(/^\/api\/v1\/keys$/, { GET: listKeys, POST: registerKey });
addRoute(new RegExp(`^/api/v1/keys/${SEGMENT}$`), { GET: getKey });
addRoute(new RegExp(`^/api/v1/keys/${SEGMENT}/revoke$`), { POST: revokeKey });
addRoute(new RegExp(`^${OPENAPI_PATH.replace(/\./g, '\\.')}$`), {
  GET: async () => ({
    status: 200,
    headers: { 'content-type': JSON_TYPE, 'cache-control': 'public, max-age=300' },
    body: await openApiDocument(),
  }),
});

function readJsonBody<T extends z.ZodMiniType>(request: ApiRequest, schema: T): z.infer<T> {
  checkBodyEnvelope(request, true);
  let value: unknown;
  try {
    value = JSON.parse(request.body.toString('utf8'));
  } catch (error) {
    throw new Problem(400, 'invalid-json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors: FieldError[] = result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('/') || '/',
      message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    }));
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

/** Size and media type come before the signature, so a flood of large bodies costs nothing. */
function checkBodyEnvelope(request: ApiRequest, bodyRequired: boolean) {
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

function candidateUrls(request: ApiRequest, deps: ApiDependencies): string[] {
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

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Whether the request carries the front's secret; compared in constant time. */
function fromTrustedFront(request: ApiRequest, deps: ApiDependencies): boolean {
  const sent = request.headers[ORIGIN_SECRET_HEADER];
  if (!deps.originSecret || sent === undefined) return false;
  // Digests have one length whatever was sent, so the comparison time says nothing either.
  return timingSafeEqual(digest(sent), digest(deps.originSecret));
}

async function signed(ctx: RoutedRequest): Promise<AuthenticatedRequest> {
  checkBodyEnvelope(ctx.request, false);
  return authenticate(ctx.request, ctx.request.body, ctx.deps.repository, {
    nowSeconds: Math.floor(ctx.now.getTime() / 1000),
    clockSkewSeconds: ctx.deps.clockSkewSeconds,
    candidateUrls: candidateUrls(ctx.request, ctx.deps),
    hasQuery: ctx.request.query !== '',
    secrets: ctx.deps.secrets,
  });
}

function nonceClaim(ctx: RoutedRequest, auth: AuthenticatedRequest): NonceClaim {
  return { keyId: auth.key.keyId, nonce: auth.nonce, expiresAt: Math.floor(ctx.now.getTime() / 1000) + ctx.deps.nonceTtlSeconds };
}

function slugParam(value: string, name: string): string {
  const result = slugSchema.safeParse(value);
  if (!result.success) throw new Problem(404, 'not-found', `${name} "${value}" is not a valid identifier`);
  return value;
}

function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(header);
  if (!match) throw new Problem(400, 'invalid-if-match', 'If-Match must be a single entity tag such as "7" (the commitment revision)');
  return Number(match[1]);
}

const etag = (revision: number) => `"${revision}"`;

function replayed(): Problem {
  return new Problem(409, 'nonce-reused', 'this signature nonce has already been used; sign the request again with a fresh nonce');
}

async function postUpdate(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const commitmentId = slugParam(ctx.params[1]!, 'commitment');
  const { repository } = ctx.deps;
  const readState = () => Promise.all([repository.getPlan(planId), repository.getCommitment(planId, commitmentId)]);
  // The plan and the commitment are read while the signature is checked (its key is another
  // read): an accepted update waits for one round of reads before its transaction, not two.
  // A refused request drops them; the transaction's conditions make an early read safe.
  const early = readState();
  early.catch(() => {});
  const auth = await signed(ctx);
  const body = readJsonBody(ctx.request, updateRequestSchema);
  const ifMatch = parseIfMatch(ctx.request.headers['if-match']);
  // A retry of a request that was already accepted gets the first answer (idempotency.ts).
  const idempotent = IdempotentRequest.begin(ctx.request, auth.key.keyId, repository, ctx.now);
  const earlier = await idempotent?.earlierResponse();
  if (earlier) return earlier;

  for (let attempt = 0; ; attempt++) {
    const [plan, current] = await (attempt === 0 ? early : readState());
    if (!plan) throw new Problem(404, 'plan-not-found', `plan ${planId} does not exist`);
    if (!current) throw new Problem(404, 'commitment-not-found', `commitment ${commitmentId} does not exist in plan ${planId}`);
    requireCommitmentScope(auth.key, planId, current);
    if (!plan.statuses.some((s) => s.code === body.status)) {
      throw new Problem(
        400,
        'invalid-body',
        `status "${body.status}" is not in the plan's vocabulary (${plan.statuses.map((s) => s.code).join(', ')})`,
        {
          errors: [{ path: 'status', message: `must be one of ${plan.statuses.map((s) => s.code).join(', ')}` }],
        },
      );
    }
    if (ifMatch !== undefined && ifMatch !== current.revision) {
      throw new Problem(412, 'stale-revision', `the commitment is at revision ${current.revision}, not ${ifMatch}`, {
        headers: { etag: etag(current.revision) },
      });
    }
    const receivedAt = ctx.now.toISOString();
    const reportedAt = body.reportedAt ? new Date(body.reportedAt).toISOString() : receivedAt;
    if (Date.parse(reportedAt) > ctx.now.getTime() + ctx.deps.clockSkewSeconds * 1000) {
      throw new Problem(400, 'invalid-body', 'reportedAt is in the future', {
        errors: [{ path: 'reportedAt', message: 'must not be in the future' }],
      });
    }
    const update: StatusUpdate = {
      planId,
      commitmentId,
      updateId: randomUUID(),
      reportedAt,
      receivedAt,
      status: body.status,
      previousStatus: current.status,
      observations: body.observations,
      links: body.links ?? [],
      ...(body.progress !== undefined ? { progress: body.progress } : {}),
      revision: current.revision + 1,
      planRevision: plan.revision + 1,
      keyId: auth.key.keyId,
      commitmentNumber: current.number,
      commitmentTitle: current.title,
      area: current.area,
      areaSlug: current.areaSlug,
    };
    const { progress: _oldProgress, ...rest } = current;
    const next: Commitment = {
      ...rest,
      status: update.status,
      observations: update.observations,
      links: update.links,
      ...(update.progress !== undefined ? { progress: update.progress } : {}),
      revision: update.revision,
      reportedAt: update.reportedAt,
      updatedAt: receivedAt,
      lastUpdateId: update.updateId,
      planRevision: update.planRevision,
    };
    delete next.previousAreaSlug;
    const location = `/api/v1/plans/${planId}/commitments/${commitmentId}`;
    const response = json(
      201,
      { updateId: update.updateId, revision: update.revision, planRevision: update.planRevision, commitment: next },
      { location, etag: etag(next.revision) },
    );
    try {
      await repository.recordUpdate({
        update,
        commitment: next,
        expectedRevision: current.revision,
        nonce: nonceClaim(ctx, auth),
        now: receivedAt,
        idempotency: idempotent?.record(response),
      });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      if (error.conflict === 'nonce') throw replayed();
      if (error.conflict === 'revoked') throw revokedDuringRequest(auth.key.keyId);
      if (error.conflict === 'idempotency' && idempotent) return idempotent.responseAfterRace();
      if (error.conflict === 'contention') throw contentionProblem();
      if (ifMatch !== undefined) {
        throw new Problem(412, 'stale-revision', 'the commitment changed while this update was being written');
      }
      if (attempt < MAX_CONFLICT_RETRIES) {
        // Jittered, so that writers who collided do not collide again.
        await sleep(backoffDelay(attempt, { baseDelayMs: 10, maxDelayMs: 200 }));
        continue;
      }
      throw new Problem(409, 'write-conflict', 'the commitment is being updated by others; retry shortly', {
        headers: { 'retry-after': '1' },
      });
    }
    return response;
  }
}

async function getCommitment(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const commitmentId = slugParam(ctx.params[1]!, 'commitment');
  const commitment = await ctx.deps.repository.getCommitment(planId, commitmentId);
  if (!commitment) throw new Problem(404, 'commitment-not-found', `commitment ${commitmentId} does not exist in plan ${planId}`);
  const tag = etag(commitment.revision);
  if (ctx.request.headers['if-none-match'] === tag) return { status: 304, headers: { etag: tag }, body: '' };
  return json(200, commitment, { etag: tag, 'cache-control': 'no-cache' });
}

async function listCommitments(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const plan = await ctx.deps.repository.getPlan(planId);
  if (!plan) throw new Problem(404, 'plan-not-found', `plan ${planId} does not exist`);
  const commitments = await ctx.deps.repository.listCommitments(planId);
  return json(200, { planId, revision: plan.revision, commitments }, { 'cache-control': 'no-cache' });
}

async function getPlan(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const plan = await ctx.deps.repository.getPlan(planId);
  if (!plan) throw new Problem(404, 'plan-not-found', `plan ${planId} does not exist`);
  return json(200, plan, { etag: etag(plan.revision), 'cache-control': 'no-cache' });
}

/**
 * `?limit` (1 to LIMITS.pageSize, that by default) and `?cursor` (the `nextCursor` of the page
 * before) of a list. The cursor is opaque to clients; here it is the last id of the previous page.
 */
function pageRequest(request: ApiRequest, isId: (id: string) => boolean): PageRequest {
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

const nextCursor = (next: string | undefined) =>
  next === undefined ? {} : { nextCursor: Buffer.from(next, 'utf8').toString('base64url') };

async function listPlans(ctx: RoutedRequest): Promise<ApiResponse> {
  const page = await ctx.deps.repository.listPlans(pageRequest(ctx.request, (id) => slugSchema.safeParse(id).success));
  const plans = page.items.map((p) => ({ planId: p.planId, title: p.title, municipality: p.municipality, revision: p.revision }));
  return json(200, { plans, ...nextCursor(page.next) });
}

async function putPlan(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const auth = await signed(ctx);
  requirePlanAdmin(auth.key, planId);
  const definition = readJsonBody(ctx.request, planDefinitionSchema);
  const result = await definePlan(ctx.deps.repository, planId, definition, { now: ctx.now, nonce: nonceClaim(ctx, auth) });
  return json(
    result.created ? 201 : 200,
    { changed: result.changed, plan: result.value },
    {
      etag: etag(result.value.revision),
      location: `/api/v1/plans/${planId}`,
    },
  );
}

async function putCommitment(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const commitmentId = slugParam(ctx.params[1]!, 'commitment');
  const auth = await signed(ctx);
  requirePlanAdmin(auth.key, planId);
  const definition = readJsonBody(ctx.request, commitmentDefinitionSchema);
  const result = await defineCommitment(ctx.deps.repository, planId, commitmentId, definition, {
    now: ctx.now,
    nonce: nonceClaim(ctx, auth),
  });
  return json(
    result.created ? 201 : 200,
    { changed: result.changed, commitment: result.value },
    {
      etag: etag(result.value.revision),
      location: `/api/v1/plans/${planId}/commitments/${commitmentId}`,
    },
  );
}

function keyIdParam(value: string): string {
  if (!keyIdSchema.safeParse(value).success) throw new Problem(404, 'key-not-found', `"${value}" is not a valid key id`);
  return value;
}

async function listKeys(ctx: RoutedRequest): Promise<ApiResponse> {
  const auth = await signed(ctx);
  requireKeyAdmin(auth.key);
  const page = pageRequest(ctx.request, (id) => keyIdSchema.safeParse(id).success);
  await spendNonce(ctx, auth);
  const found = await ctx.deps.repository.listKeys(page);
  // A scoped admin sees its own officials (a page may then hold fewer keys; the cursor still walks them all).
  const visible = found.items.filter((key) => key.keyId === auth.key.keyId || canManageKey(auth.key, key));
  return json(200, { keys: visible.map(publicViewOf), ...nextCursor(found.next) });
}

async function getKey(ctx: RoutedRequest): Promise<ApiResponse> {
  const keyId = keyIdParam(ctx.params[0]!);
  const auth = await signed(ctx);
  requireKeyAdmin(auth.key);
  const key = await ctx.deps.repository.getKey(keyId);
  if (key && key.keyId !== auth.key.keyId) requireKeyManager(auth.key, key);
  await spendNonce(ctx, auth);
  if (!key) throw new Problem(404, 'key-not-found', `there is no key ${keyId}`);
  return json(200, publicViewOf(key));
}

/** Requests that change nothing else still use up their nonce, so they cannot be replayed either. */
async function spendNonce(ctx: RoutedRequest, auth: AuthenticatedRequest): Promise<void> {
  try {
    await ctx.deps.repository.claimNonce(nonceClaim(ctx, auth));
  } catch (error) {
    if (error instanceof ConflictError && error.conflict === 'nonce') throw replayed();
    if (error instanceof ConflictError && error.conflict === 'revoked') throw revokedDuringRequest(auth.key.keyId);
    throw error;
  }
}

async function registerKey(ctx: RoutedRequest): Promise<ApiResponse> {
  const auth = await signed(ctx);
  requireKeyAdmin(auth.key);
  const registration = readJsonBody(ctx.request, keyRegistrationSchema);
  requireKeyManager(auth.key, registration);
  let publicKeyPem: string | undefined;
  if (registration.algorithm === 'ed25519') {
    try {
      publicKeyPem = canonicalPublicKeyPem(registration.publicKeyPem!);
    } catch (error) {
      if (!(error instanceof KeyMaterialError)) throw error;
      throw new Problem(400, 'invalid-body', `publicKeyPem: ${error.message}`, {
        errors: [{ path: 'publicKeyPem', message: error.message }],
      });
    }
  }
  const secret = registration.algorithm === 'hmac-sha256' ? generateSharedSecret() : undefined;
  let sealedSecret: SealedSecret | undefined;
  if (secret) {
    if (!ctx.deps.secrets)
      throw new SecretSealerMissingError(
        'registering an hmac-sha256 key needs a secret sealer (SECRETS_KMS_KEY_ID or SECRETS_MASTER_KEY_FILE)',
      );
    // Only the sealed form is stored: the plaintext leaves in this answer and nowhere else.
    sealedSecret = await ctx.deps.secrets.seal(registration.keyId, secret);
  }
  const key: SigningKey = {
    keyId: registration.keyId,
    algorithm: registration.algorithm,
    ...(publicKeyPem ? { publicKeyPem } : {}),
    ...(sealedSecret ? { sealedSecret } : {}),
    owner: registration.owner,
    ...(registration.contact ? { contact: registration.contact } : {}),
    role: registration.role,
    scopes: registration.scopes,
    active: true,
    createdAt: ctx.now.toISOString(),
  };
  try {
    await ctx.deps.repository.createKey(key, nonceClaim(ctx, auth));
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    if (error.conflict === 'nonce') throw replayed();
    if (error.conflict === 'revoked') throw revokedDuringRequest(auth.key.keyId);
    throw new Problem(
      409,
      'key-exists',
      `a key ${key.keyId} is already registered (key ids are never reused, even after revocation); choose another id`,
    );
  }
  const location = `/api/v1/keys/${encodeURIComponent(key.keyId)}`;
  // The shared secret is in this answer and nowhere else, ever: the caller must keep it now.
  return json(201, { key: publicViewOf(key), ...(secret ? { sharedSecret: secret.toString('base64') } : {}) }, { location });
}

async function revokeKey(ctx: RoutedRequest): Promise<ApiResponse> {
  const keyId = keyIdParam(ctx.params[0]!);
  const auth = await signed(ctx);
  requireKeyAdmin(auth.key);
  if (ctx.request.body.length > 0) readJsonBody(ctx.request, revokeRequestSchema);
  const { repository } = ctx.deps;
  const existing = await repository.getKey(keyId);
  if (!existing) throw new Problem(404, 'key-not-found', `there is no key ${keyId}`);
  requireKeyManager(auth.key, existing);
  if (!existing.active) {
    await spendNonce(ctx, auth);
    return json(200, { changed: false, key: publicViewOf(existing) });
  }
  const revokedAt = ctx.now.toISOString();
  try {
    await repository.revokeKey({ keyId, revokedAt, nonce: nonceClaim(ctx, auth) });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    if (error.conflict === 'nonce') throw replayed();
    if (error.conflict === 'revoked') throw revokedDuringRequest(auth.key.keyId);
    // Revoked by someone else in the meantime: the outcome asked for holds.
    const now = await repository.getKey(keyId);
    return json(200, { changed: false, key: publicViewOf(now ?? existing) });
  }
  return json(200, { changed: true, key: publicViewOf({ ...existing, active: false, revokedAt }) });
}

/** Revocation takes no parameters; a body, if any, must be the empty object. */
const revokeRequestSchema = z.strictObject({});
