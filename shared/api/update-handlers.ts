/** Posting a status update: the signed write officials make. */
import { randomUUID } from 'node:crypto';
import { type Commitment, type StatusUpdate, updateRequestSchema } from '../domain/model.ts';
import { Problem } from '../domain/problem.ts';
import { backoffDelay, contentionProblem, sleep } from '../domain/retry.ts';
import { revokedDuringRequest } from '../signing/authenticate.ts';
import { requireCommitmentScope } from '../signing/authorize.ts';
import { ConflictError } from '../store/conflicts.ts';
import type { ApiResponse } from './http.ts';
import { IdempotentRequest } from './idempotency.ts';

import { etag, json, nonceClaim, parseIfMatch, type RoutedRequest, readJsonBody, replayed, signed, slugParam } from './request.ts';
/**
 * How long a request without If-Match keeps re-reading and retrying a commitment that others
 * are writing (and a transaction DynamoDB cancelled for a concurrent one), before answering 409
 * (or 503): inside the ingest function's 12 s timeout. Each of N concurrent writers of one
 * commitment wins within N rounds of a few milliseconds each, so only a commitment written
 * without pause by many clients for longer than this turns requests away.
 */
export const CONFLICT_RETRY_DEADLINE_MS = 9_000;
/**
 * Jittered backoff whose window shrinks as a request waits: a request that lost many rounds
 * retries sooner than the newcomers it competes with, so nobody is starved to the deadline.
 */
function conflictDelay(attempt: number, waitedMs: number): number {
  const maxDelayMs = waitedMs < 500 ? 100 : waitedMs < 2_000 ? 40 : 10;
  return backoffDelay(Math.min(attempt, 8), { baseDelayMs: 5, maxDelayMs });
}

export async function postUpdate(ctx: RoutedRequest): Promise<ApiResponse> {
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
  // A retry of a request that was already accepted gets the first answer (IdempotentRequest).
  const idempotent = IdempotentRequest.begin(ctx.request, auth.key.keyId, repository, ctx.now);
  const earlier = await idempotent?.earlierResponse();
  if (earlier) return earlier;

  const started = Date.now();
  const deadline = started + CONFLICT_RETRY_DEADLINE_MS;
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
      // Given by the publisher's sequencer, which orders the plan's updates: not known yet.
      planRevision: 0,
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
    };
    delete next.previousAreaSlug;
    const location = `/api/v1/plans/${planId}/commitments/${commitmentId}`;
    const response = json(
      201,
      { updateId: update.updateId, revision: update.revision, commitment: next },
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
      if (ifMatch !== undefined && error.conflict !== 'contention') {
        throw new Problem(412, 'stale-revision', 'the commitment changed while this update was being written');
      }
      if (Date.now() < deadline) {
        // Jittered, so that writers who collided do not collide again.
        await sleep(conflictDelay(attempt, Date.now() - started));
        continue;
      }
      if (error.conflict === 'contention') throw contentionProblem();
      throw new Problem(409, 'write-conflict', 'the commitment is being updated by others; retry shortly', {
        headers: { 'retry-after': '1' },
      });
    }
    return response;
  }
}
