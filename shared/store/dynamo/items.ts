/**
 * The table's items: their keys and how each record is written and read back.
 *
 * | item        | PK                    | SK                              |
 * | plan        | PLAN#{planId}         | PLAN                            |
 * | commitment  | PLAN#{planId}         | COMMITMENT#{commitmentId}       |
 * | update      | PLAN#{planId}         | UPDATE#{reportedAt}#{updateId}  |
 * | signing key | KEY#{keyId}           | KEY                             |
 * | nonce       | NONCE#{keyId}#{nonce} | NONCE                           |
 * | idempotency | IDEMPOTENCY#{keyId}#{idempotencyKey} | IDEMPOTENCY      |
 * | publish     | PUBLISH#{planId}      | PUBLISH                         |
 * | plan entry  | PLANS                 | PLAN#{planId}                   |
 * | key entry   | KEYS                  | KEY#{keyId}                     |
 *
 * The two registries make the lists bounded reads, whatever else the table holds: a page is one
 * Query of the registry's partition. A plan entry holds the plan's id, title and municipality and
 * is written in the transaction that writes the plan's definition; the page's current revisions
 * are read from the plan items themselves (one BatchGet of the page), because keeping them on the
 * entries would make every update in every plan write the one `PLANS` partition. A key entry
 * holds the key without its secret, written with the key (keys change only when created and
 * revoked). `PLANS` does not begin with `PLAN#`, so the publisher's stream filter ignores the
 * registry. `fillRegistry` adds the entries of items written before the registries existed.
 *
 * Publish-state items live outside the plan's partition on purpose: the publisher reacts only
 * to `PLAN#` records, so its own lease writes never trigger another publish.
 *
 * Update items also carry the sort keys of the two local indexes:
 * `byCommitment` = `{commitmentId}#{reportedAt}#{updateId}` and `byArea` = `{areaSlug}#…`.
 * The plan item carries the summary of its history, kept by the update transaction:
 * `historyCount_{YYYY}` and `historyRevision_{YYYY}` per year, the same per month
 * (`historyCount_{YYYY}_{MM}`, `historyRevision_{YYYY}_{MM}`) with the month's net status moves
 * (`historyNet_{YYYY}_{MM}_{status}`), `historyAreas` (a string set), and `historyIndexed`, set
 * when the plan is created, which says the summary is complete.
 */
import { type HistorySummary, monthsComplete, reportedMonth, reportedYear, statusMoves } from '../../domain/history.ts';
import type { Plan, SigningKey, StatusUpdate } from '../../domain/model.ts';
import type { PlanEntry } from '../plans.ts';
import type { PublishState } from '../publish-leases.ts';

export const itemKeys = {
  plan: (planId: string) => ({ PK: `PLAN#${planId}`, SK: 'PLAN' }),
  commitment: (planId: string, commitmentId: string) => ({ PK: `PLAN#${planId}`, SK: `COMMITMENT#${commitmentId}` }),
  update: (planId: string, reportedAt: string, updateId: string) => ({
    PK: `PLAN#${planId}`,
    SK: `UPDATE#${reportedAt}#${updateId}`,
  }),
  signingKey: (keyId: string) => ({ PK: `KEY#${keyId}`, SK: 'KEY' }),
  nonce: (keyId: string, nonce: string) => ({ PK: `NONCE#${keyId}#${nonce}`, SK: 'NONCE' }),
  idempotency: (keyId: string, idempotencyKey: string) => ({ PK: `IDEMPOTENCY#${keyId}#${idempotencyKey}`, SK: 'IDEMPOTENCY' }),
  publishState: (planId: string) => ({ PK: `PUBLISH#${planId}`, SK: 'PUBLISH' }),
  planEntry: (planId: string) => ({ PK: 'PLANS', SK: `PLAN#${planId}` }),
  keyEntry: (keyId: string) => ({ PK: 'KEYS', SK: `KEY#${keyId}` }),
};

export function planEntryItem(plan: Omit<PlanEntry, 'revision'>): Record<string, unknown> {
  return {
    ...itemKeys.planEntry(plan.planId),
    kind: 'plan-entry',
    planId: plan.planId,
    title: plan.title,
    municipality: plan.municipality,
  };
}

export function keyEntryItem(key: SigningKey): Record<string, unknown> {
  const { sharedSecret: _secret, sealedSecret: _sealed, ...entry } = key;
  return { ...itemKeys.keyEntry(key.keyId), kind: 'key-entry', ...entry };
}

export function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { PK: _pk, SK: _sk, kind: _kind, byCommitment: _c, byArea: _a, ...rest } = item;
  return rest as T;
}

const HISTORY_ATTRIBUTE = /^history/;
const YEAR_ATTRIBUTE = /^history(Count|Revision)_(\d+)$/;
const MONTH_ATTRIBUTE = /^history(Count|Revision)_(\d{4})_(\d{2})$/;
const NET_ATTRIBUTE = /^historyNet_(\d{4})_(\d{2})_(.+)$/;

/** The plan without the bookkeeping of its history. */
export function stripPlan(item: Record<string, unknown> | undefined): Plan | undefined {
  const plan = strip<Record<string, unknown>>(item);
  if (!plan) return undefined;
  for (const name of Object.keys(plan)) if (HISTORY_ATTRIBUTE.test(name)) delete plan[name];
  return plan as unknown as Plan;
}

/** The history attributes of a plan item, to carry over when its definition is rewritten. */
export function historyAttributes(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([name]) => HISTORY_ATTRIBUTE.test(name)));
}

/**
 * The summary kept on a plan item; undefined when the item predates it, or predates the monthly
 * counts (its months cannot be told without reading the history).
 */
