/**
 * DynamoDB adapter of PlanRepository: the single-table layout of the design.
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
 * Update items also carry the sort keys of the two local indexes (table-schema.ts):
 * `byCommitment` = `{commitmentId}#{reportedAt}#{updateId}` and `byArea` = `{areaSlug}#…`.
 * The plan item carries the summary of its history (history.ts), kept by the update transaction:
 * `historyCount_{YYYY}` and `historyRevision_{YYYY}` per year, `historyAreas` (a string set),
 * and `historyIndexed`, set when the plan is created, which says the summary is complete.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { compareNewestFirst, type HistoryScope, type HistorySummary, reportedYear } from '../../domain/history.ts';
import type { Commitment, Plan, SigningKey, StatusUpdate } from '../../domain/model.ts';
import { ConflictError, type NonceClaim, type WriteConflict } from '../conflicts.ts';
import type { KeyEntry } from '../keys.ts';
import type { Page, PageRequest } from '../paging.ts';
import type { PlanEntry } from '../plans.ts';
import type { PlanRepository } from '../ports.ts';
import type { PublishState } from '../publish-leases.ts';
import type { IdempotencyRecord } from '../requests.ts';
import { TABLE_SCHEMA } from './table-schema.ts';
import { isTransactionConflict, retryTransactionConflicts } from './transaction-conflict.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const keys = {
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

function planEntryItem(plan: Omit<PlanEntry, 'revision'>): Record<string, unknown> {
  return { ...keys.planEntry(plan.planId), kind: 'plan-entry', planId: plan.planId, title: plan.title, municipality: plan.municipality };
}

function keyEntryItem(key: SigningKey): Record<string, unknown> {
  const { sharedSecret: _secret, sealedSecret: _sealed, ...entry } = key;
  return { ...keys.keyEntry(key.keyId), kind: 'key-entry', ...entry };
}

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { PK: _pk, SK: _sk, kind: _kind, byCommitment: _c, byArea: _a, ...rest } = item;
  return rest as T;
}

const HISTORY_ATTRIBUTE = /^history/;
const YEAR_ATTRIBUTE = /^history(Count|Revision)_(\d+)$/;

/** The plan without the bookkeeping of its history. */
function stripPlan(item: Record<string, unknown> | undefined): Plan | undefined {
  const plan = strip<Record<string, unknown>>(item);
  if (!plan) return undefined;
  for (const name of Object.keys(plan)) if (HISTORY_ATTRIBUTE.test(name)) delete plan[name];
  return plan as unknown as Plan;
}

/** The history attributes of a plan item, to carry over when its definition is rewritten. */
function historyAttributes(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([name]) => HISTORY_ATTRIBUTE.test(name)));
}

