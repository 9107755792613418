/** Posting a status update: the signed write officials make. */
import { randomUUID } from 'node:crypto';
import { type Commitment, type Plan, type StatusUpdate, updateRequestSchema } from '../domain/model.ts';
import { Problem } from '../domain/problem.ts';
import { backoffDelay, contentionProblem, sleep } from '../domain/retry.ts';
import { revokedDuringRequest } from '../signing/authenticate.ts';
import { requireCommitmentScope } from '../signing/authorize.ts';
import { ConflictError } from '../store/conflicts.ts';
import type { ApiResponse } from './http.ts';
import { IdempotentRequest } from './idempotency.ts';

import { etag, json, nonceClaim, parseIfMatch, type RoutedRequest, readJsonBody, replayed, signed, slugParam } from './request.ts';
import { WriterTurn, writeConflict } from './writer-queue.ts';
/**
 * How long a request without If-Match waits for its turn in the commitment's queue of writers
 * (and retries a transaction DynamoDB cancelled for a concurrent one), before answering 409 (or
 * 503): inside the ingest function's 12 s timeout. N writers queued on one commitment land in N
 * turns, first come first served, so only a commitment kept busy for longer than this by more
 * writers than it can take turns turns requests away.
 */
export const CONFLICT_RETRY_DEADLINE_MS = 9_000;
/** Jittered backoff after DynamoDB cancelled a write for a concurrent one (AWS only), so that the two do not collide again. */
const conflictDelay = (attempt: number) => backoffDelay(Math.min(attempt, 8), { baseDelayMs: 5, maxDelayMs: 100 });

export async function postUpdate(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const commitmentId = slugParam(ctx.params[1]!, 'commitment');
  const { repository } = ctx.deps;
  const readState = () => Promise.all([repository.getPlan(planId), repository.getCommitmentQueue(planId, commitmentId)]);
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
  // Without If-Match: a first attempt while nobody queues, then a ticket in the commitment's queue.
  const queue = ifMatch === undefined ? new WriterTurn(repository, planId, commitmentId, deadline) : undefined;
  let written = false;
  try {
    for (let attempt = 0; ; attempt++) {
      let plan: Plan | undefined;
      let current: Commitment | undefined;
      if (queue?.ticket) [plan, current] = await Promise.all([repository.getPlan(planId), queue.wait()]);
      else {
        let state: Awaited<ReturnType<typeof repository.getCommitmentQueue>>;
        [plan, state] = await (attempt === 0 ? early : readState());
        current = state?.commitment;
        // Others are queueing: join them rather than try to pass.
        if (queue && state && state.queue.next > state.queue.done) {
          await queue.take();
          continue;
        }
      }
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
          turn: queue?.ticket,
          nonce: nonceClaim(ctx, auth),
          now: receivedAt,
          idempotency: idempotent?.record(response),
        });
        written = true;
        return response;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (error.conflict === 'nonce') throw replayed();
        if (error.conflict === 'revoked') throw revokedDuringRequest(auth.key.keyId);
        if (error.conflict === 'idempotency' && idempotent) return idempotent.responseAfterRace();
        if (ifMatch !== undefined && error.conflict !== 'contention') {
          throw new Problem(412, 'stale-revision', 'the commitment changed while this update was being written');
        }
        if (Date.now() >= deadline) throw error.conflict === 'contention' ? contentionProblem() : writeConflict();
        // Cancelled for a concurrent transaction (AWS): the same attempt again, shortly. Lost the
        // first attempt to another writer: queue. Holding a ticket, a lost write is read again: an
        // If-Match writer moved the revision (still our turn), or our turn was skipped (a new ticket).
        if (error.conflict === 'contention') await sleep(conflictDelay(attempt));
        else if (queue && !queue.ticket) await queue.take();
      }
    }
  } finally {
    if (!written) await queue?.release();
  }
}
