/**
 * Defining plans and commitments (admin): idempotent upserts. Used by the signed API and by
 * bootstrap paths (the demo seed, the operator CLI) that write with the operator's credentials.
 */
import { canonicalJson } from '../domain/canonical-json.ts';
import { type Commitment, type CommitmentDefinition, type Plan, type PlanDefinition, slugify } from '../domain/model.ts';
import { Problem, type ProblemBody } from '../domain/problem.ts';
import { backoffDelay, contentionProblem, sleep } from '../domain/retry.ts';
import { DEFAULT_STATUSES } from '../domain/vocabulary.ts';
import { revokedDuringRequest } from '../signing/authenticate.ts';
import { ConflictError, type NonceClaim } from '../store/conflicts.ts';
import { MAX_ITEMS_PER_TRANSACTION } from '../store/plans.ts';
import type { ApiRepository } from '../store/ports.ts';

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
  repository: ApiRepository,
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

/** The commitment a definition makes of the current one (or of nothing): defineCommitment's rules. */
function commitmentFrom(
  plan: Plan,
  existing: Commitment | undefined,
  planId: string,
  commitmentId: string,
  definition: CommitmentDefinition,
  nowIso: string,
): Commitment {
  const status = definition.status ?? existing?.status ?? plan.statuses[0]!.code;
  if (!plan.statuses.some((s) => s.code === status)) {
    throw new Problem(400, 'invalid-body', `status "${status}" is not in the plan's vocabulary`, {
      errors: [{ path: 'status', message: `must be one of ${plan.statuses.map((s) => s.code).join(', ')}` }],
    });
  }
  const areaSlug = definition.areaSlug ?? slugify(definition.area);
  // A definition sets the structure; the state (status, observations, links) only when the
  // commitment is new, so re-importing a spreadsheet never undoes officials' updates.
  return existing
    ? {
        ...existing,
        number: definition.number,
        title: definition.title,
        priority: definition.priority,
        area: definition.area,
        areaSlug,
        revision: existing.revision + 1,
        updatedAt: nowIso,
        definedAt: nowIso,
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
        definedAt: nowIso,
      };
}

export async function defineCommitment(
  repository: ApiRepository,
  planId: string,
  commitmentId: string,
  definition: CommitmentDefinition,
  options: { now: Date; nonce?: NonceClaim },
): Promise<DefineResult<Commitment>> {
  const [plan, existing] = await Promise.all([repository.getPlan(planId), repository.getCommitment(planId, commitmentId)]);
  if (!plan) throw new Problem(404, 'plan-not-found', `plan ${planId} does not exist; define it first with PUT /api/v1/plans/${planId}`);
  const nowIso = options.now.toISOString();
  const commitment = commitmentFrom(plan, existing, planId, commitmentId, definition, nowIso);
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

/** Items of one batch request (`POST …/commitments`, `POST …/history`); the body limit applies too. */
export const MAX_BATCH_ITEMS = 100;

/** Items a client sends per batch request so that each is written in one transaction (one plan revision, one publish). */
export const ITEMS_PER_TRANSACTION = MAX_ITEMS_PER_TRANSACTION;

export type BatchOutcome = 'created' | 'changed' | 'unchanged';

/** One item's answer in a batch: its outcome and revision, or the problem that refused it. */
export interface BatchItemResult {
  index: number;
  commitmentId?: string;
  result?: BatchOutcome;
  revision?: number;
  problem?: ProblemBody;
}

/** A batch item that passed its schema: its id and its definition. */
export interface BatchDefinition {
  index: number;
  commitmentId: string;
  definition: CommitmentDefinition;
}

/** Transactions a batch tries again after a concurrent writer moved the plan or a commitment. */
const BATCH_CONFLICT_RETRIES = 5;

/**
 * Defines many commitments with the rules of defineCommitment, item by item: an item whose
 * status is not in the vocabulary is refused alone; unchanged ones write nothing; the changed
 * ones go in transactions of up to MAX_ITEMS_PER_TRANSACTION commitments, each with one plan
 * revision bump. The nonce is spent by the first transaction (or alone when nothing changes).
 * A transaction that keeps colliding refuses its items with a 409 (nothing of them written).
 */
export async function defineCommitments(
  repository: ApiRepository,
  planId: string,
  items: BatchDefinition[],
  options: { now: Date; nonce?: NonceClaim },
): Promise<{ planRevision: number; results: Map<number, BatchItemResult> }> {
  const results = new Map<number, BatchItemResult>();
  const nowIso = options.now.toISOString();
  let nonce = options.nonce;
  let pending = items;
  let planRevision = 0;
  for (let attempt = 0; pending.length > 0 || nonce; attempt++) {
    const [plan, existing] = await Promise.all([
      repository.getPlan(planId),
      repository.getCommitments(
        planId,
        pending.map((item) => item.commitmentId),
      ),
    ]);
    if (!plan) throw new Problem(404, 'plan-not-found', `plan ${planId} does not exist; define it first with PUT /api/v1/plans/${planId}`);
    planRevision = plan.revision;
    const byId = new Map(existing.map((c) => [c.commitmentId, c]));
    const writes: Array<{ item: BatchDefinition; commitment: Commitment; expectedRevision?: number }> = [];
    for (const item of pending) {
      const current = byId.get(item.commitmentId);
      let commitment: Commitment;
      try {
        commitment = commitmentFrom(plan, current, planId, item.commitmentId, item.definition, nowIso);
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        results.set(item.index, { index: item.index, commitmentId: item.commitmentId, problem: error.toBody() });
        continue;
      }
      if (current && same(current, commitment, COMMITMENT_FIELDS)) {
        results.set(item.index, { index: item.index, commitmentId: item.commitmentId, result: 'unchanged', revision: current.revision });
        continue;
      }
      writes.push({ item, commitment, expectedRevision: current?.revision });
    }
    pending = [];
    if (writes.length === 0 && nonce) {
      try {
        await repository.claimNonce(nonce);
      } catch (error) {
        conflictToProblem(error, 'plan', nonce);
      }
      nonce = undefined;
    }
    for (let start = 0; start < writes.length; start += MAX_ITEMS_PER_TRANSACTION) {
      const chunk = writes.slice(start, start + MAX_ITEMS_PER_TRANSACTION);
      try {
        planRevision = await repository.saveCommitments({
          planId,
          commitments: chunk,
          expectedPlanRevision: planRevision,
          nonce,
          now: nowIso,
        });
      } catch (error) {
        if (!(error instanceof ConflictError) || error.conflict !== 'revision' || attempt >= BATCH_CONFLICT_RETRIES) {
          // Before the nonce is spent, the request fails whole (nothing written); after, the chunk's items do.
          if (nonce || !(error instanceof ConflictError)) conflictToProblem(error, 'commitment', nonce);
          const problem = new Problem(
            409,
            'write-conflict',
            'the plan was being changed by others; nothing of this item was written, retry',
          );
          for (const { item } of chunk)
            results.set(item.index, { index: item.index, commitmentId: item.commitmentId, problem: problem.toBody() });
          continue;
        }
        // Someone else moved the plan or a commitment: read again and redo this chunk and the rest.
        pending = writes.slice(start).map((w) => w.item);
        await sleep(backoffDelay(attempt, { baseDelayMs: 10, maxDelayMs: 200 }));
        break;
      }
      nonce = undefined;
      for (const { item, commitment, expectedRevision } of chunk) {
        results.set(item.index, {
          index: item.index,
          commitmentId: item.commitmentId,
          result: expectedRevision === undefined ? 'created' : 'changed',
          revision: commitment.revision,
        });
      }
    }
  }
  return { planRevision, results };
}
