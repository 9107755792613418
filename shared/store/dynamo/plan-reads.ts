/**
 * Reading a plan's items and the plans registry: what the publisher and the API share. Apart
 * from the writes so that the publish function's bundle carries no write path (the repository
 * extends it with those), and from the publish leases, which only publishers take.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { compareNewestFirst, type HistoryScope, type HistorySummary } from '../../domain/history.ts';
import type { Commitment, Plan, StatusUpdate } from '../../domain/model.ts';
import type { Page, PageRequest } from '../paging.ts';
import type { PlanEntry, PlanReader, PlanStore } from '../plans.ts';
import { HISTORY_MONTH_PREFIX, historyOfPlanItem, itemKeys, strip, stripPlan } from './items.ts';
import { DynamoTable } from './table.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

export class DynamoPlanReads extends DynamoTable implements PlanReader, Pick<PlanStore, 'listPlans' | 'getCommitment'> {
  async getPlan(planId: string): Promise<Plan | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: itemKeys.plan(planId), ConsistentRead: true }));
    return stripPlan(out.Item);
  }

  async getPlanHistory(planId: string): Promise<{ plan: Plan; history?: HistorySummary } | undefined> {
    // The month items are small (a plan of four years: 48 of them, about 3 read units).
    const [out, months] = await Promise.all([
      this.client.send(new GetCommand({ TableName: this.tableName, Key: itemKeys.plan(planId), ConsistentRead: true })),
      this.queryAll({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': `PLAN#${planId}`, ':prefix': HISTORY_MONTH_PREFIX },
        ConsistentRead: true,
      }),
    ]);
    if (!out.Item) return undefined;
    const history = historyOfPlanItem(out.Item, months);
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
      // Unsequenced updates (planRevision 0) are not part of the plan's published order yet.
      for (const item of out.Items ?? []) if (Number(item.planRevision) > 0) found.push(strip<StatusUpdate>(item)!);
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
  protected async planRevisions(planIds: string[]): Promise<Map<string, number>> {
    const items = await this.batchGet(
      planIds.map((planId) => itemKeys.plan(planId)),
      'planId, revision',
    );
    return new Map(items.map((item) => [String(item.planId), Number(item.revision)]));
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

  async listUpdates(planId: string, options: { year?: number; month?: string } = {}): Promise<StatusUpdate[]> {
    // The sort key starts with the UTC instant, so a year or a month is a key prefix.
    const period = options.month ?? (options.year === undefined ? '' : String(options.year).padStart(4, '0'));
    const prefix = `UPDATE#${period}`;
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': `PLAN#${planId}`, ':prefix': prefix },
      ConsistentRead: true,
    });
    return items.map((item) => strip<StatusUpdate>(item)!);
  }
}
