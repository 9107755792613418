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

/**
 * One month (`YYYY-MM`) of history, oldest first: what JSON.stringify(doc, null, 2) writes, built
 * from its parts (the rows kept across publishes, see rememberedRow).
 */
export function renderUpdatesJson(plan: Plan, month: string, updates: StatusUpdate[]): string {
  if (updates.length === 0) return `${JSON.stringify(monthDoc(plan, month), null, 2)}\n`;
  const entries = updates.map((u) => updateJsonEntry(plan, u));
  return `${updatesJsonHead(plan, month)}\n${entries.join(',\n')}${UPDATES_JSON_TAIL}`;
}

const monthDoc = (plan: Plan, month: string) => ({ planId: plan.planId, year: Number(month.slice(0, 4)), month, updates: [] });

/**
 * A month file with at least one update is this head, a line break, its entries joined by `,` and
 * a line break, and UPDATES_JSON_TAIL: the head is the document with an empty list, cut before the
 * list's closing bracket (`[]`, a line break and the document's closing brace).
 */
export function updatesJsonHead(plan: Plan, month: string): string {
  const empty = JSON.stringify(monthDoc(plan, month), null, 2);
  return empty.slice(0, -'[]\n}'.length + 1);
}

export const UPDATES_JSON_TAIL = '\n  ]\n}\n';

/**
 * An entry of the `updates` list as JSON.stringify(doc, null, 2) writes it at that depth, two
 * levels in. The only line breaks JSON.stringify writes are its own (a string's are escaped), so
 * indenting after each one indents the entry.
 */
export function updateJsonEntry(plan: Plan, u: StatusUpdate): string {
  const label = statusLabel(plan.statuses, u.status, plan.language);
  return rememberedRow('json', u, label, () => ({
    text: `    ${JSON.stringify(updateJson(plan, u), null, 2).replaceAll('\n', '\n    ')}`,
    keep: true,
  }));
}
