import { commitmentDefinitionSchema, planDefinitionSchema, slugSchema } from '../domain/model.ts';
import { Problem } from '../domain/problem.ts';
import { requirePlanAdmin } from '../signing/authorize.ts';
import { defineCommitment, definePlan } from './definitions.ts';
import type { ApiResponse } from './http.ts';

import { etag, json, nextCursor, nonceClaim, pageRequest, type RoutedRequest, readJsonBody, signed, slugParam } from './request.ts';
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
