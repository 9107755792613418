/**
 * What every part of the DynamoDB adapter shares: the client, transactions that turn a failed
 * condition into the port's ConflictError, and the spending of a signed request's nonce.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, type NonceClaim, type WriteConflict } from '../conflicts.ts';
import type { PageRequest } from '../paging.ts';
import { itemKeys } from './items.ts';
import { isTransactionConflict, retryTransactionConflicts } from './transaction-conflict.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** True when DynamoDB cancelled a transaction (a condition failed, or a concurrent transaction won). */
export const isCancellation = (error: unknown) =>
  error instanceof TransactionCanceledException || (error as Error).name === 'TransactionCanceledException';

export class DynamoTable {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  /** Consistent BatchGets of any number of keys (100 a request), retrying what DynamoDB left unprocessed. */
  protected async batchGet(
    keys: Record<string, unknown>[],
    projection?: string,
    names?: Record<string, string>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (let start = 0; start < keys.length; start += 100) {
      let request = keys.slice(start, start + 100);
      for (let attempt = 0; request.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        const out = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: request,
                ConsistentRead: true,
                ...(projection ? { ProjectionExpression: projection } : {}),
                ...(names ? { ExpressionAttributeNames: names } : {}),
              },
            },
          }),
        );
        items.push(...((out.Responses?.[this.tableName] ?? []) as Record<string, unknown>[]));
        request = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
        if (attempt >= 8 && request.length > 0) throw new Error(`DynamoDB left ${request.length} reads unprocessed`);
      }
    }
    return items;
  }

  /**
   * One page of a registry partition, in sort-key order. One more item than asked is read, so a
   * last page says so (no `next`) instead of sending the client for an empty one.
   */
  protected async registryPage(
    pk: string,
    prefix: string,
    page: PageRequest,
  ): Promise<{ items: Record<string, unknown>[]; next?: string }> {
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

  /**
   * What every signed write adds to its transaction: the nonce (unused) and a check that the
   * signer's key still exists and is active. Without the check, a request authenticated just
   * before its key's revocation could still commit after it. A transaction may name an item only
   * once: when it writes the signer's own key item (revoking itself), that write's condition
   * already requires the key to be active.
   */
  protected addSignedBy(items: TransactItem[], conflicts: WriteConflict[], nonce: NonceClaim): void {
    items.push(this.noncePut(nonce));
    conflicts.push('nonce');
    const signer = itemKeys.signingKey(nonce.keyId);
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

  protected noncePut(nonce: NonceClaim): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...itemKeys.nonce(nonce.keyId, nonce.nonce), kind: 'nonce', keyId: nonce.keyId, expiresAt: nonce.expiresAt },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    };
  }

  /**
   * Runs a transaction and turns a cancellation into the ConflictError of the failed condition.
   * Cancellations for a concurrent transaction are retried with backoff first (a fresh command
   * each time, so a fresh ClientRequestToken: the cancelled attempt wrote nothing).
   */
  protected async transact(items: TransactItem[], conflicts: WriteConflict[]): Promise<void> {
    try {
      await retryTransactionConflicts(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
    } catch (error) {
      if (isCancellation(error)) {
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

  protected async queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...((out.Items ?? []) as Record<string, unknown>[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

/** A table adapter's constructor, as TypeScript's mixin pattern needs it (the publishers' mixins extend one). */
// biome-ignore lint/suspicious/noExplicitAny: a mixin's base constructor takes any arguments
export type TableClass = abstract new (...args: any[]) => DynamoTable;
