/**
 * The DynamoDB adapter of every store port, on the single-table layout of the design (the
 * items and their keys are described with their codecs). Plans, their commitments and updates,
 * nonces and idempotency records are written here, in the transactions that need them together;
 * keys and publish leases have adapters of their own, composed here.
 */
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { compareNewestFirst, type HistoryScope, type HistorySummary, reportedYear } from '../../domain/history.ts';
import type { Commitment, Plan, SigningKey, StatusUpdate } from '../../domain/model.ts';
import { ConflictError, type NonceClaim, type WriteConflict } from '../conflicts.ts';
import type { KeyEntry } from '../keys.ts';
import type { Page, PageRequest } from '../paging.ts';
import type { PlanEntry } from '../plans.ts';
import type { PlanRepository } from '../ports.ts';
import type { PublishState } from '../publish-leases.ts';
import type { IdempotencyRecord } from '../requests.ts';
import { historyAttributes, historyOfPlanItem, itemKeys, keyEntryItem, planEntryItem, strip, stripPlan, updateItem } from './items.ts';
import { DynamoKeys } from './keys.ts';
import { DynamoPublishLeases } from './publish-leases.ts';
import { DynamoTable, isCancellation, type TransactItem } from './table.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

export class DynamoPlanRepository extends DynamoTable implements PlanRepository {
  private readonly keyStore: DynamoKeys;
  private readonly leases: DynamoPublishLeases;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    super(client, tableName);
    this.keyStore = new DynamoKeys(client, tableName);
    this.leases = new DynamoPublishLeases(client, tableName);
  }

  // The keys port.
  getKey = (keyId: string): Promise<SigningKey | undefined> => this.keyStore.getKey(keyId);
  listKeys = (page: PageRequest): Promise<Page<KeyEntry>> => this.keyStore.listKeys(page);
  putKey = (key: SigningKey): Promise<void> => this.keyStore.putKey(key);
  createKey = (key: SigningKey, nonce?: NonceClaim): Promise<void> => this.keyStore.createKey(key, nonce);
  revokeKey = (input: { keyId: string; revokedAt: string; nonce?: NonceClaim }): Promise<void> => this.keyStore.revokeKey(input);

  // The publish lease port.
  getPublishState = (planId: string): Promise<PublishState | undefined> => this.leases.getPublishState(planId);
  acquirePublishLease = (planId: string, lease: { owner: string; until: number; now: number }) =>
    this.leases.acquirePublishLease(planId, lease);
  renewPublishLease = (planId: string, lease: { owner: string; until: number }) => this.leases.renewPublishLease(planId, lease);
  recordPublished: DynamoPublishLeases['recordPublished'] = (planId, input) => this.leases.recordPublished(planId, input);
  releasePublishLease = (planId: string, owner: string): Promise<void> => this.leases.releasePublishLease(planId, owner);
  markStaleWrites = (planId: string): Promise<void> => this.leases.markStaleWrites(planId);

  async getPlan(planId: string): Promise<Plan | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: itemKeys.plan(planId), ConsistentRead: true }));
    return stripPlan(out.Item);
  }

  async getPlanHistory(planId: string): Promise<{ plan: Plan; history?: HistorySummary } | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: itemKeys.plan(planId), ConsistentRead: true }));
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
    let request: Record<string, unknown>[] = planIds.map((planId) => itemKeys.plan(planId));
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
      new GetCommand({ TableName: this.tableName, Key: itemKeys.commitment(planId, commitmentId), ConsistentRead: true }),
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
          Item: { ...itemKeys.commitment(commitment.planId, commitment.commitmentId), kind: 'commitment', ...commitment },
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
        new GetCommand({ TableName: this.tableName, Key: itemKeys.plan(plan.planId), ConsistentRead: true }),
      );
      // On a mismatch the transaction's condition fails and reports it (after a reused nonce, as always).
      history = current.Item ? historyAttributes(current.Item) : {};
    }
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...history, ...itemKeys.plan(plan.planId), kind: 'plan', ...plan },
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
            ...itemKeys.commitment(commitment.planId, commitment.commitmentId),
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

  /** The plan's revision bump; with an update, also its history summary (year count and revision, area). */
  private planBump(planId: string, expectedPlanRevision: number, now: string, update?: StatusUpdate): TransactItem {
    const values: Record<string, unknown> = { ':expected': expectedPlanRevision, ':next': expectedPlanRevision + 1, ':now': now };
    if (!update) {
      return {
        Update: {
          TableName: this.tableName,
          Key: itemKeys.plan(planId),
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
        Key: itemKeys.plan(planId),
        UpdateExpression: 'SET revision = :next, updatedAt = :now, #yearRevision = :next ADD #yearCount :one, historyAreas :area',
        ConditionExpression: 'revision = :expected',
        ExpressionAttributeNames: { '#yearRevision': `historyRevision_${year}`, '#yearCount': `historyCount_${year}` },
        ExpressionAttributeValues: { ...values, ':one': 1, ':area': new Set([update.areaSlug]) },
      },
    };
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
                Key: itemKeys.plan(planId),
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
      if (isCancellation(error)) return false;
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
                  Key: itemKeys.signingKey(key.keyId),
                  ConditionExpression: 'active = :active',
                  ExpressionAttributeValues: { ':active': key.active },
                },
              },
            ],
          }),
        );
        added++;
      } catch (error) {
        if (!isCancellation(error)) throw error;
      }
    }
    return { plans, keys: added };
  }

  async getIdempotencyRecord(keyId: string, idempotencyKey: string, nowSeconds: number): Promise<IdempotencyRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKeys.idempotency(keyId, idempotencyKey), ConsistentRead: true }),
    );
    const record = strip<IdempotencyRecord>(out.Item);
    // TTL deletes lazily (up to days later): an expired record must already count as gone.
    return record && record.expiresAt > nowSeconds ? record : undefined;
  }

  private idempotencyPut(record: IdempotencyRecord, nowSeconds: number): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...itemKeys.idempotency(record.keyId, record.idempotencyKey), kind: 'idempotency', ...record },
        ConditionExpression: 'attribute_not_exists(PK) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': nowSeconds },
      },
    };
  }

  // Lease times are epoch milliseconds of the publishers' clocks, compared in conditions.
  // The attribute is `leaseUntil`, not the table's TTL attribute `expiresAt`: the item must stay.
}
