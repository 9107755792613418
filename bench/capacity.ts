/**
 * Read and write units as DynamoDB reports them (`ReturnConsumedCapacity: INDEXES`; DynamoDB
 * Local reports them too, local indexes included), summed over every request a client sends.
 * An update of an item that the two local indexes project whole is charged on the table and on
 * each index. Transactions are the exception: DynamoDB Local reports the same units for a
 * transaction of 4 items as for one of 20, so their units are computed from the items' sizes
 * before and after (read apart, unmetered), as DynamoDB charges them: 2 units per KB of each
 * item on the table, and 1 per KB on each local index that holds it (the transactional factor
 * is the table's alone: an index entry costs inside a transaction what it costs outside one,
 * as checked against DynamoDB by the dynoxide emulator's conformance work, nubo-db/dynoxide#188;
 * the ingest's units in the regional scenario were always counted so).
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient } from '#shared/store/dynamo/client';
import { TABLE_SCHEMA } from '#shared/store/dynamo/table-schema';
import { REGION } from './context.ts';
import { itemBytes } from './dynamo-size.ts';

type Key = Record<string, unknown>;
interface Written {
  table: string;
  key: Key;
}
const id = ({ table, key }: Written) => `${table}|${String(key.PK)}|${String(key.SK)}`;

/** The items a transaction writes (this middleware runs before the document client marshals: plain keys). */
function transactionKeys(input: { TransactItems?: Array<Record<string, { TableName?: string; Key?: Key; Item?: Key }>> }): Written[] {
  const out: Written[] = [];
  for (const entry of input.TransactItems ?? []) {
    for (const operation of Object.values(entry)) {
      const key = operation.Key ?? (operation.Item ? { PK: operation.Item.PK, SK: operation.Item.SK } : undefined);
      if (key && operation.TableName) out.push({ table: operation.TableName, key });
    }
  }
  return out;
}

async function itemsOf(client: DynamoDBDocumentClient, keys: Written[]): Promise<Map<string, Key>> {
  const found = new Map<string, Key>();
  for (let i = 0; i < keys.length; i += 100) {
    let request: Record<string, { Keys: Key[]; ConsistentRead: boolean }> | undefined = {};
    for (const { table, key } of keys.slice(i, i + 100)) (request[table] ??= { Keys: [], ConsistentRead: true }).Keys.push(key);
    while (request && Object.keys(request).length > 0) {
      const out = await client.send(new BatchGetCommand({ RequestItems: request }));
      for (const [table, items] of Object.entries(out.Responses ?? {})) {
        for (const item of items) found.set(id({ table, key: item }), item);
      }
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

function transactionUnits(keys: Written[], before: Map<string, Key>, after: Map<string, Key>): number {
  let units = 0;
  for (const written of keys) {
    const items = [before.get(id(written)), after.get(id(written))].filter((x): x is Key => x !== undefined);
    const kb = Math.max(1, ...items.map((item) => Math.ceil(itemBytes(item) / 1024)));
    const indexes = TABLE_SCHEMA.localIndexes.filter((index) => items.some((item) => item[index.sortKey] !== undefined)).length;
    units += 2 * kb + kb * indexes;
  }
  return units;
}

// The document client's commands run under the base client's names.
const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);

export interface Capacity {
  readUnits: number;
  writeUnits: number;
  /** Requests by command ("TransactWriteItemsCommand": 1, …). */
  requests: Record<string, number>;
}

interface Consumed {
  CapacityUnits?: number;
}

export class CapacityMeter {
  readonly client: DynamoDBDocumentClient;
  private counts: Capacity = { readUnits: 0, writeUnits: 0, requests: {} };

  /** Unmetered: reads the items a transaction writes, to size them. */
  private readonly sizer: DynamoDBDocumentClient;

  constructor(dynamodbEndpoint: string) {
    this.client = createDynamoClient({ region: REGION, dynamodbEndpoint });
    this.sizer = createDynamoClient({ region: REGION, dynamodbEndpoint });
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = String(context.commandName ?? '');
        const metered = READS.has(command) || WRITES.has(command);
        if (metered) (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
        const transaction = command === 'TransactWriteItemsCommand' ? transactionKeys(args.input as never) : undefined;
        const before = transaction ? await itemsOf(this.sizer, transaction) : undefined;
        const result = await next(args);
        if (metered) {
          const consumed = (result.output as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity;
          const units =
            transaction && before
              ? transactionUnits(transaction, before, await itemsOf(this.sizer, transaction))
              : [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
          if (READS.has(command)) this.counts.readUnits += units;
          else this.counts.writeUnits += units;
          this.counts.requests[command] = (this.counts.requests[command] ?? 0) + 1;
        }
        return result;
      },
      { step: 'initialize', name: 'benchCapacityMeter' },
    );
  }

  /** Units since the last take. */
  take(): Capacity {
    const out = this.counts;
    this.counts = { readUnits: 0, writeUnits: 0, requests: {} };
    return out;
  }

  destroy(): void {
    this.client.destroy();
    this.sizer.destroy();
  }
}
