/**
 * The DynamoDB adapter of the publish lease port. Lease times are epoch milliseconds of the
 * publishers' clocks, compared in conditions. The attribute is `leaseUntil`, not the table's
 * TTL attribute `expiresAt`: the item must stay.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PublishLeaseStore, PublishState } from '../publish-leases.ts';
import { itemKeys, toPublishState } from './items.ts';
import { DynamoTable, type TableClass } from './table.ts';

export class DynamoPublishLeases extends DynamoTable implements PublishLeaseStore {
  async getPublishState(planId: string): Promise<PublishState | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKeys.publishState(planId), ConsistentRead: true }),
    );
    return out.Item ? toPublishState(planId, out.Item) : undefined;
  }

  async acquirePublishLease(planId: string, lease: { owner: string; until: number; now: number }): Promise<PublishState | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKeys.publishState(planId),
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
      Key: itemKeys.publishState(planId),
      UpdateExpression: 'SET leaseUntil = :until',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': lease.owner, ':until': lease.until },
    });
  }

  async recordPublished(
    planId: string,
    input: { owner: string; revision: number; staleWritesHandled: number; at: string; siteRecord?: string },
  ): Promise<boolean> {
    const site = input.siteRecord === undefined ? '' : ', siteRecord = :site';
    return this.conditionalUpdate({
      Key: itemKeys.publishState(planId),
      UpdateExpression: `SET publishedRevision = :revision, staleWritesHandled = :handled, publishedAt = :at${site} REMOVE leaseOwner, leaseUntil`,
      ConditionExpression: 'leaseOwner = :owner AND (attribute_not_exists(publishedRevision) OR publishedRevision <= :revision)',
      ExpressionAttributeValues: {
        ':owner': input.owner,
        ':revision': input.revision,
        ':handled': input.staleWritesHandled,
        ':at': input.at,
        ...(input.siteRecord === undefined ? {} : { ':site': input.siteRecord }),
      },
    });
  }

  async forgetSiteRecord(planId: string): Promise<void> {
    // Only under a lease taken: the item exists.
    await this.client.send(
      new UpdateCommand({ TableName: this.tableName, Key: itemKeys.publishState(planId), UpdateExpression: 'REMOVE siteRecord' }),
    );
  }

  async releasePublishLease(planId: string, owner: string): Promise<void> {
    await this.conditionalUpdate({
      Key: itemKeys.publishState(planId),
      UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': owner },
    });
  }

  async markStaleWrites(planId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: itemKeys.publishState(planId),
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

/**
 * Adds the publish lease port to a table adapter: for the publishers' adapters only, so the
 * ingest function's bundle carries no lease code.
 */
export function withPublishLeases<Base extends TableClass>(base: Base) {
  abstract class WithPublishLeases extends base implements PublishLeaseStore {
    private readonly leases = new DynamoPublishLeases(this.client, this.tableName);
    getPublishState: PublishLeaseStore['getPublishState'] = (planId) => this.leases.getPublishState(planId);
    acquirePublishLease: PublishLeaseStore['acquirePublishLease'] = (planId, lease) => this.leases.acquirePublishLease(planId, lease);
    renewPublishLease: PublishLeaseStore['renewPublishLease'] = (planId, lease) => this.leases.renewPublishLease(planId, lease);
    recordPublished: PublishLeaseStore['recordPublished'] = (planId, input) => this.leases.recordPublished(planId, input);
    releasePublishLease: PublishLeaseStore['releasePublishLease'] = (planId, owner) => this.leases.releasePublishLease(planId, owner);
    markStaleWrites: PublishLeaseStore['markStaleWrites'] = (planId) => this.leases.markStaleWrites(planId);
    forgetSiteRecord: PublishLeaseStore['forgetSiteRecord'] = (planId) => this.leases.forgetSiteRecord(planId);
  }
  return WithPublishLeases;
}
