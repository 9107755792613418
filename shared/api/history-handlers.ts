/**
 * Importing a plan's past (admin): dated historical updates, kept with their own reportedAt and
 * marked `imported`, so the history files and charts tell the past while no feed announces it
 * as news. Each item is checked and written or refused on its own; an update's id is derived
 * from its content, so sending the same history again writes nothing.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { canonicalJson } from '../domain/canonical-json.ts';
import { reportedMonth } from '../domain/history.ts';
import { type Commitment, type StatusUpdate, slugSchema, updateRequestSchema } from '../domain/model.ts';
import { Problem, type ProblemBody } from '../domain/problem.ts';
import { backoffDelay, contentionProblem, sleep } from '../domain/retry.ts';
import { revokedDuringRequest } from '../signing/authenticate.ts';
import { requirePlanAdmin } from '../signing/authorize.ts';
import { ConflictError, type NonceClaim } from '../store/conflicts.ts';
import { MAX_ITEMS_PER_TRANSACTION } from '../store/plans.ts';
import type { ApiRepository } from '../store/ports.ts';
import { MAX_BATCH_ITEMS } from './definitions.ts';
import type { ApiResponse } from './http.ts';
import { fieldErrors, json, nonceClaim, type RoutedRequest, readJsonBody, replayed, signed, slugParam } from './request.ts';

/** Body of `POST /api/v1/plans/{planId}/history`: the envelope; each item is checked on its own. */
export const historyBatchSchema = z.strictObject({
  updates: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_BATCH_ITEMS)),
});

/** One historical update: an update's body with its commitment, and a date it must have. */
export const historyItemSchema = z.extend(updateRequestSchema, {
  commitmentId: slugSchema,
  reportedAt: z.iso.datetime({ offset: true }),
});
export type HistoryItem = z.infer<typeof historyItemSchema>;

export interface HistoryItemResult {
  index: number;
  commitmentId?: string;
  updateId?: string;
  /** `recorded`: written now; `unchanged`: already in the history (same content). */
  result?: 'recorded' | 'unchanged';
  /** The update is (now) the commitment's current state: the newest by reportedAt. */
  current?: boolean;
  problem?: ProblemBody;
}

/**
 * An imported update's id, from what it says: the same plan, commitment, date, status,
 * observations and links give the same id (a UUID shaped from a SHA-256, version 8).
 */