export function historyOfPlanItem(item: Record<string, unknown>): HistorySummary | undefined {
  if (item.historyIndexed !== true) return undefined;
  const summary: HistorySummary = { years: new Map(), months: new Map(), areaSlugs: new Set() };
  const months = summary.months!;
  const monthOf = (key: string) => {
    let entry = months.get(key);
    if (!entry) months.set(key, (entry = { count: 0, revision: 0, net: new Map() }));
    return entry;
  };
  for (const [name, value] of Object.entries(item)) {
    const year = YEAR_ATTRIBUTE.exec(name);
    if (year) {
      const key = Number(year[2]);
      const entry = summary.years.get(key) ?? { count: 0, revision: 0 };
      if (year[1] === 'Count') entry.count = Number(value);
      else entry.revision = Number(value);
      summary.years.set(key, entry);
      continue;
    }
    const month = MONTH_ATTRIBUTE.exec(name);
    if (month) {
      const entry = monthOf(`${month[2]}-${month[3]}`);
      if (month[1] === 'Count') entry.count = Number(value);
      else entry.revision = Number(value);
      continue;
    }
    const net = NET_ATTRIBUTE.exec(name);
    if (net && Number(value) !== 0) monthOf(`${net[1]}-${net[2]}`).net.set(net[3]!, Number(value));
  }
  for (const [year, entry] of summary.years) if (entry.count <= 0) summary.years.delete(year);
  for (const [month, entry] of months) if (entry.count <= 0) months.delete(month);
  const areas = item.historyAreas;
  if (areas instanceof Set) for (const slug of areas) summary.areaSlugs.add(String(slug));
  else if (Array.isArray(areas)) for (const slug of areas) summary.areaSlugs.add(String(slug));
  return monthsComplete(summary) ? summary : undefined;
}

const monthSuffix = (month: string) => month.replace('-', '_');

/** The plan item's history attributes for a summary (a plan created with a history: bulk loads, tests). */
export function planHistoryAttributes(summary: HistorySummary): Record<string, unknown> {
  const attributes: Record<string, unknown> = { historyIndexed: true };
  for (const [year, entry] of summary.years) {
    attributes[`historyCount_${year}`] = entry.count;
    attributes[`historyRevision_${year}`] = entry.revision;
  }
  for (const [month, entry] of summary.months ?? []) {
    attributes[`historyCount_${monthSuffix(month)}`] = entry.count;
    attributes[`historyRevision_${monthSuffix(month)}`] = entry.revision;
    for (const [code, by] of entry.net) attributes[`historyNet_${monthSuffix(month)}_${code}`] = by;
  }
  // DynamoDB has no empty sets: the attribute is absent until the first update.
  if (summary.areaSlugs.size > 0) attributes.historyAreas = new Set(summary.areaSlugs);
  return attributes;
}

/**
 * What one more update does to its plan item's summary, as parts of an UpdateExpression: the
 * year's and the month's revision set to the plan's next one (`:next`), their counts, the net
 * status moves and the area added.
 */
export function historyUpdate(update: StatusUpdate): {
  set: string[];
  add: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const year = reportedYear(update);
  const month = monthSuffix(reportedMonth(update));
  const names: Record<string, string> = {
    '#yearRevision': `historyRevision_${year}`,
    '#yearCount': `historyCount_${year}`,
    '#monthRevision': `historyRevision_${month}`,
    '#monthCount': `historyCount_${month}`,
  };
  const values: Record<string, unknown> = { ':one': 1, ':area': new Set([update.areaSlug]) };
  const add = ['#yearCount :one', '#monthCount :one', 'historyAreas :area'];
  statusMoves(update).forEach(([code, by], i) => {
    names[`#net${i}`] = `historyNet_${month}_${code}`;
    values[`:net${i}`] = by;
    add.push(`#net${i} :net${i}`);
  });
  return { set: ['#yearRevision = :next', '#monthRevision = :next'], add, names, values };
}

/** An update as a table item, with its local index itemKeys. */
export function updateItem(update: StatusUpdate): Record<string, unknown> {
  return {
    ...itemKeys.update(update.planId, update.reportedAt, update.updateId),
    kind: 'update',
    byCommitment: `${update.commitmentId}#${update.reportedAt}#${update.updateId}`,
    byArea: `${update.areaSlug}#${update.reportedAt}#${update.updateId}`,
    ...update,
  };
}

/**
 * A key as a table item. Every path that writes a key (the API, the demo seed, the CLI's
 * bootstrap commands) comes through here, so none can store a shared secret in the clear:
 * the table, its stream and its backups are read by more than the one function that verifies.
 */
export function keyItem(key: SigningKey): Record<string, unknown> {
  if (key.sharedSecret !== undefined) throw new Error(`refusing to store key ${key.keyId} with a plaintext shared secret: seal it`);
  if (key.algorithm === 'hmac-sha256' && !key.sealedSecret) throw new Error(`key ${key.keyId} is hmac-sha256 but has no sealed secret`);
  return { ...itemKeys.signingKey(key.keyId), kind: 'key', ...key };
}

export function toPublishState(planId: string, item: Record<string, unknown>): PublishState {
  const number = (value: unknown) => (typeof value === 'number' ? value : 0);
  return {
    planId,
    publishedRevision: number(item.publishedRevision),
    staleWrites: number(item.staleWrites),
    staleWritesHandled: number(item.staleWritesHandled),
    leaseCount: number(item.leaseCount),
    ...(typeof item.leaseOwner === 'string' ? { leaseOwner: item.leaseOwner } : {}),
    ...(typeof item.leaseUntil === 'number' ? { leaseUntil: item.leaseUntil } : {}),
    ...(typeof item.publishedAt === 'string' ? { publishedAt: item.publishedAt } : {}),
  };
}