function historyOfPlanItem(item: Record<string, unknown>): HistorySummary | undefined {
  if (item.historyIndexed !== true) return undefined;
  const summary: HistorySummary = { years: new Map(), areaSlugs: new Set() };
  for (const [name, value] of Object.entries(item)) {
    const match = YEAR_ATTRIBUTE.exec(name);
    if (!match) continue;
    const year = Number(match[2]);
    const entry = summary.years.get(year) ?? { count: 0, revision: 0 };
    if (match[1] === 'Count') entry.count = Number(value);
    else entry.revision = Number(value);
    summary.years.set(year, entry);
  }
  for (const [year, entry] of summary.years) if (entry.count <= 0) summary.years.delete(year);
  const areas = item.historyAreas;
  if (areas instanceof Set) for (const slug of areas) summary.areaSlugs.add(String(slug));
  else if (Array.isArray(areas)) for (const slug of areas) summary.areaSlugs.add(String(slug));
  return summary;
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

/** An update as a table item, with its local index keys. */
export function updateItem(update: StatusUpdate): Record<string, unknown> {
  return {
    ...keys.update(update.planId, update.reportedAt, update.updateId),
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
function keyItem(key: SigningKey): Record<string, unknown> {
  if (key.sharedSecret !== undefined) throw new Error(`refusing to store key ${key.keyId} with a plaintext shared secret: seal it`);
  if (key.algorithm === 'hmac-sha256' && !key.sealedSecret) throw new Error(`key ${key.keyId} is hmac-sha256 but has no sealed secret`);
  return { ...keys.signingKey(key.keyId), kind: 'key', ...key };
}

export class DynamoPlanRepository implements PlanRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getPlan(planId: string): Promise<Plan | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.plan(planId), ConsistentRead: true }));
    return stripPlan(out.Item);
  }

  async getPlanHistory(planId: string): Promise<{ plan: Plan; history?: HistorySummary } | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.plan(planId), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const history = historyOfPlanItem(out.Item);
    return { plan: stripPlan(out.Item)!, ...(history ? { history } : {}) };
  }

  async latestUpdates(planId: string, scope: HistoryScope, limit: number): Promise<StatusUpdate[]> {
    const [index, attribute, prefix] = !scope
      ? [undefined, TABLE_SCHEMA.sortKey, 'UPDATE#']
      : 'commitmentId' in scope
        ? ['byCommitment', 'byCommitment', `${scope.commitmentId}#`]
        : ['byArea', 'byArea', `${scope.areaSlug}#`];
    // The index orders by reportedAt then updateId; the feeds order equal instants by revision.
    // Reading on while the instant of the `limit`-th item repeats makes the cut exact.
    const found: StatusUpdate[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index,
          KeyConditionExpression: `PK = :pk AND begins_with(#sk, :prefix)`,
          ExpressionAttributeNames: { '#sk': attribute },
          ExpressionAttributeValues: { ':pk': `PLAN#${planId}`, ':prefix': prefix },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: limit + 1,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) found.push(strip<StatusUpdate>(item)!);
      start = out.LastEvaluatedKey;
    } while (start && (found.length <= limit || found.at(-1)!.reportedAt === found[limit - 1]!.reportedAt));
    return found.sort(compareNewestFirst).slice(0, limit);
  }

  async listPlans(page: PageRequest): Promise<Page<PlanEntry>> {
    const found = await this.registryPage('PLANS', 'PLAN#', page);
    const revisions = await this.planRevisions(found.items.map((item) => String(item.planId)));
    const items: PlanEntry[] = [];
    for (const item of found.items) {
      const revision = revisions.get(String(item.planId));
      // An entry whose plan is gone is not listed (plans are not deleted; this is a guard).
      if (revision !== undefined) items.push({ ...strip<Omit<PlanEntry, 'revision'>>(item)!, revision });
    }
    return { items, ...(found.next !== undefined ? { next: found.next } : {}) };
  }

  /** The current revision of each plan named (at most a page's worth): one consistent BatchGet. */
  private async planRevisions(planIds: string[]): Promise<Map<string, number>> {
    const revisions = new Map<string, number>();
    let request: Record<string, unknown>[] = planIds.map((planId) => keys.plan(planId));
    for (let attempt = 0; request.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      const out = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: { Keys: request, ConsistentRead: true, ProjectionExpression: 'planId, revision' },
          },
        }),
      );
      for (const item of out.Responses?.[this.tableName] ?? []) revisions.set(String(item.planId), Number(item.revision));
      request = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      if (attempt >= 8 && request.length > 0) throw new Error(`DynamoDB left ${request.length} plan reads unprocessed`);
    }
    return revisions;
  }

  async getCommitment(planId: string, commitmentId: string): Promise<Commitment | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.commitment(planId, commitmentId), ConsistentRead: true }),
    );
    return strip<Commitment>(out.Item);
  }

  async listCommitments(planId: string): Promise<Commitment[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': `PLAN#${planId}`, ':prefix': 'COMMITMENT#' },
      ConsistentRead: true,
    });
    return items.map((item) => strip<Commitment>(item)!);
  }

  async listUpdates(planId: string, options: { year?: number } = {}): Promise<StatusUpdate[]> {
    const prefix = options.year === undefined ? 'UPDATE#' : `UPDATE#${String(options.year).padStart(4, '0')}`;
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': `PLAN#${planId}`, ':prefix': prefix },
      ConsistentRead: true,
    });
    return items.map((item) => strip<StatusUpdate>(item)!);
  }

  async getKey(keyId: string): Promise<SigningKey | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.signingKey(keyId), ConsistentRead: true }));
    return strip<SigningKey>(out.Item);
  }

  async listKeys(page: PageRequest): Promise<Page<KeyEntry>> {
    const found = await this.registryPage('KEYS', 'KEY#', page);
    return {
      items: found.items.map((item) => strip<KeyEntry>(item)!),
      ...(found.next !== undefined ? { next: found.next } : {}),
    };
  }

  /**
   * One page of a registry partition, in sort-key order. One more item than asked is read, so a
   * last page says so (no `next`) instead of sending the client for an empty one.
   */
  private async registryPage(pk: string, prefix: string, page: PageRequest): Promise<{ items: Record<string, unknown>[]; next?: string }> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        Limit: page.limit + 1,
        ...(page.after !== undefined ? { ExclusiveStartKey: { PK: pk, SK: `${prefix}${page.after}` } } : {}),
      }),
    );
    const items = (out.Items ?? []) as Record<string, unknown>[];
    const idOf = (item: Record<string, unknown>) => String(item.SK).slice(prefix.length);
    if (items.length > page.limit) return { items: items.slice(0, page.limit), next: idOf(items[page.limit - 1]!) };
    // Fewer than asked but not the end: DynamoDB stopped at its 1 MB page.
    if (out.LastEvaluatedKey && items.length > 0) return { items, next: idOf(items.at(-1)!) };
    return { items };
  }

  async recordUpdate(input: {
    update: StatusUpdate;
    commitment: Commitment;
    expectedRevision: number;
    nonce?: NonceClaim;
    now: string;
    idempotency?: IdempotencyRecord;
  }): Promise<void> {
    const { update, commitment, expectedRevision, now } = input;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: updateItem(update),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.commitment(commitment.planId, commitment.commitmentId), kind: 'commitment', ...commitment },
          ConditionExpression: 'revision = :expected',
          ExpressionAttributeValues: { ':expected': expectedRevision },
        },
      },
      this.planBump(update.planId, update.planRevision - 1, now, update),
    ];
    const conflicts: WriteConflict[] = ['duplicate', 'revision', 'revision'];
    if (input.nonce) this.addSignedBy(items, conflicts, input.nonce);
    if (input.idempotency) {
      items.push(this.idempotencyPut(input.idempotency, Math.floor(Date.parse(now) / 1000)));
      conflicts.push('idempotency');
    }
    await this.transact(items, conflicts);
  }

  async savePlan(input: { plan: Plan; expectedRevision?: number; nonce?: NonceClaim }): Promise<void> {
    const { plan, expectedRevision } = input;
    // A new plan starts with an (empty) history summary; a redefined one keeps its own. Every
    // update that changes the summary also moves the revision, so the condition below makes
    // the summary read here current.
    let history: Record<string, unknown> = { historyIndexed: true };
    if (expectedRevision !== undefined) {
      const current = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.plan(plan.planId), ConsistentRead: true }),
      );
      // On a mismatch the transaction's condition fails and reports it (after a reused nonce, as always).
      history = current.Item ? historyAttributes(current.Item) : {};
    }
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...history, ...keys.plan(plan.planId), kind: 'plan', ...plan },
          ...(expectedRevision === undefined
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : { ConditionExpression: 'revision = :expected', ExpressionAttributeValues: { ':expected': expectedRevision } }),
        },
      },
      { Put: { TableName: this.tableName, Item: planEntryItem(plan) } },
    ];
    const conflicts: WriteConflict[] = ['revision', 'revision'];
    if (input.nonce) this.addSignedBy(items, conflicts, input.nonce);
    await this.transact(items, conflicts);
  }

  async saveCommitment(input: { commitment: Commitment; expectedRevision?: number; nonce?: NonceClaim; now: string }): Promise<number> {
    const { commitment, expectedRevision, now } = input;
    const plan = await this.getPlan(commitment.planId);
    if (!plan) throw new ConflictError('missing', `plan ${commitment.planId} does not exist`);
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.commitment(commitment.planId, commitment.commitmentId),
            kind: 'commitment',
            ...commitment,
            planRevision: plan.revision + 1,
          },
          ...(expectedRevision === undefined
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : { ConditionExpression: 'revision = :expected', ExpressionAttributeValues: { ':expected': expectedRevision } }),
        },
      },
      this.planBump(commitment.planId, plan.revision, now),
    ];
    const conflicts: WriteConflict[] = ['revision', 'revision'];
    if (input.nonce) this.addSignedBy(items, conflicts, input.nonce);
    await this.transact(items, conflicts);
    return plan.revision + 1;
  }

  async claimNonce(nonce: NonceClaim): Promise<void> {
    const items: TransactItem[] = [];
    const conflicts: WriteConflict[] = [];
    this.addSignedBy(items, conflicts, nonce);
    await this.transact(items, conflicts);
  }

  async putKey(key: SigningKey): Promise<void> {
    await this.transact(
      [{ Put: { TableName: this.tableName, Item: keyItem(key) } }, { Put: { TableName: this.tableName, Item: keyEntryItem(key) } }],
      ['duplicate', 'duplicate'],
    );
  }

  async createKey(key: SigningKey, nonce?: NonceClaim): Promise<void> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: keyItem(key),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Put: { TableName: this.tableName, Item: keyEntryItem(key) } },
    ];
    const conflicts: WriteConflict[] = ['duplicate', 'duplicate'];
    if (nonce) this.addSignedBy(items, conflicts, nonce);
    await this.transact(items, conflicts);
  }

  async revokeKey(input: { keyId: string; revokedAt: string; nonce?: NonceClaim }): Promise<void> {
    // A key changes only here, once: the entry written beside the revocation is the key as revoked.
    const current = await this.getKey(input.keyId);
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.signingKey(input.keyId),
          UpdateExpression: 'SET active = :false, revokedAt = :at',
          ConditionExpression: 'attribute_exists(PK) AND active = :true',
          ExpressionAttributeValues: { ':false': false, ':true': true, ':at': input.revokedAt },
        },
      },
    ];
    const conflicts: WriteConflict[] = ['revision'];
    if (current) {
      items.push({ Put: { TableName: this.tableName, Item: keyEntryItem({ ...current, active: false, revokedAt: input.revokedAt }) } });
      conflicts.push('revision');
    }
    if (input.nonce) this.addSignedBy(items, conflicts, input.nonce);
    await this.transact(items, conflicts);
  }

  /** The plan's revision bump; with an update, also its history summary (year count and revision, area). */
  private planBump(planId: string, expectedPlanRevision: number, now: string, update?: StatusUpdate): TransactItem {
    const values: Record<string, unknown> = { ':expected': expectedPlanRevision, ':next': expectedPlanRevision + 1, ':now': now };
    if (!update) {
      return {
        Update: {
          TableName: this.tableName,
          Key: keys.plan(planId),
          UpdateExpression: 'SET revision = :next, updatedAt = :now',
          ConditionExpression: 'revision = :expected',
          ExpressionAttributeValues: values,
        },
      };
    }
    const year = reportedYear(update);
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.plan(planId),
        UpdateExpression: 'SET revision = :next, updatedAt = :now, #yearRevision = :next ADD #yearCount :one, historyAreas :area',
        ConditionExpression: 'revision = :expected',
        ExpressionAttributeNames: { '#yearRevision': `historyRevision_${year}`, '#yearCount': `historyCount_${year}` },
        ExpressionAttributeValues: { ...values, ':one': 1, ':area': new Set([update.areaSlug]) },
      },
    };
  }

  /**
   * What every signed write adds to its transaction: the nonce (unused) and a check that the
   * signer's key still exists and is active. Without the check, a request authenticated just
   * before its key's revocation could still commit after it. A transaction may name an item only
   * once: when it writes the signer's own key item (revoking itself), that write's condition
   * already requires the key to be active.
   */
  private addSignedBy(items: TransactItem[], conflicts: WriteConflict[], nonce: NonceClaim): void {
    items.push(this.noncePut(nonce));
    conflicts.push('nonce');
    const signer = keys.signingKey(nonce.keyId);
    const touched = items.some((item) => {
      const key = item.Put?.Item ?? item.Update?.Key ?? item.ConditionCheck?.Key ?? item.Delete?.Key;
      return key?.PK === signer.PK && key?.SK === signer.SK;
    });
    if (touched) return;
    items.push({
      ConditionCheck: {
        TableName: this.tableName,
        Key: signer,
        ConditionExpression: 'attribute_exists(PK) AND active = :true',
        ExpressionAttributeValues: { ':true': true },
      },
    });
    conflicts.push('revoked');
  }

  /**
   * Writes the registry entry of a plan from its item, if it is missing or differs; conditioned on
   * the plan's revision being the one read (a redefinition moves it), so a concurrent write cannot
   * leave it stale. Returns whether it wrote.
   */
  private async registerPlan(item: Record<string, unknown>): Promise<boolean> {
    const plan = stripPlan(item)!;
    const planId = plan.planId;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: planEntryItem(plan),
                ConditionExpression: 'attribute_not_exists(PK) OR title <> :title OR municipality <> :municipality',
                ExpressionAttributeValues: { ':title': plan.title, ':municipality': plan.municipality },
              },
            },
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.plan(planId),
                ConditionExpression: 'revision = :revision',
                ExpressionAttributeValues: { ':revision': plan.revision },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      // Already current, or the plan moved on (its own transaction then moved the entry too).
      if (error instanceof TransactionCanceledException || (error as Error).name === 'TransactionCanceledException') return false;
      throw error;
    }
  }

  /**
   * Adds the registry entries of plans and keys written before the registries existed (or
   * brings a stale one up to date). Reads the whole table: an operator's step (the local
   * runtime runs it at start, `mandat republish --all` before listing), never a request's.
   */
  async fillRegistry(): Promise<{ plans: number; keys: number }> {
    let plans = 0;
    for (const item of await this.scanBySortKey('PLAN')) if (await this.registerPlan(item)) plans++;
    let added = 0;
    for (const item of await this.scanBySortKey('KEY')) {
      const key = strip<SigningKey>(item)!;
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: keyEntryItem(key),
                  ConditionExpression: 'attribute_not_exists(PK) OR active <> :active',
                  ExpressionAttributeValues: { ':active': key.active },
                },
              },
              {
                ConditionCheck: {
                  TableName: this.tableName,
                  Key: keys.signingKey(key.keyId),
                  ConditionExpression: 'active = :active',
                  ExpressionAttributeValues: { ':active': key.active },
                },
              },
            ],
          }),
        );
        added++;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException || (error as Error).name === 'TransactionCanceledException')) throw error;
      }
    }
    return { plans, keys: added };
  }

  private noncePut(nonce: NonceClaim): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.nonce(nonce.keyId, nonce.nonce), kind: 'nonce', keyId: nonce.keyId, expiresAt: nonce.expiresAt },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    };
  }

  /**
   * Runs a transaction and turns a cancellation into the ConflictError of the failed condition.
   * Cancellations for a concurrent transaction are retried with backoff first (a fresh command
   * each time, so a fresh ClientRequestToken: the cancelled attempt wrote nothing).
   */
  private async transact(items: TransactItem[], conflicts: WriteConflict[]): Promise<void> {
    try {
      await retryTransactionConflicts(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
    } catch (error) {
      if (error instanceof TransactionCanceledException || (error as Error).name === 'TransactionCanceledException') {
        const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
        // The nonce outranks the others: a replay is a replay even if the state also moved on.
        // Then the idempotency key: a retry of a committed update also finds the revision moved.
        const failed = reasons
          .map((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? conflicts[index] : undefined))
          .filter((c): c is WriteConflict => c !== undefined);
        // A revoked signer outranks the rest: nothing it signed may be written, nor answered as written.
        const conflict = (['nonce', 'revoked', 'idempotency'] as const).find((c) => failed.includes(c)) ?? failed[0];
        if (conflict) throw new ConflictError(conflict, `conditional write failed: ${conflict}`);
      }
      if (isTransactionConflict(error)) {
        throw new ConflictError('contention', 'the transaction kept colliding with concurrent writes; nothing was written');
      }
      throw error;
    }
  }

  /** Every item of one kind across partitions (plans, keys): a consistent scan filtered on SK. Operators only (fillRegistry). */
  private async scanBySortKey(sk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'SK = :sk',
          ExpressionAttributeValues: { ':sk': sk },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...((out.Items ?? []) as Record<string, unknown>[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  // ---- Idempotent requests (idempotency.ts) ----

  async getIdempotencyRecord(keyId: string, idempotencyKey: string, nowSeconds: number): Promise<IdempotencyRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.idempotency(keyId, idempotencyKey), ConsistentRead: true }),
    );
    const record = strip<IdempotencyRecord>(out.Item);
    // TTL deletes lazily (up to days later): an expired record must already count as gone.
    return record && record.expiresAt > nowSeconds ? record : undefined;
  }

  private idempotencyPut(record: IdempotencyRecord, nowSeconds: number): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.idempotency(record.keyId, record.idempotencyKey), kind: 'idempotency', ...record },
        ConditionExpression: 'attribute_not_exists(PK) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': nowSeconds },
      },
    };
  }

  // ---- Publish coordination (publish-coordinator.ts) ----
  // Lease times are epoch milliseconds of the publishers' clocks, compared in conditions.
  // The attribute is `leaseUntil`, not the table's TTL attribute `expiresAt`: the item must stay.

  async getPublishState(planId: string): Promise<PublishState | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.publishState(planId), ConsistentRead: true }));
    return out.Item ? toPublishState(planId, out.Item) : undefined;
  }

  async acquirePublishLease(planId: string, lease: { owner: string; until: number; now: number }): Promise<PublishState | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.publishState(planId),
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, kind = :kind, planId = :planId ADD leaseCount :one',
          ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseUntil < :now OR leaseOwner = :owner',
          ExpressionAttributeValues: {
            ':owner': lease.owner,
            ':until': lease.until,
            ':now': lease.now,
            ':kind': 'publish-state',
            ':planId': planId,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toPublishState(planId, out.Attributes ?? {});
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  async renewPublishLease(planId: string, lease: { owner: string; until: number }): Promise<boolean> {
    return this.conditionalUpdate({
      Key: keys.publishState(planId),
      UpdateExpression: 'SET leaseUntil = :until',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': lease.owner, ':until': lease.until },
    });
  }

  async recordPublished(
    planId: string,
    input: { owner: string; revision: number; staleWritesHandled: number; until: number; at: string },
  ): Promise<boolean> {
    return this.conditionalUpdate({
      Key: keys.publishState(planId),
      UpdateExpression: 'SET publishedRevision = :revision, staleWritesHandled = :handled, publishedAt = :at, leaseUntil = :until',
      ConditionExpression: 'leaseOwner = :owner AND (attribute_not_exists(publishedRevision) OR publishedRevision <= :revision)',
      ExpressionAttributeValues: {
        ':owner': input.owner,
        ':revision': input.revision,
        ':handled': input.staleWritesHandled,
        ':at': input.at,
        ':until': input.until,
      },
    });
  }

  async releasePublishLease(planId: string, owner: string): Promise<void> {
    await this.conditionalUpdate({
      Key: keys.publishState(planId),
      UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': owner },
    });
  }

  async markStaleWrites(planId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.publishState(planId),
        UpdateExpression: 'SET kind = :kind, planId = :planId ADD staleWrites :one',
        ExpressionAttributeValues: { ':kind': 'publish-state', ':planId': planId, ':one': 1 },
      }),
    );
  }

  private async conditionalUpdate(input: {
    Key: Record<string, string>;
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeValues: Record<string, unknown>;
  }): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

function toPublishState(planId: string, item: Record<string, unknown>): PublishState {
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
