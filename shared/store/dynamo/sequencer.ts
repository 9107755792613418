/**
 * The DynamoDB adapter of the update sequencer. A writer's transaction appends its update's sort
 * key to its commitment's `pending` list (and leaves the update's `planRevision` at 0); here the
 * publisher turns those lists into plan revisions. One transaction per chunk of at most 100
 * items: the plan item (revision moved on, history summary counted, condition: the revision read),
 * each update stamped and given its local index keys (condition: still unsequenced) and each commitment's list shortened by the
 * entries handled (condition: the list still holds them) with its `planRevision` moved on. A
 * chunk that loses a race (a definition moved the plan, another sequencer got there first) wrote
 * nothing and is read and tried again; a stamped update is never counted twice.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { reportedMonth, reportedYear } from '../../domain/history.ts';
import { backoffDelay, sleep } from '../../domain/retry.ts';
import { ConflictError, type WriteConflict } from '../conflicts.ts';
import type { PendingScope, UpdateSequencer } from '../sequencer.ts';
import { withHistoryReads } from './history-reads.ts';
import { historyMonthUpdates, itemKeys, updateIndexKeys } from './items.ts';
import { DynamoPlanReads } from './plan-reads.ts';
import { withPublishLeases } from './publish-leases.ts';
import { DynamoTable, type TransactItem } from './table.ts';

const MAX_TRANSACTION_ITEMS = 100;
const MAX_ATTEMPTS = 20;
const COMMITMENT_PREFIX = 'COMMITMENT#';

interface PendingList {
  commitmentId: string;
  keys: string[];
}

/** How many of a plan's newest updates a round looks at, at most, for arrivals its batch did not name. */
const NEWEST_UPDATES = 100;
/** The first page of them: all a quiet plan reads. */
const FIRST_PAGE = 10;

interface UpdateHead {
  planRevision: number;
  updateId: string;
  reportedAt: string;
  receivedAt: string;
  areaSlug: string;
  status: string;
  previousStatus: string;
}

/** One pending entry, in the order it is sequenced. */
interface Entry {
  commitmentId: string;
  sk: string;
  /** Undefined when the entry needs no stamp (already sequenced, or its update is gone): the list entry is dropped. */
  update?: UpdateHead;
}

export class DynamoUpdateSequencer extends DynamoTable implements UpdateSequencer {
  async hasPendingUpdates(planId: string, scope: PendingScope): Promise<boolean> {
    return (await this.pendingLists(planId, scope)).length > 0;
  }

