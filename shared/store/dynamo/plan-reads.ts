/**
 * Reading a plan, its commitments and the plans registry: what the publisher and the API share.
 * Apart from the writes, so that the publish function's bundle carries no write path (the
 * repository extends it with those); the history's reads and the publish leases are mixins only
 * publishers' adapters add.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Commitment, Plan } from '../../domain/model.ts';
import type { Page, PageRequest } from '../paging.ts';
import type { PlanEntry, PlanStore } from '../plans.ts';
import { itemKeys, strip, stripPlan } from './items.ts';
import { DynamoTable } from './table.ts';

export class DynamoPlanReads extends DynamoTable implements Pick<PlanStore, 'getPlan' | 'listPlans' | 'getCommitment' | 'listCommitments'> {
  async getPlan(planId: string): Promise<Plan | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: itemKeys.plan(planId), ConsistentRead: true }));
    return stripPlan(out.Item);
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
}
