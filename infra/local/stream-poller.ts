/**
 * Reads the table's real DynamoDB Stream and hands records to the publish handler as a
 * DynamoDBStreamEvent, the way Lambda's event source mapping is configured to
 * (the shared stream settings): per shard, in order, batched (size and window); after a failure
 * it goes on from the first failed record (reportBatchItemFailures), splits what is left in
 * two before retrying (bisectBatchOnError), counts the attempts each record took part in, and
 * writes a record that fails more than `retryAttempts` times, or that grew older than
 * `maxRecordAgeMs`, to a dead-letter file (the on-failure destination) instead of blocking the
 * shard. `mandat replay-dead-letters` hands that file back to the publish handler.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DEAD_LETTER_FILE, type DeadLetter } from '#shared/config/local-data';

export interface StreamPollerOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  batchSize?: number;
  /** How long to gather records before invoking (Lambda's MaximumBatchingWindowInSeconds). */
  batchingWindowMs?: number;
  pollIntervalMs?: number;
  /** Retries after the first failure; -1 retries until the record is too old. */
  retryAttempts?: number;
  bisectBatchOnError?: boolean;
  /** Records older than this are dead-lettered instead of being (re)tried. */
  maxRecordAgeMs?: number;
  /** Backoff before a retry, doubled each time up to 2 s. */
  retryDelayMs?: number;
  deadLetterDir?: string;
  log?: (message: string) => void;
}

interface ShardState {
  shardId: string;
  iterator?: string;
  done: boolean;
}

export class StreamPoller {
  private shards = new Map<string, ShardState>();
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  readonly stats = { invocations: 0, records: 0, failures: 0, deadLettered: 0 };

  constructor(private readonly options: StreamPollerOptions) {}

  /** Wraps the handler the poller invokes (the bench times each invocation this way). */
  wrapHandler(wrap: (handler: StreamPollerOptions['handler']) => StreamPollerOptions['handler']): void {
    this.options.handler = wrap(this.options.handler);
  }

