import * as z from 'zod/mini';
import { commitmentDefinitionSchema, planDefinitionSchema, slugSchema } from '../domain/model.ts';
import { Problem } from '../domain/problem.ts';
import { requirePlanAdmin } from '../signing/authorize.ts';
import {
  type BatchDefinition,
  type BatchItemResult,
  defineCommitment,
  defineCommitments,
  definePlan,
  MAX_BATCH_ITEMS,
} from './definitions.ts';
import type { ApiResponse } from './http.ts';
import {
  etag,
  fieldErrors,
  json,
  nextCursor,
  nonceClaim,
  pageRequest,
  type RoutedRequest,
  readJsonBody,
  signed,
  slugParam,
} from './request.ts';
export async function getCommitment(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const commitmentId = slugParam(ctx.params[1]!, 'commitment');
  const commitment = await ctx.deps.repository.getCommitment(planId, commitmentId);
  if (!commitment) throw new Problem(404, 'commitment-not-found', `commitment ${commitmentId} does not exist in plan ${planId}`);
  const tag = etag(commitment.revision);
  if (ctx.request.headers['if-none-match'] === tag) return { status: 304, headers: { etag: tag }, body: '' };
  return json(200, commitment, { etag: tag, 'cache-control': 'no-cache' });
}

export async function listCommitments(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const plan = await ctx.deps.repository.getPlan(planId);
  if (!plan) throw new Problem(404, 'plan-not-found', `plan ${planId} does not exist`);
  const commitments = await ctx.deps.repository.listCommitments(planId);
  return json(200, { planId, revision: plan.revision, commitments }, { 'cache-control': 'no-cache' });
}

export async function getPlan(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const plan = await ctx.deps.repository.getPlan(planId);
  if (!plan) throw new Problem(404, 'plan-not-found', `plan ${planId} does not exist`);
  return json(200, plan, { etag: etag(plan.revision), 'cache-control': 'no-cache' });
}

export async function listPlans(ctx: RoutedRequest): Promise<ApiResponse> {
  const page = await ctx.deps.repository.listPlans(pageRequest(ctx.request, (id) => slugSchema.safeParse(id).success));
  const plans = page.items.map((p) => ({ planId: p.planId, title: p.title, municipality: p.municipality, revision: p.revision }));
  return json(200, { plans, ...nextCursor(page.next) });
}

export async function putPlan(ctx: RoutedRequest): Promise<ApiResponse> {
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

export async function putCommitment(ctx: RoutedRequest): Promise<ApiResponse> {
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

/** Body of `POST /api/v1/plans/{planId}/commitments`: the envelope; each item is checked on its own. */
export const commitmentBatchSchema = z.strictObject({
  commitments: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_BATCH_ITEMS)),
});

/** One item of a batch: a commitment's definition with its id. */
export const batchItemSchema = z.extend(commitmentDefinitionSchema, { commitmentId: slugSchema });

export async function postCommitments(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const auth = await signed(ctx);
  requirePlanAdmin(auth.key, planId);
  const { commitments } = readJsonBody(ctx.request, commitmentBatchSchema);
  const results = new Map<number, BatchItemResult>();
  const valid: BatchDefinition[] = [];
  const seen = new Map<string, number>();
  commitments.forEach((item, index) => {
    const parsed = batchItemSchema.safeParse(item);
    const id = (item as { commitmentId?: unknown } | null)?.commitmentId;
    const commitmentId = typeof id === 'string' ? id : undefined;
    if (commitmentId !== undefined) {
      const first = seen.get(commitmentId);
      if (first !== undefined) {
        throw new Problem(
          400,
          'invalid-body',
          `commitments/${index}: commitmentId "${commitmentId}" is also item ${first}; send each once`,
          {
            errors: [{ path: `commitments/${index}/commitmentId`, message: `duplicates commitments/${first}` }],
          },
        );
      }
      seen.set(commitmentId, index);
    }
    if (parsed.success) {
      const { commitmentId: idOf, ...definition } = parsed.data;
      valid.push({ index, commitmentId: idOf, definition });
      return;
    }
    const errors = fieldErrors(parsed.error.issues);
    const problem = new Problem(
      400,
      'invalid-body',
      `the item does not match the schema: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      {
        errors,
      },
    );
    results.set(index, { index, ...(commitmentId !== undefined ? { commitmentId } : {}), problem: problem.toBody() });
  });
  const written = await defineCommitments(ctx.deps.repository, planId, valid, { now: ctx.now, nonce: nonceClaim(ctx, auth) });
  for (const [index, result] of written.results) results.set(index, result);
  const ordered = [...results.values()].sort((a, b) => a.index - b.index);
  const count = (outcome: string) => ordered.filter((r) => r.result === outcome).length;
  return json(200, {
    planId,
    planRevision: written.planRevision,
    created: count('created'),
    changed: count('changed'),
    unchanged: count('unchanged'),
    refused: ordered.filter((r) => r.problem).length,
    results: ordered,
  });
}
