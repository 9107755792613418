/**
 * Defining plans and commitments (admin): idempotent upserts. Used by the signed API and by
 * bootstrap paths (the demo seed, the operator CLI) that write with the operator's credentials.
 */
import { canonicalJson } from '../domain/canonical-json.ts';
import { type Commitment, type CommitmentDefinition, type Plan, type PlanDefinition, slugify } from '../domain/model.ts';
import { Problem } from '../domain/problem.ts';
import { contentionProblem } from '../domain/retry.ts';
import { DEFAULT_STATUSES } from '../domain/vocabulary.ts';
import { revokedDuringRequest } from '../signing/authenticate.ts';
import { ConflictError, type NonceClaim } from '../store/conflicts.ts';
import type { PlanRepository } from '../store/ports.ts';

function same(a: object, b: object, fields: string[]): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return fields.every((field) => canonicalJson(x[field]) === canonicalJson(y[field]));
}

const PLAN_FIELDS = [
  'title',
  'municipality',
  'municipalityUri',
  'period',
  'language',
  'languages',
  'license',
  'description',
  'publisher',
  'source',
  'statuses',
];
const COMMITMENT_FIELDS = ['number', 'title', 'priority', 'area', 'areaSlug'];

export interface DefineResult<T> {
  created: boolean;
  changed: boolean;
  value: T;
}

function conflictToProblem(error: unknown, what: string, nonce: NonceClaim | undefined): never {
  if (error instanceof ConflictError) {
    if (error.conflict === 'nonce') {
      throw new Problem(409, 'nonce-reused', 'this signature nonce has already been used; sign the request again with a fresh nonce');
    }
    if (error.conflict === 'revoked' && nonce) throw revokedDuringRequest(nonce.keyId);
    if (error.conflict === 'missing') throw new Problem(404, 'plan-not-found', error.message);
    if (error.conflict === 'contention') throw contentionProblem();
    throw new Problem(409, 'write-conflict', `the ${what} changed while it was being defined; retry`, { headers: { 'retry-after': '1' } });
  }
  throw error;
}

export async function definePlan(
  repository: PlanRepository,
  planId: string,
  definition: PlanDefinition,
  options: { now: Date; nonce?: NonceClaim },
): Promise<DefineResult<Plan>> {
  if (definition.period.end < definition.period.start) {
    throw new Problem(400, 'invalid-body', 'period.end is before period.start', {
      errors: [{ path: 'period/end', message: 'must not be before period.start' }],
    });
  }
  const existing = await repository.getPlan(planId);
  const nowIso = options.now.toISOString();
  const plan: Plan = {
    ...definition,
    statuses: definition.statuses ?? DEFAULT_STATUSES,
    planId,
    revision: existing ? existing.revision + 1 : 1,
    metadataRevision: existing ? existing.revision + 1 : 1,
    createdAt: existing?.createdAt ?? nowIso,
    updatedAt: nowIso,
  };
  try {
    if (existing && same(existing, plan, PLAN_FIELDS)) {
      if (options.nonce) await repository.claimNonce(options.nonce);
      return { created: false, changed: false, value: existing };
    }
    await repository.savePlan({ plan, expectedRevision: existing?.revision, nonce: options.nonce });
  } catch (error) {
    conflictToProblem(error, 'plan', options.nonce);
  }
  return { created: !existing, changed: true, value: plan };
}

export async function defineCommitment(
  repository: PlanRepository,
  planId: string,
  commitmentId: string,
  definition: CommitmentDefinition,
  options: { now: Date; nonce?: NonceClaim },
): Promise<DefineResult<Commitment>> {
  const [plan, existing] = await Promise.all([repository.getPlan(planId), repository.getCommitment(planId, commitmentId)]);
  if (!plan) throw new Problem(404, 'plan-not-found', `plan ${planId} does not exist; define it first with PUT /api/v1/plans/${planId}`);
  const status = definition.status ?? existing?.status ?? plan.statuses[0]!.code;
  if (!plan.statuses.some((s) => s.code === status)) {
    throw new Problem(400, 'invalid-body', `status "${status}" is not in the plan's vocabulary`, {
      errors: [{ path: 'status', message: `must be one of ${plan.statuses.map((s) => s.code).join(', ')}` }],
    });
  }
  const nowIso = options.now.toISOString();
  const areaSlug = definition.areaSlug ?? slugify(definition.area);
  // A definition sets the structure; the state (status, observations, links) only when the
  // commitment is new, so re-importing a spreadsheet never undoes officials' updates.
  const commitment: Commitment = existing
    ? {
        ...existing,
        number: definition.number,
        title: definition.title,
        priority: definition.priority,
        area: definition.area,
        areaSlug,
        revision: existing.revision + 1,
        updatedAt: nowIso,
        previousAreaSlug: existing.areaSlug !== areaSlug ? existing.areaSlug : undefined,
      }
    : {
        planId,
        commitmentId,
        number: definition.number,
        title: definition.title,
        priority: definition.priority,
        area: definition.area,
        areaSlug,
        status,
        observations: definition.observations ?? '',
        links: definition.links ?? [],
        ...(definition.progress !== undefined ? { progress: definition.progress } : {}),
        revision: 1,
        reportedAt: nowIso,
        updatedAt: nowIso,
      };
  try {
    if (existing && same(existing, commitment, COMMITMENT_FIELDS)) {
      if (options.nonce) await repository.claimNonce(options.nonce);
      return { created: false, changed: false, value: existing };
    }
    await repository.saveCommitment({ commitment, expectedRevision: existing?.revision, nonce: options.nonce, now: nowIso });
  } catch (error) {
    conflictToProblem(error, 'commitment', options.nonce);
  }
  return { created: !existing, changed: true, value: commitment };
}
