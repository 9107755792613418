/** The DynamoDB adapter of the keys port: a key item and its entry in the `KEYS` registry, written together. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SigningKey } from '../../domain/model.ts';
import type { NonceClaim, WriteConflict } from '../conflicts.ts';
import type { KeyEntry, KeyStore } from '../keys.ts';
import type { Page, PageRequest } from '../paging.ts';
import { itemKeys, keyEntryItem, keyItem, strip } from './items.ts';
import { DynamoTable, type TransactItem } from './table.ts';

export class DynamoKeys extends DynamoTable implements KeyStore {
  async getKey(keyId: string): Promise<SigningKey | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKeys.signingKey(keyId), ConsistentRead: true }),
    );
    return strip<SigningKey>(out.Item);
  }

  async listKeys(page: PageRequest): Promise<Page<KeyEntry>> {
    const found = await this.registryPage('KEYS', 'KEY#', page);
    return {
      items: found.items.map((item) => strip<KeyEntry>(item)!),
      ...(found.next !== undefined ? { next: found.next } : {}),
    };
  }

  async putKey(key: SigningKey): Promise<void> {
    await this.transact(
      [{ Put: { TableName: this.tableName, Item: keyItem(key) } }, { Put: { TableName: this.tableName, Item: keyEntryItem(key) } }],
      ['duplicate', 'duplicate'],
    );
  }

  async createKey(key: SigningKey, nonce?: NonceClaim): Promise<void> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: keyItem(key),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Put: { TableName: this.tableName, Item: keyEntryItem(key) } },
    ];
    const conflicts: WriteConflict[] = ['duplicate', 'duplicate'];
    if (nonce) this.addSignedBy(items, conflicts, nonce);
    await this.transact(items, conflicts);
  }

  async revokeKey(input: { keyId: string; revokedAt: string; nonce?: NonceClaim }): Promise<void> {
    // A key changes only here, once: the entry written beside the revocation is the key as revoked.
    const current = await this.getKey(input.keyId);
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: itemKeys.signingKey(input.keyId),
          UpdateExpression: 'SET active = :false, revokedAt = :at',
          ConditionExpression: 'attribute_exists(PK) AND active = :true',
          ExpressionAttributeValues: { ':false': false, ':true': true, ':at': input.revokedAt },
        },
      },
    ];
    const conflicts: WriteConflict[] = ['revision'];
    if (current) {
      items.push({ Put: { TableName: this.tableName, Item: keyEntryItem({ ...current, active: false, revokedAt: input.revokedAt }) } });
      conflicts.push('revision');
    }
    if (input.nonce) this.addSignedBy(items, conflicts, input.nonce);
    await this.transact(items, conflicts);
  }
}