export function importedUpdateId(
  planId: string,
  item: Pick<HistoryItem, 'commitmentId' | 'reportedAt' | 'status' | 'observations' | 'links'>,
) {
  const hex = createHash('sha256')
    .update(canonicalJson([planId, item.commitmentId, item.reportedAt, item.status, item.observations, item.links ?? []]))
    .digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface Candidate {
  index: number;
  item: HistoryItem;
  reportedAt: string;
  updateId: string;
}

const HISTORY_CONFLICT_RETRIES = 5;

/**
 * Writes the valid items: new updates in transactions of up to MAX_ITEMS_PER_TRANSACTION items
 * (updates and the commitments they make current, a commitment in the transaction of its newest
 * update), one plan bump each; the nonce with the first. A commitment takes the state of the
 * newest item that is newer than its own state, whether that item is new or was imported before.
 */
export async function importHistory(
  repository: ApiRepository,
  planId: string,
  candidates: Candidate[],
  options: { now: Date; nonce?: NonceClaim; keyId: string; clockSkewSeconds: number },
): Promise<{ planRevision: number; results: Map<number, HistoryItemResult> }> {
  const results = new Map<number, HistoryItemResult>();
  const refuse = (c: Candidate, problem: Problem) =>
    results.set(c.index, { index: c.index, commitmentId: c.item.commitmentId, problem: problem.toBody() });
  const nowIso = options.now.toISOString();
  let nonce = options.nonce;
  let pending = candidates;
  let planRevision = 0;
  for (let attempt = 0; pending.length > 0 || nonce; attempt++) {
    const [plan, commitments] = await Promise.all([
      repository.getPlan(planId),
      repository.getCommitments(
        planId,
        pending.map((c) => c.item.commitmentId),
      ),
    ]);
    if (!plan) throw new Problem(404, 'plan-not-found', `plan ${planId} does not exist`);
    planRevision = plan.revision;
    const byId = new Map(commitments.map((c) => [c.commitmentId, c]));
    const valid: Candidate[] = [];
    const seen = new Set<string>();
    for (const c of pending) {
      if (!byId.has(c.item.commitmentId)) {
        refuse(c, new Problem(404, 'commitment-not-found', `commitment ${c.item.commitmentId} does not exist in plan ${planId}`));
      } else if (!plan.statuses.some((s) => s.code === c.item.status)) {
        refuse(
          c,
          new Problem(400, 'invalid-body', `status "${c.item.status}" is not in the plan's vocabulary`, {
            errors: [{ path: 'status', message: `must be one of ${plan.statuses.map((s) => s.code).join(', ')}` }],
          }),
        );
      } else if (Date.parse(c.reportedAt) > options.now.getTime() + options.clockSkewSeconds * 1000) {
        refuse(
          c,
          new Problem(400, 'invalid-body', 'reportedAt is in the future', {
            errors: [{ path: 'reportedAt', message: 'must not be in the future' }],
          }),
        );
      } else if (seen.has(c.updateId)) {
        // The same update twice in one request is one update.
        results.set(c.index, { index: c.index, commitmentId: c.item.commitmentId, updateId: c.updateId, result: 'unchanged' });
      } else {
        seen.add(c.updateId);
        valid.push(c);
      }
    }
    const existing = await repository.existingUpdateIds(planId, valid);
    // Per commitment, oldest first: each update's previous status is the one before it here.
    const groups = new Map<string, Candidate[]>();
    for (const c of [...valid].sort((a, b) => a.reportedAt.localeCompare(b.reportedAt) || a.updateId.localeCompare(b.updateId))) {
      const list = groups.get(c.item.commitmentId) ?? [];
      list.push(c);
      groups.set(c.item.commitmentId, list);
    }
    interface Write {
      updates: Array<{ candidate: Candidate; update: StatusUpdate }>;
      commitment?: { commitment: Commitment; expectedRevision: number };
      current?: Candidate;
    }
    const writes: Write[] = [];
    for (const [commitmentId, list] of groups) {
      const current = byId.get(commitmentId)!;
      const newest = list.at(-1)!;
      const becomesCurrent = newest.reportedAt > current.reportedAt && current.lastUpdateId !== newest.updateId;
      const revision = becomesCurrent ? current.revision + 1 : current.revision;
      const write: Write = { updates: [] };
      let previous: string | undefined;
      for (const c of list) {
        const isCurrent = becomesCurrent && c === newest;
        if (!existing.has(c.updateId)) {
          write.updates.push({
            candidate: c,
            update: {
              planId,
              commitmentId,
              updateId: c.updateId,
              reportedAt: c.reportedAt,
              receivedAt: nowIso,
              status: c.item.status,
              previousStatus: isCurrent ? current.status : (previous ?? c.item.status),
              observations: c.item.observations,
              links: c.item.links ?? [],
              ...(c.item.progress !== undefined ? { progress: c.item.progress } : {}),
              revision: isCurrent ? revision : current.revision,
              planRevision: 0,
              keyId: options.keyId,
              commitmentNumber: current.number,
              commitmentTitle: current.title,
              area: current.area,
              areaSlug: current.areaSlug,
              imported: true,
            },
          });
        } else {
          results.set(c.index, {
            index: c.index,
            commitmentId,
            updateId: c.updateId,
            result: 'unchanged',
            ...(isCurrent ? { current: true } : {}),
          });
        }
        previous = c.item.status;
      }
      if (becomesCurrent) {
        const { progress: _progress, previousAreaSlug: _moved, ...rest } = current;
        write.current = newest;
        write.commitment = {
          expectedRevision: current.revision,
          commitment: {
            ...rest,
            status: newest.item.status,
            observations: newest.item.observations,
            links: newest.item.links ?? [],
            ...(newest.item.progress !== undefined ? { progress: newest.item.progress } : {}),
            revision,
            reportedAt: newest.reportedAt,
            updatedAt: nowIso,
            lastUpdateId: newest.updateId,
          },
        };
      }
      if (write.updates.length > 0 || write.commitment) writes.push(write);
    }
    pending = [];
    const transactions: Write[][] = [];
    let size = 0;
    // Each month a transaction's updates land in has its summary item in that transaction too.
    let months = new Set<string>();
    const monthOf = (u: { update: StatusUpdate }) => reportedMonth(u.update);
    const perPart = Math.floor((MAX_ITEMS_PER_TRANSACTION - 1) / 2);
    for (const write of writes) {
      // A commitment goes with its updates; a commitment with more than a transaction holds is split, its own write last.
      const parts: Write[] = [];
      for (let i = 0; i < write.updates.length; i += perPart) parts.push({ updates: write.updates.slice(i, i + perPart) });
      if (parts.length === 0) parts.push({ updates: [] });
      Object.assign(parts.at(-1)!, { commitment: write.commitment, current: write.current });
      for (const part of parts) {
        const partMonths = new Set(part.updates.map(monthOf));
        const newMonths = [...partMonths].filter((m) => !months.has(m)).length;
        const items = part.updates.length + (part.commitment ? 1 : 0);
        if (transactions.length === 0 || size + items + newMonths > MAX_ITEMS_PER_TRANSACTION) {
          transactions.push([]);
          size = 0;
          months = new Set();
        }
        transactions.at(-1)!.push(part);
        size += items + [...partMonths].filter((m) => !months.has(m)).length;
        for (const m of partMonths) months.add(m);
      }
    }
    if (transactions.length === 0 && nonce) {
      await spend(repository, nonce);
      nonce = undefined;
    }
    for (const [t, transaction] of transactions.entries()) {
      const updates = transaction.flatMap((w) => w.updates.map((u) => ({ ...u.update, planRevision: planRevision + 1 })));
      const changed = transaction.flatMap((w) =>
        w.commitment ? [{ ...w.commitment, commitment: { ...w.commitment.commitment, planRevision: planRevision + 1 } }] : [],
      );
      try {
        planRevision = await repository.recordImportedUpdates({
          planId,
          updates,
          commitments: changed,
          expectedPlanRevision: planRevision,
          nonce,
          now: nowIso,
        });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (error.conflict === 'nonce') throw replayed();
        if (error.conflict === 'revoked') throw revokedDuringRequest(options.keyId);
        const retryable = error.conflict === 'revision' || error.conflict === 'duplicate';
        if (retryable && attempt < HISTORY_CONFLICT_RETRIES) {
          // Another writer moved the plan or a commitment (or imported the same update): read again, redo the rest.
          pending = transactions
            .slice(t)
            .flatMap((w) => w.flatMap((part) => [...part.updates.map((u) => u.candidate), ...(part.current ? [part.current] : [])]));
          pending = [...new Set(pending)];
          await sleep(backoffDelay(attempt, { baseDelayMs: 10, maxDelayMs: 200 }));
          break;
        }
        if (nonce)
          throw error.conflict === 'contention'
            ? contentionProblem()
            : new Problem(409, 'write-conflict', 'the plan was being changed by others; nothing was written, retry', {
                headers: { 'retry-after': '1' },
              });
        const problem = new Problem(409, 'write-conflict', 'the plan was being changed by others; nothing of this item was written, retry');
        for (const part of transaction) for (const { candidate } of part.updates) refuse(candidate, problem);
        continue;
      }
      nonce = undefined;
      for (const part of transaction) {
        for (const { candidate, update } of part.updates) {
          results.set(candidate.index, {
            index: candidate.index,
            commitmentId: update.commitmentId,
            updateId: update.updateId,
            result: 'recorded',
            ...(part.current === candidate ? { current: true } : {}),
          });
        }
        if (part.current && !part.updates.some((u) => u.candidate === part.current)) {
          results.set(part.current.index, { ...results.get(part.current.index)!, current: true });
        }
      }
    }
  }
  return { planRevision, results };
}

async function spend(repository: ApiRepository, nonce: NonceClaim): Promise<void> {
  try {
    await repository.claimNonce(nonce);
  } catch (error) {
    if (error instanceof ConflictError && error.conflict === 'nonce') throw replayed();
    if (error instanceof ConflictError && error.conflict === 'revoked') throw revokedDuringRequest(nonce.keyId);
    throw error;
  }
}

export async function postHistory(ctx: RoutedRequest): Promise<ApiResponse> {
  const planId = slugParam(ctx.params[0]!, 'plan');
  const auth = await signed(ctx);
  requirePlanAdmin(auth.key, planId);
  const { updates } = readJsonBody(ctx.request, historyBatchSchema);
  const results = new Map<number, HistoryItemResult>();
  const candidates: Candidate[] = [];
  updates.forEach((raw, index) => {
    const parsed = historyItemSchema.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { commitmentId?: unknown } | null)?.commitmentId;
      const errors = fieldErrors(parsed.error.issues);
      const problem = new Problem(
        400,
        'invalid-body',
        `the item does not match the schema: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
        { errors },
      );
      results.set(index, { index, ...(typeof id === 'string' ? { commitmentId: id } : {}), problem: problem.toBody() });
      return;
    }
    const item = parsed.data;
    // One instant, one spelling: the id and the history's order depend on it.
    const reportedAt = new Date(item.reportedAt).toISOString();
    candidates.push({ index, item, reportedAt, updateId: importedUpdateId(planId, { ...item, reportedAt }) });
  });
  const written = await importHistory(ctx.deps.repository, planId, candidates, {
    now: ctx.now,
    nonce: nonceClaim(ctx, auth),
    keyId: auth.key.keyId,
    clockSkewSeconds: ctx.deps.clockSkewSeconds,
  });
  for (const [index, result] of written.results) results.set(index, result);
  const ordered = [...results.values()].sort((a, b) => a.index - b.index);
  return json(200, {
    planId,
    planRevision: written.planRevision,
    recorded: ordered.filter((r) => r.result === 'recorded').length,
    unchanged: ordered.filter((r) => r.result === 'unchanged').length,
    refused: ordered.filter((r) => r.problem).length,
    results: ordered,
  });
}
