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
 * Sequenced update items also carry the sort keys of the two local indexes (the sequencer adds
 * them with the plan revision): `byCommitment` = `{commitmentId}#{reportedAt}#{updateId}` and
 * `byArea` = `{areaSlug}#…`.
 * A commitment item carries `pending`: the sort keys of its updates not yet given a plan
 * revision (appended by the update transaction, cleared by the publisher's sequencer); an
 * unsequenced update has `planRevision` 0. It also carries the queue of its writers without
 * If-Match that lost a first attempt: `ticketNext` (last ticket handed out), `ticketDone` (last
 * turn over) and `ticketsAbandoned` (a number set); absent until the first ticket.
 *
 * The plan item carries the summary of its history, kept by the sequencer as it orders updates:
 * `historyCount_{YYYY}` and `historyRevision_{YYYY}` per year, `historyAreas` (a string set),
 * and `historyIndexed`, set when the plan is created, which says the summary is complete.
 * Each month with updates has its own small item beside them, `HISTORY#{YYYY-MM}`, moved by
 * the same transaction as the plan's summary (the publisher's ordering, an import of the past):
 * `updates` (count), `revision`, and `net_{status}` (the month's net status moves). Not on the
 * plan item: every write of the plan item pays for its whole size, and a plan's months would
 * add kilobytes to it.
 */
import { type HistoryMonth, type HistorySummary, monthsComplete, reportedMonth, statusMoves } from '../../domain/history.ts';
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
  historyMonth: (planId: string, month: string) => ({ PK: `PLAN#${planId}`, SK: `${HISTORY_MONTH_PREFIX}${month}` }),
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
  // A commitment's queue of writers (ticket*) is the write path's bookkeeping, like `pending`.
  const {
    PK: _pk,
    SK: _sk,
    kind: _kind,
    byCommitment: _c,
    byArea: _a,
    pending: _p,
    ticketNext: _n,
    ticketDone: _d,
    ticketsAbandoned: _x,
    ...rest
  } = item;
  return rest as T;
}

const HISTORY_ATTRIBUTE = /^history/;
const YEAR_ATTRIBUTE = /^history(Count|Revision)_(\d+)$/;
export const HISTORY_MONTH_PREFIX = 'HISTORY#';
const NET_PREFIX = 'net_';

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
 * The summary kept on a plan item and its month items; undefined when the item predates it, or
 * predates the month items (its months cannot be told without reading the history).
 */
export function historyOfPlanItem(item: Record<string, unknown>, monthItems: Record<string, unknown>[] = []): HistorySummary | undefined {
  if (item.historyIndexed !== true) return undefined;
  const months = new Map<string, HistoryMonth>();
  const summary: HistorySummary = { years: new Map(), months, areaSlugs: new Set() };
  for (const [name, value] of Object.entries(item)) {
    const year = YEAR_ATTRIBUTE.exec(name);
    if (!year) continue;
    const key = Number(year[2]);
    const entry = summary.years.get(key) ?? { count: 0, revision: 0 };
    if (year[1] === 'Count') entry.count = Number(value);
    else entry.revision = Number(value);
    summary.years.set(key, entry);
  }
  for (const monthItem of monthItems) {
    const net = new Map<string, number>();
    for (const [name, value] of Object.entries(monthItem)) {
      if (name.startsWith(NET_PREFIX) && Number(value) !== 0) net.set(name.slice(NET_PREFIX.length), Number(value));
    }
    const month = String(monthItem.SK).slice(HISTORY_MONTH_PREFIX.length);
    months.set(month, { count: Number(monthItem.updates ?? 0), revision: Number(monthItem.revision ?? 0), net });
  }
  for (const [year, entry] of summary.years) if (entry.count <= 0) summary.years.delete(year);
  for (const [month, entry] of months) if (entry.count <= 0) months.delete(month);
  const areas = item.historyAreas;
  if (areas instanceof Set) for (const slug of areas) summary.areaSlugs.add(String(slug));
  else if (Array.isArray(areas)) for (const slug of areas) summary.areaSlugs.add(String(slug));
  return monthsComplete(summary) ? summary : undefined;
}