  /** Starts from the end of the stream: the caller publishes everything once before. */
  async start(position: 'LATEST' | 'TRIM_HORIZON' = 'LATEST'): Promise<void> {
    await this.discoverShards(position);
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async discoverShards(initialPosition: 'LATEST' | 'TRIM_HORIZON'): Promise<void> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await this.options.client.send(
        new DescribeStreamCommand({ StreamArn: this.options.streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    const firstDiscovery = this.shards.size === 0;
    for (const shard of shards) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      const closed = Boolean(shard.SequenceNumberRange?.EndingSequenceNumber);
      // At start, closed shards hold only what the initial full publish already covered.
      if (firstDiscovery && closed && initialPosition === 'LATEST') {
        this.shards.set(shard.ShardId, { shardId: shard.ShardId, done: true });
        continue;
      }
      const type = firstDiscovery ? initialPosition : 'TRIM_HORIZON';
      const it = await this.options.client.send(
        new GetShardIteratorCommand({ StreamArn: this.options.streamArn, ShardId: shard.ShardId, ShardIteratorType: type }),
      );
      this.shards.set(shard.ShardId, { shardId: shard.ShardId, iterator: it.ShardIterator, done: !it.ShardIterator });
    }
  }

  private async run(): Promise<void> {
    const interval = this.options.pollIntervalMs ?? 100;
    let sinceDiscovery = 0;
    while (this.running) {
      let gotAny = false;
      try {
        for (const shard of this.shards.values()) {
          if (shard.done || !shard.iterator) continue;
          const records = await this.readBatch(shard);
          if (records.length > 0) {
            gotAny = true;
            await this.deliver(records);
          }
        }
        sinceDiscovery += interval;
        const openShards = [...this.shards.values()].filter((s) => !s.done).length;
        if (openShards === 0 || sinceDiscovery >= 5000) {
          sinceDiscovery = 0;
          await this.discoverShards('TRIM_HORIZON');
        }
      } catch (error) {
        this.options.log?.(`stream poller: ${(error as Error).message}`);
      }
      if (!gotAny && this.running) await this.sleep(interval);
    }
  }

  /** Reads up to batchSize records, waiting up to the batching window for more to arrive. */
  private async readBatch(shard: ShardState): Promise<StreamRecord[]> {
    const batchSize = this.options.batchSize ?? 100;
    const windowMs = this.options.batchingWindowMs ?? 0;
    const records: StreamRecord[] = [];
    const deadline = Date.now() + windowMs;
    while (shard.iterator && records.length < batchSize) {
      let out;
      try {
        out = await this.options.client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize - records.length }));
      } catch (error) {
        if (error instanceof TrimmedDataAccessException) {
          // The iterator points before what the shard still holds (DynamoDB Local trims too):
          // read on from the oldest record left, as the event source mapping does. Before this,
          // the poller asked again with the same iterator forever, and the shard's later records
          // (every change after) never reached the publisher. Records read twice publish nothing new.
          const it = await this.options.client.send(
            new GetShardIteratorCommand({ StreamArn: this.options.streamArn, ShardId: shard.shardId, ShardIteratorType: 'TRIM_HORIZON' }),
          );
          shard.iterator = it.ShardIterator;
          shard.done = !it.ShardIterator;
          this.options.log?.(`stream poller: shard ${shard.shardId} was trimmed under its iterator; reading on from its oldest record`);
          return records;
        }
        if (error instanceof ExpiredIteratorException) {
          shard.iterator = undefined;
          shard.done = true;
          this.shards.delete(shard.shardId);
          return records;
        }
        throw error;
      }
      records.push(...(out.Records ?? []));
      shard.iterator = out.NextShardIterator;
      if (!shard.iterator) shard.done = true;
      if (records.length === 0 || Date.now() >= deadline || (out.Records ?? []).length === 0) break;
      await this.sleep(Math.min(20, deadline - Date.now()));
    }
    return records;
  }

  /**
   * One delivery of `records`, which already took part in `attempts` failed invocations: on a
   * failure the records before the first failed one are done, the rest is split in two (each
   * half delivered in order) or retried after a backoff.
   */
  private async deliver(records: StreamRecord[], attempts = 0): Promise<void> {
    const maxRetries = this.options.retryAttempts ?? 3;
    const bisect = this.options.bisectBatchOnError ?? true;
    let pending = records;
    for (let attempt = attempts; pending.length > 0; ) {
      pending = this.dropExpired(pending, attempt);
      if (pending.length === 0) return;
      let failedFrom: number | undefined;
      this.stats.invocations++;
      try {
        const response = await this.options.handler(toEvent(pending, this.options.streamArn));
        const failed = (response?.batchItemFailures ?? [])
          .map((f) => pending.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier))
          .filter((index) => index >= 0);
        failedFrom = failed.length > 0 ? Math.min(...failed) : undefined;
      } catch (error) {
        this.options.log?.(`publish handler threw: ${(error as Error).message}`);
        failedFrom = 0;
      }
      if (failedFrom === undefined) {
        this.stats.records += pending.length;
        return;
      }
      this.stats.records += failedFrom;
      this.stats.failures++;
      pending = pending.slice(failedFrom);
      attempt++;
      if (maxRetries >= 0 && attempt > maxRetries) {
        this.deadLetter(pending, `failed ${attempt} time(s)`, attempt);
        return;
      }
      if (bisect && pending.length > 1) {
        const middle = Math.ceil(pending.length / 2);
        await this.deliver(pending.slice(0, middle), attempt);
        await this.deliver(pending.slice(middle), attempt);
        return;
      }
      await this.sleep(Math.min(2000, (this.options.retryDelayMs ?? 100) * 2 ** (attempt - 1)));
    }
  }

  /** Dead-letters the records older than maxRecordAgeMs, as Lambda does before an invocation. */
  private dropExpired(records: StreamRecord[], attempts: number): StreamRecord[] {
    const maxAge = this.options.maxRecordAgeMs;
    if (maxAge === undefined) return records;
    const now = Date.now();
    const age = (record: StreamRecord) => {
      const created = record.dynamodb?.ApproximateCreationDateTime;
      return created instanceof Date ? now - created.getTime() : 0;
    };
    const expired = records.filter((record) => age(record) > maxAge);
    if (expired.length > 0) this.deadLetter(expired, `older than ${maxAge} ms`, attempts);
    return records.filter((record) => age(record) <= maxAge);
  }

  private deadLetter(records: StreamRecord[], reason: string, attempts: number): void {
    this.stats.deadLettered += records.length;
    const dir = this.options.deadLetterDir;
    this.options.log?.(`dead-lettering ${records.length} record(s) (${reason})${dir ? ` to ${dir}` : ''}`);
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const deadLetteredAt = new Date().toISOString();
    const lines = records.map((record) =>
      JSON.stringify({ deadLetteredAt, reason, attempts, record: toLambdaRecord(record, this.options.streamArn) } satisfies DeadLetter),
    );
    appendFileSync(join(dir, DEAD_LETTER_FILE), lines.join('\n') + '\n');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'local',
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: created instanceof Date ? Math.floor(created.getTime() / 1000) : (created as number | undefined),
      Keys: d.Keys as never,
      NewImage: d.NewImage as never,
      OldImage: d.OldImage as never,
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType as never,
    },
  };
}

export function toEvent(records: StreamRecord[], streamArn: string): DynamoDBStreamEvent {
  return { Records: records.map((r) => toLambdaRecord(r, streamArn)) };
}
