/** JSON documents of the current state and of the history: the same fields as the CSVs, nested. */
import type { Commitment, Plan, StatusUpdate } from '../domain/model.ts';
import { statusLabel } from '../domain/vocabulary.ts';
import type { PlanSnapshot } from './snapshot.ts';

function planHeader(plan: Plan) {
  return {
    planId: plan.planId,
    title: plan.title,
    municipality: plan.municipality,
    period: plan.period,
    language: plan.language,
    license: plan.license,
    publisher: plan.publisher,
    revision: plan.revision,
    statuses: plan.statuses,
  };
}

function commitmentJson(plan: Plan, c: Commitment) {
  return {
    commitmentId: c.commitmentId,
    number: c.number,
    title: c.title,
    priority: c.priority,
    area: c.area,
    areaSlug: c.areaSlug,
    status: c.status,
    statusLabel: statusLabel(plan.statuses, c.status, plan.language),
    progress: c.progress ?? null,
    observations: c.observations,
    links: c.links,
    reportedAt: c.reportedAt,
    updatedAt: c.updatedAt,
    revision: c.revision,
    lastUpdateId: c.lastUpdateId ?? null,
  };
}

export function renderCommitmentsJson(snapshot: Pick<PlanSnapshot, 'plan' | 'commitments'>): string {
  const { plan, commitments } = snapshot;
  return JSON.stringify({ plan: planHeader(plan), commitments: commitments.map((c) => commitmentJson(plan, c)) }, null, 2) + '\n';
}

export function updateJson(plan: Plan, u: StatusUpdate) {
  return {
    updateId: u.updateId,
    reportedAt: u.reportedAt,
    receivedAt: u.receivedAt,
    commitmentId: u.commitmentId,
    commitmentNumber: u.commitmentNumber,
    commitmentTitle: u.commitmentTitle,
    area: u.area,
    areaSlug: u.areaSlug,
    previousStatus: u.previousStatus,
    status: u.status,
    statusLabel: statusLabel(plan.statuses, u.status, plan.language),
    progress: u.progress ?? null,
    observations: u.observations,
    links: u.links,
    revision: u.revision,
    planRevision: u.planRevision,
    keyId: u.keyId,
    imported: u.imported === true,
  };
}

/** One month (`YYYY-MM`) of history, oldest first. */
export function renderUpdatesJson(plan: Plan, month: string, updates: StatusUpdate[]): string {
  const year = Number(month.slice(0, 4));
  return JSON.stringify({ planId: plan.planId, year, month, updates: updates.map((u) => updateJson(plan, u)) }, null, 2) + '\n';
}
