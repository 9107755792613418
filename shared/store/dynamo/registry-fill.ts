/**
 * Filling the registries (`PLANS`, `KEYS`) with the entries of items written before they
 * existed, or bringing a stale entry up to date. Reads the whole table: an operator's step (the
 * local runtime runs it at start, `mandat republish --all` before listing), never a request's,
 * so it stays out of the functions' bundles.
 */
import { ScanCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SigningKey } from '../../domain/model.ts';
import { itemKeys, keyEntryItem, planEntryItem, strip, stripPlan } from './items.ts';
import { DynamoTable, isCancellation } from './table.ts';

export class DynamoRegistryFill extends DynamoTable {
  /** Adds the missing or stale entries of plans and keys; how many of each it wrote. */
  async fillRegistry(): Promise<{ plans: number; keys: number }> {
    let plans = 0;
    for (const item of await this.scanBySortKey('PLAN')) if (await this.registerPlan(item)) plans++;
    let keys = 0;
    for (const item of await this.scanBySortKey('KEY')) if (await this.registerKey(strip<SigningKey>(item)!)) keys++;
    return { plans, keys };
  }

  /**
   * The registry entry of a plan from its item, conditioned on the plan's revision being the one
   * read (a redefinition moves it), so a concurrent write cannot leave it stale.
   */
  private registerPlan(item: Record<string, unknown>): Promise<boolean> {
    const plan = stripPlan(item)!;
    return this.writeEntry([
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
          Key: itemKeys.plan(plan.planId),
          ConditionExpression: 'revision = :revision',
          ExpressionAttributeValues: { ':revision': plan.revision },
        },
      },
    ]);
  }

  /** The registry entry of a key, conditioned on the key not having changed since it was read. */
  private registerKey(key: SigningKey): Promise<boolean> {
    return this.writeEntry([
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
    ]);
  }

  /** Whether it wrote: a cancelled transaction means the entry is current, or its item moved on (and its own transaction moved the entry). */
  private async writeEntry(items: NonNullable<TransactWriteCommandInput['TransactItems']>): Promise<boolean> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (isCancellation(error)) return false;
      throw error;
    }
  }

  /** Every item of one kind across partitions (plans, keys): a consistent scan filtered on SK. */
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
}