  async newestArrivals(planId: string, after: string): Promise<string[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :a AND :z',
      ExpressionAttributeValues: { ':pk': `PLAN#${planId}`, ':a': after, ':z': 'UPDATE$' },
      ProjectionExpression: 'SK',
      ScanIndexForward: false,
      ConsistentRead: true,
    });
    return items.map((item) => String(item.SK)).filter((key) => key !== after);
  }

  async newestPendingCommitments(planId: string): Promise<string[]> {
    // Newest first, a page of 10 (about 3 read units), then pages twice as large only while a
    // whole page still waits to be ordered (a burst), up to 100 updates in all: a quiet plan's
    // newest are ordered already, and one still waiting below an ordered one has its own batch.
    const pending = new Set<string>();
    let start: Record<string, unknown> | undefined;
    for (let read = 0, limit = FIRST_PAGE; read < NEWEST_UPDATES; read += limit, limit = Math.min(2 * limit, NEWEST_UPDATES - read)) {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': `PLAN#${planId}`, ':prefix': 'UPDATE#' },
          ProjectionExpression: 'commitmentId, planRevision',
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      const items = out.Items ?? [];
      for (const item of items) if (!(Number(item.planRevision) > 0)) pending.add(String(item.commitmentId));
      start = out.LastEvaluatedKey;
      if (!start || items.some((item) => Number(item.planRevision) > 0)) break;
    }
    return [...pending];
  }

  async sequenceUpdates(planId: string, scope: PendingScope): Promise<number> {
    let sequenced = 0;
    // One chunk a pass, read afresh each time: a backlog takes several passes, a lost race another.
    for (let failures = 0; ; ) {
      const lists = await this.pendingLists(planId, scope);
      if (lists.length === 0) return sequenced;
      const plan = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: itemKeys.plan(planId),
          ConsistentRead: true,
          ProjectionExpression: 'revision, updatedAt',
        }),
      );
      if (!plan.Item) return sequenced;
      try {
        sequenced += await this.sequenceChunk(planId, lists, Number(plan.Item.revision), String(plan.Item.updatedAt ?? ''));
      } catch (error) {
        if (!(error instanceof ConflictError) || ++failures >= MAX_ATTEMPTS) throw error;
        await sleep(backoffDelay(failures, { baseDelayMs: 10, maxDelayMs: 200 }));
      }
    }
  }

  /** The commitments with a non-empty pending list, each list oldest first. */
  private async pendingLists(planId: string, scope: PendingScope): Promise<PendingList[]> {
    const items =
      scope === 'all'
        ? await this.queryAll({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
            FilterExpression: 'size(#pending) > :zero',
            ProjectionExpression: 'SK, #pending',
            ExpressionAttributeNames: { '#pending': 'pending' },
            ExpressionAttributeValues: { ':pk': `PLAN#${planId}`, ':prefix': COMMITMENT_PREFIX, ':zero': 0 },
            ConsistentRead: true,
          })
        : await this.batchGet(
            [...new Set(scope)].map((id) => itemKeys.commitment(planId, id)),
            'SK, #pending',
            { '#pending': 'pending' },
          );
    const lists: PendingList[] = [];
    for (const item of items) {
      const keys = Array.isArray(item.pending) ? item.pending.map(String) : [];
      if (keys.length > 0) lists.push({ commitmentId: String(item.SK).slice(COMMITMENT_PREFIX.length), keys });
    }
    return lists.sort((a, b) => a.commitmentId.localeCompare(b.commitmentId));
  }

  /** Orders the first chunk of the pending entries; returns how many updates it stamped. */
  private async sequenceChunk(planId: string, lists: PendingList[], expectedRevision: number, updatedAt: string): Promise<number> {
    const pk = `PLAN#${planId}`;
    const heads = new Map<string, UpdateHead>();
    const found = await this.batchGet(
      lists.flatMap((list) => list.keys.map((sk) => ({ PK: pk, SK: sk }))),
      'SK, planRevision, updateId, reportedAt, receivedAt, areaSlug, #status, previousStatus',
      { '#status': 'status' },
    );
    for (const item of found) heads.set(String(item.SK), item as unknown as UpdateHead);

    // By arrival, but never ahead of an earlier entry of its own list (its commitment's order).
    const order: Array<Entry & { at: string; index: number }> = [];
    for (const list of lists) {
      let at = '';
      for (const [index, sk] of list.keys.entries()) {
        const head = heads.get(sk);
        if (head && head.receivedAt > at) at = head.receivedAt;
        order.push({
          commitmentId: list.commitmentId,
          sk,
          at,
          index,
          ...(head && !(Number(head.planRevision) > 0) ? { update: head } : {}),
        });
      }
    }
    order.sort((a, b) => a.at.localeCompare(b.at) || a.commitmentId.localeCompare(b.commitmentId) || a.index - b.index);
    const chunk: Entry[] = [];
    const commitments = new Set<string>();
    // Each month an update lands in has its summary item in the same transaction.
    const months = new Set<string>();
    for (const entry of order) {
      const month = entry.update ? reportedMonth(entry.update) : undefined;
      const more = (commitments.has(entry.commitmentId) ? 1 : 2) + (month && !months.has(month) ? 1 : 0);
      if (1 + chunk.length + commitments.size + months.size + more > MAX_TRANSACTION_ITEMS) break;
      chunk.push(entry);
      commitments.add(entry.commitmentId);
      if (month) months.add(month);
    }
    return this.writeChunk(pk, planId, chunk, expectedRevision, updatedAt);
  }

  private async writeChunk(pk: string, planId: string, entries: Entry[], expectedRevision: number, updatedAt: string): Promise<number> {
    const items: TransactItem[] = [];
    const conflicts: WriteConflict[] = [];
    let revision = expectedRevision;
    let latest = updatedAt;
    const years = new Map<number, { count: number; revision: number }>();
    const areas = new Set<string>();
    const perCommitment = new Map<string, { removed: number; planRevision?: number }>();
    const ordered: Array<UpdateHead & { planRevision: number }> = [];
    for (const entry of entries) {
      const commitment = perCommitment.get(entry.commitmentId) ?? { removed: 0 };
      perCommitment.set(entry.commitmentId, commitment);
      commitment.removed++;
      if (!entry.update) continue;
      revision++;
      commitment.planRevision = revision;
      ordered.push({ ...entry.update, planRevision: revision });
      const year = reportedYear(entry.update);
      const counted = years.get(year) ?? { count: 0, revision };
      counted.count++;
      counted.revision = revision;
      years.set(year, counted);
      areas.add(entry.update.areaSlug);
      if (entry.update.receivedAt > latest) latest = entry.update.receivedAt;
      // With its revision, the update enters the local indexes the feeds' windows are read from.
      const { byCommitment, byArea } = updateIndexKeys({ ...entry.update, commitmentId: entry.commitmentId });
      items.push({
        Update: {
          TableName: this.tableName,
          Key: { PK: pk, SK: entry.sk },
          UpdateExpression: 'SET planRevision = :revision, byCommitment = :byCommitment, byArea = :byArea',
          ConditionExpression: 'planRevision = :zero',
          ExpressionAttributeValues: { ':revision': revision, ':zero': 0, ':byCommitment': byCommitment, ':byArea': byArea },
        },
      });
      conflicts.push('revision');
    }
    for (const [commitmentId, { removed, planRevision }] of perCommitment) {
      const entriesRemoved = Array.from({ length: removed }, (_, i) => `#pending[${i}]`).join(', ');
      items.push({
        Update: {
          TableName: this.tableName,
          Key: itemKeys.commitment(planId, commitmentId),
          UpdateExpression: `REMOVE ${entriesRemoved}${planRevision !== undefined ? ' SET planRevision = :revision' : ''}`,
          ConditionExpression: 'size(#pending) >= :removed',
          ExpressionAttributeNames: { '#pending': 'pending' },
          ExpressionAttributeValues: { ':removed': removed, ...(planRevision !== undefined ? { ':revision': planRevision } : {}) },
        },
      });
      conflicts.push('revision');
    }
    if (revision > expectedRevision) {
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':expected': expectedRevision, ':next': revision, ':updatedAt': latest };
      const sets = ['revision = :next', 'updatedAt = :updatedAt'];
      const adds: string[] = [];
      for (const [year, counted] of years) {
        names[`#revision${year}`] = `historyRevision_${year}`;
        names[`#count${year}`] = `historyCount_${year}`;
        values[`:revision${year}`] = counted.revision;
        values[`:count${year}`] = counted.count;
        sets.push(`#revision${year} = :revision${year}`);
        adds.push(`#count${year} :count${year}`);
      }
      for (const month of historyMonthUpdates(planId, ordered)) {
        items.push({ Update: { TableName: this.tableName, ...month } });
        conflicts.push('revision');
      }
      values[':areas'] = areas;
      adds.push('historyAreas :areas');
      items.push({
        Update: {
          TableName: this.tableName,
          Key: itemKeys.plan(planId),
          UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
          ConditionExpression: 'revision = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      });
      conflicts.push('revision');
    }
    await this.transact(items, conflicts);
    return revision - expectedRevision;
  }
}

/** The publish function's adapter: the plan reads, the leases, and ordering updates. */
export class DynamoPublishReads extends withPublishLeases(withHistoryReads(DynamoPlanReads)) implements UpdateSequencer {
  private readonly sequencer: DynamoUpdateSequencer;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    super(client, tableName);
    this.sequencer = new DynamoUpdateSequencer(client, tableName);
  }

  hasPendingUpdates = (planId: string, scope: PendingScope): Promise<boolean> => this.sequencer.hasPendingUpdates(planId, scope);
  sequenceUpdates = (planId: string, scope: PendingScope): Promise<number> => this.sequencer.sequenceUpdates(planId, scope);
  newestPendingCommitments = (planId: string): Promise<string[]> => this.sequencer.newestPendingCommitments(planId);
  newestArrivals = (planId: string, after: string): Promise<string[]> => this.sequencer.newestArrivals(planId, after);
}
