/**
 * The DynamoDB adapter of every store port, on the single-table layout of the design (the
 * items and their keys are described with their codecs). Plans, their commitments and updates,
 * nonces and idempotency records are written here, in the transactions that need them together;
 * keys and publish leases have adapters of their own, composed here.
 */
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { reportedYear } from '../../domain/history.ts';
import type { Commitment, Plan, SigningKey, StatusUpdate } from '../../domain/model.ts';
import { ConflictError, type NonceClaim, type WriteConflict } from '../conflicts.ts';
import type { KeyEntry } from '../keys.ts';
import type { Page, PageRequest } from '../paging.ts';
import type { PlanRepository } from '../ports.ts';
import type { IdempotencyRecord } from '../requests.ts';
import { historyAttributes, historyMonthUpdate, itemKeys, planEntryItem, strip, stripPlan, updateItem } from './items.ts';
import { DynamoKeys } from './keys.ts';
import { DynamoPlanReads } from './plan-reads.ts';
import { isCancellation, type TransactItem } from './table.ts';

export class DynamoPlanRepository extends DynamoPlanReads implements PlanRepository {
  private readonly keyStore: DynamoKeys;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    super(client, tableName);
    this.keyStore = new DynamoKeys(client, tableName);
  }

  // The keys port.
  getKey = (keyId: string): Promise<SigningKey | undefined> => this.keyStore.getKey(keyId);
  listKeys = (page: PageRequest): Promise<Page<KeyEntry>> => this.keyStore.listKeys(page);
  putKey = (key: SigningKey): Promise<void> => this.keyStore.putKey(key);
  createKey = (key: SigningKey, nonce?: NonceClaim): Promise<void> => this.keyStore.createKey(key, nonce);
  revokeKey = (input: { keyId: string; revokedAt: string; nonce?: NonceClaim }): Promise<void> => this.keyStore.revokeKey(input);

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
      // The month's summary: ordered by the plan item's condition above, so it fails only with it.
      { Update: { TableName: this.tableName, ...historyMonthUpdate(update) } },
    ];
    const conflicts: WriteConflict[] = ['duplicate', 'revision', 'revision', 'revision'];
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
    return { plans, keys: await this.keyStore.fillRegistry() };
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
