/** JSON documents of the current state and of the history: the same fields as the CSVs, nested. */
import type { Commitment, Plan, StatusUpdate } from '../domain/model.ts';
import { statusLabel } from '../domain/vocabulary.ts';
import type { PlanSnapshot } from './snapshot.ts';
import { rememberedRow } from './update-rows.ts';

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
  // What JSON.stringify(doc, null, 2) writes, with the rows (kept across publishes) spliced in.
  const empty = JSON.stringify({ planId: plan.planId, year, month, updates: [] }, null, 2);
  if (updates.length === 0) return `${empty}\n`;
  let text = `${empty.slice(0, -EMPTY_TAIL.length)}[\n`;
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    const label = statusLabel(plan.statuses, u.status, plan.language);
    if (i > 0) text += ',\n';
    text += rememberedRow('json', u, label, () => ({ text: updateEntry(plan, u), keep: true }));
  }
  return `${text}\n  ]\n}\n`;
}

/** How the empty list closes the document: `[]`, the line break and the brace. */
const EMPTY_TAIL = '[]\n}';

/**
 * An entry of the `updates` list as JSON.stringify(doc, null, 2) writes it at that depth: two
 * levels in. The only line breaks JSON.stringify writes are its own (a string's are escaped), so
 * indenting after each one indents the entry.
 */
function updateEntry(plan: Plan, u: StatusUpdate): string {
  return `    ${JSON.stringify(updateJson(plan, u), null, 2).replaceAll('\n', '\n    ')}`;
}
