/**
 * The DynamoDB adapter of every store port, on the single-table layout of the design (the
 * items and their keys are described with their codecs). Plans, their commitments and updates,
 * nonces and idempotency records are written here, in the transactions that need them together;
 * keys and publish leases have adapters of their own, composed here.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { reportedYear } from '../../domain/history.ts';
import type { Commitment, Plan, SigningKey, StatusUpdate } from '../../domain/model.ts';
import { ConflictError, type NonceClaim, type WriteConflict } from '../conflicts.ts';
import type { KeyEntry } from '../keys.ts';
import type { Page, PageRequest } from '../paging.ts';
import type { WriterQueue } from '../plans.ts';
import type { ApiRepository } from '../ports.ts';
import type { IdempotencyRecord } from '../requests.ts';
import { historyAttributes, historyMonthUpdates, itemKeys, planEntryItem, strip, updateItem } from './items.ts';
import { DynamoKeys } from './keys.ts';
import { DynamoPlanReads } from './plan-reads.ts';
import type { TransactItem } from './table.ts';
import { retryTransactionConflicts } from './transaction-conflict.ts';

/**
 * A plan bump that also counts many updates in the history summary (a year's count and
 * revision, the areas): planBump counts one; this adds the rest to the same expression.
 */
function withHistory(bump: TransactItem, updates: StatusUpdate[]): TransactItem {
  const update = bump.Update!;
  const names: Record<string, string> = { ...update.ExpressionAttributeNames };
  const values: Record<string, unknown> = { ...update.ExpressionAttributeValues };
  const counts = new Map<number, number>();
  for (const u of updates) counts.set(reportedYear(u), (counts.get(reportedYear(u)) ?? 0) + 1);
  const sets: string[] = [];
  const adds: string[] = [];
  for (const [i, [year, count]] of [...counts].entries()) {
    names[`#importRevision${i}`] = `historyRevision_${year}`;
    names[`#importCount${i}`] = `historyCount_${year}`;
    values[`:importCount${i}`] = count;
    sets.push(`#importRevision${i} = :next`);
    adds.push(`#importCount${i} :importCount${i}`);
  }
  if (updates.length > 0) {
    values[':importAreas'] = new Set(updates.map((u) => u.areaSlug));
    adds.push('historyAreas :importAreas');
  }
  if (adds.length === 0) return bump;
  // Built on planBump's expression: if its shape changes, fail loudly rather than count nothing.
  if (!update.UpdateExpression?.startsWith('SET ')) throw new Error('planBump no longer starts with SET: adapt withHistory');
  const expression = update.UpdateExpression.replace(/^SET /, `SET ${sets.join(', ')}, `);
  return {
    Update: {
      ...update,
      UpdateExpression: /\bADD\b/.test(expression) ? `${expression}, ${adds.join(', ')}` : `${expression} ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** Optional commitment fields an update may leave out of the new state (its predecessor's must go). */
const DROPPABLE_FIELDS = ['progress', 'previousAreaSlug', 'lastUpdateId'] as const;

export class DynamoPlanRepository extends DynamoPlanReads implements ApiRepository {
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
    turn?: number;
    nonce?: NonceClaim;
    now: string;
    idempotency?: IdempotencyRecord;
  }): Promise<void> {
    const { update, commitment, expectedRevision, now, turn } = input;
    // No plan item here: writers of one plan share no item, so they neither wait for nor cancel
    // each other. The update is unsequenced (planRevision 0) and queued on its commitment; the
    // publisher gives it its plan revision and counts it into the history summary.
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: updateItem({ ...update, planRevision: 0 }),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      this.commitmentAdvance(commitment, expectedRevision, itemKeys.update(update.planId, update.reportedAt, update.updateId).SK, turn),
    ];
    const conflicts: WriteConflict[] = ['duplicate', 'revision'];
    if (input.nonce) this.addSignedBy(items, conflicts, input.nonce);
    if (input.idempotency) {
      items.push(this.idempotencyPut(input.idempotency, Math.floor(Date.parse(now) / 1000)));
      conflicts.push('idempotency');
    }
    await this.transact(items, conflicts);
  }

  /**
   * The commitment's new state after an update, on the condition that it is still at the revision
   * read, with the update queued on its pending list. The commitment's `planRevision` belongs to
   * the sequencer, so it is left as it is.
   */
  private commitmentAdvance(commitment: Commitment, expectedRevision: number, updateSk: string, turn?: number): TransactItem {
    const { planRevision: _planRevision, ...state } = commitment;
    const item = this.commitmentUpdate(state, expectedRevision, updateSk);
    if (turn === undefined) return item;
    const update = item.Update!;
    // Turn 0: nobody queues (so a newcomer cannot pass those waiting). Turn T: T's turn, ended by this write.
    update.ConditionExpression += turn ? ' AND ticketDone = :done' : ' AND (attribute_not_exists(ticketNext) OR ticketNext = ticketDone)';
    if (turn) {
      update.UpdateExpression = update.UpdateExpression!.replace('SET ', 'SET ticketDone = :turn, ');
      Object.assign(update.ExpressionAttributeValues!, { ':done': turn - 1, ':turn': turn });
    }
    return item;
  }

  async getCommitmentQueue(planId: string, commitmentId: string): Promise<{ commitment: Commitment; queue: WriterQueue } | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKeys.commitment(planId, commitmentId), ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item) return undefined;
    const abandoned = item.ticketsAbandoned;
    return {
      commitment: strip<Commitment>(item)!,
      queue: {
        next: Number(item.ticketNext ?? 0),
        done: Number(item.ticketDone ?? 0),
        abandoned: abandoned instanceof Set ? [...abandoned].map(Number) : [],
      },
    };
  }

  async takeTicket(planId: string, commitmentId: string): Promise<number> {
    // One UpdateItem: DynamoDB applies concurrent ones one after the other, so each gets its own number.
    const out = await this.queueWrite(
      planId,
      commitmentId,
      'SET ticketDone = if_not_exists(ticketDone, :t) ADD ticketNext :n',
      'attribute_exists(PK)',
      {
        ':t': 0,
        ':n': 1,
      },
    );
    if (!out) throw new ConflictError('missing', `commitment ${commitmentId} does not exist`);
    return Number(out.ticketNext);
  }

  async releaseTicket(planId: string, commitmentId: string, ticket: number): Promise<void> {
    // Marked, not ended, even when it has the turn: the writers behind skip it, and so does the
    // next newcomer (who finds a queue). Nothing if its turn is over (it was skipped).
    await this.queueWrite(planId, commitmentId, 'ADD ticketsAbandoned :n', 'ticketDone < :t', { ':t': ticket, ':n': new Set([ticket]) });
  }

  async skipTurns(planId: string, commitmentId: string, done: number, to: number): Promise<void> {
    const skipped = new Set(Array.from({ length: to - done }, (_, i) => done + 1 + i));
    await this.queueWrite(planId, commitmentId, 'SET ticketDone = :t DELETE ticketsAbandoned :n', 'ticketDone = :d', {
      ':t': to,
      ':d': done,
      ':n': skipped,
    });
  }

  /** A conditional UpdateItem of a commitment's queue: the values it changed, or undefined when the condition failed. */
  private async queueWrite(
    planId: string,
    commitmentId: string,
    expression: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await retryTransactionConflicts(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: itemKeys.commitment(planId, commitmentId),
            UpdateExpression: expression,
            ConditionExpression: condition,
            ExpressionAttributeValues: values,
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return out.Attributes ?? {};
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
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
      this.commitmentPut({ ...commitment, planRevision: plan.revision + 1 }, expectedRevision),
      this.planBump(commitment.planId, plan.revision, now),
    ];
    const conflicts: WriteConflict[] = ['revision', 'revision'];
    if (input.nonce) this.addSignedBy(items, conflicts, input.nonce);
    await this.transact(items, conflicts);
    return plan.revision + 1;
  }

  async saveCommitments(input: {
    planId: string;
    commitments: Array<{ commitment: Commitment; expectedRevision?: number }>;
    expectedPlanRevision: number;
    nonce?: NonceClaim;
    now: string;
  }): Promise<number> {
    const { planId, expectedPlanRevision, now } = input;
    const items: TransactItem[] = input.commitments.map(({ commitment, expectedRevision }) =>
      this.commitmentPut({ ...commitment, planRevision: expectedPlanRevision + 1 }, expectedRevision),
    );
    items.push(this.planBump(planId, expectedPlanRevision, now));
    const conflicts: WriteConflict[] = items.map(() => 'revision');
    if (input.nonce) this.addSignedBy(items, conflicts, input.nonce);
    await this.transact(items, conflicts);
    return expectedPlanRevision + 1;
  }

  async recordImportedUpdates(input: {
    planId: string;
    updates: StatusUpdate[];
    commitments: Array<{ commitment: Commitment; expectedRevision: number }>;
    expectedPlanRevision: number;
    nonce?: NonceClaim;
    now: string;
  }): Promise<number> {
    const { planId, expectedPlanRevision, now } = input;
    const items: TransactItem[] = input.updates.map((update) => ({
      Put: { TableName: this.tableName, Item: updateItem(update), ConditionExpression: 'attribute_not_exists(PK)' },
    }));
    const conflicts: WriteConflict[] = items.map(() => 'duplicate');
    for (const { commitment, expectedRevision } of input.commitments) {
      items.push(this.commitmentPut(commitment, expectedRevision));
      conflicts.push('revision');
    }
    items.push(withHistory(this.planBump(planId, expectedPlanRevision, now), input.updates));
    conflicts.push('revision');
    for (const month of historyMonthUpdates(planId, input.updates)) {
      items.push({ Update: { TableName: this.tableName, ...month } });
      conflicts.push('revision');
    }
    if (input.nonce) this.addSignedBy(items, conflicts, input.nonce);
    await this.transact(items, conflicts);
    return expectedPlanRevision + 1;
  }

  async existingUpdateIds(planId: string, keys: Array<Pick<StatusUpdate, 'reportedAt' | 'updateId'>>): Promise<Set<string>> {
    const items = await this.batchGet(
      keys.map((key) => itemKeys.update(planId, key.reportedAt, key.updateId)),
      'updateId',
    );
    return new Set(items.map((item) => String(item.updateId)));
  }

  async getCommitments(planId: string, commitmentIds: string[]): Promise<Commitment[]> {
    const items = await this.batchGet([...new Set(commitmentIds)].map((id) => itemKeys.commitment(planId, id)));
    return items.map((item) => strip<Commitment>(item)!);
  }

  /**
   * A new commitment, or an existing one rewritten at the revision read. The rewrite is an update,
   * not a put: the commitment's queue of updates not yet sequenced (`pending`) belongs to the
   * sequencer and must survive it.
   */
  private commitmentPut(commitment: Commitment, expectedRevision: number | undefined): TransactItem {
    if (expectedRevision === undefined) {
      return {
        Put: {
          TableName: this.tableName,
          Item: { ...itemKeys.commitment(commitment.planId, commitment.commitmentId), kind: 'commitment', ...commitment },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      };
    }
    return this.commitmentUpdate(commitment, expectedRevision);
  }

  /**
   * An existing commitment rewritten at the revision read, field by field: an update, not a put,
   * so its queue of updates not yet sequenced (`pending`) survives, and `queued` joins it. The
   * optional fields the new state lacks are removed.
   */
  private commitmentUpdate(commitment: Omit<Commitment, 'planRevision'>, expectedRevision: number, queued?: string): TransactItem {
    const { planId, commitmentId, ...fields } = commitment;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':expected': expectedRevision };
    const sets: string[] = [];
    if (queued !== undefined) {
      names['#pending'] = 'pending';
      Object.assign(values, { ':queued': [queued], ':none': [] });
      sets.push('#pending = list_append(if_not_exists(#pending, :none), :queued)');
    }
    for (const [index, [name, value]] of Object.entries(fields).entries()) {
      if (value === undefined) continue;
      names[`#f${index}`] = name;
      values[`:f${index}`] = value;
      sets.push(`#f${index} = :f${index}`);
    }
    const dropped = DROPPABLE_FIELDS.filter((name) => commitment[name] === undefined);
    for (const name of dropped) names[`#${name}`] = name;
    return {
      Update: {
        TableName: this.tableName,
        Key: itemKeys.commitment(planId, commitmentId),
        UpdateExpression: `SET ${sets.join(', ')}${dropped.length ? ` REMOVE ${dropped.map((name) => `#${name}`).join(', ')}` : ''}`,
        ConditionExpression: 'revision = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
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
