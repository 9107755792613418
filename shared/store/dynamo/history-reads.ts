/**
 * Reading a plan's history: the summary with its months, the newest updates of a scope, a
 * month's updates. Only publishers (and operators' tools) read it, so it is a mixin the
 * publishers' adapters add, and the ingest function's bundle goes without it.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { compareNewestFirst, type HistoryScope, type HistorySummary } from '../../domain/history.ts';
import type { Plan, StatusUpdate } from '../../domain/model.ts';
import type { HistoryReader } from '../plans.ts';
import { HISTORY_MONTH_PREFIX, historyOfPlanItem, itemKeys, strip, stripPlan } from './items.ts';
import type { TableClass } from './table.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

export function withHistoryReads<Base extends TableClass>(base: Base) {
  abstract class WithHistoryReads extends base implements HistoryReader {
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
  return WithHistoryReads;
}