/** The plan item's history attributes for a summary (a plan created with a history: bulk loads, tests). */
export function planHistoryAttributes(summary: HistorySummary): Record<string, unknown> {
  const attributes: Record<string, unknown> = { historyIndexed: true };
  for (const [year, entry] of summary.years) {
    attributes[`historyCount_${year}`] = entry.count;
    attributes[`historyRevision_${year}`] = entry.revision;
  }
  // DynamoDB has no empty sets: the attribute is absent until the first update.
  if (summary.areaSlugs.size > 0) attributes.historyAreas = new Set(summary.areaSlugs);
  return attributes;
}

/** The month items of a summary (bulk loads, tests), as the update transactions leave them. */
export function historyMonthItems(planId: string, summary: HistorySummary): Record<string, unknown>[] {
  return [...(summary.months ?? [])].map(([month, entry]) => ({
    ...itemKeys.historyMonth(planId, month),
    kind: 'history-month',
    updates: entry.count,
    revision: entry.revision,
    ...Object.fromEntries([...entry.net].map(([code, by]) => [`${NET_PREFIX}${code}`, by])),
  }));
}

/**
 * What a set of newly ordered updates does to their months' items (each created by its first
 * update): the count, the highest plan revision they bring, the net status moves. No condition:
 * the plan item's revision condition in the same transaction orders the writers (the publisher's
 * sequencer, an admin's import of past updates).
 */
export function historyMonthUpdates(
  planId: string,
  updates: Array<Pick<StatusUpdate, 'reportedAt' | 'planRevision' | 'status' | 'previousStatus'>>,
): Array<{
  Key: Record<string, string>;
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}> {
  const months = new Map<string, { count: number; revision: number; net: Map<string, number> }>();
  for (const u of updates) {
    const key = reportedMonth(u);
    const month = months.get(key) ?? { count: 0, revision: 0, net: new Map<string, number>() };
    months.set(key, month);
    month.count++;
    if (u.planRevision > month.revision) month.revision = u.planRevision;
    for (const [code, by] of statusMoves(u)) month.net.set(code, (month.net.get(code) ?? 0) + by);
  }
  return [...months].map(([month, entry]) => {
    const names: Record<string, string> = { '#kind': 'kind', '#revision': 'revision', '#updates': 'updates' };
    const values: Record<string, unknown> = { ':kind': 'history-month', ':revision': entry.revision, ':count': entry.count };
    const add = ['#updates :count'];
    [...entry.net].forEach(([code, by], i) => {
      if (by === 0) return;
      names[`#net${i}`] = `${NET_PREFIX}${code}`;
      values[`:net${i}`] = by;
      add.push(`#net${i} :net${i}`);
    });
    return {
      Key: itemKeys.historyMonth(planId, month),
      // Plan revisions only grow: the newest write's is the month's highest.
      UpdateExpression: `SET #kind = :kind, #revision = :revision ADD ${add.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  });
}

/** The sort keys of an update's entries in the two local indexes. */
export function updateIndexKeys(update: Pick<StatusUpdate, 'commitmentId' | 'areaSlug' | 'reportedAt' | 'updateId'>) {
  return {
    byCommitment: `${update.commitmentId}#${update.reportedAt}#${update.updateId}`,
    byArea: `${update.areaSlug}#${update.reportedAt}#${update.updateId}`,
  };
}

/**
 * An update as a table item. A sequenced update carries its local index keys; an unsequenced
 * one (planRevision 0) does not: the indexes serve only the feeds' windows, which show ordered
 * updates alone, so the sequencer adds the keys when it stamps the revision. Writing the item
 * into both indexes at ingest and rewriting both entries at the stamp cost two index writes per
 * update more than writing them once.
 */
export function updateItem(update: StatusUpdate): Record<string, unknown> {
  return {
    ...itemKeys.update(update.planId, update.reportedAt, update.updateId),
    kind: 'update',
    ...(update.planRevision > 0 ? updateIndexKeys(update) : {}),
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
    ...(typeof item.siteRecord === 'string' ? { siteRecord: item.siteRecord } : {}),
  };
}
