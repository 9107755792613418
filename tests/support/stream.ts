/** Reading a test table's DynamoDB stream as Lambda's event source mapping would. */
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';

/**
 * Every record of the stream from its start, in shard order; with `seen`, only those not read
 * before (their sequence numbers are added to it), so successive calls return what is new.
 */
export async function readStream(env: { streams: DynamoDBStreamsClient; streamArn: string }, seen?: Set<string>): Promise<_Record[]> {
  const out = await env.streams.send(new DescribeStreamCommand({ StreamArn: env.streamArn }));
  const records: _Record[] = [];
  for (const shard of out.StreamDescription?.Shards ?? []) {
    let iterator = (
      await env.streams.send(
        new GetShardIteratorCommand({ StreamArn: env.streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await env.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      const fresh = seen ? (page.Records ?? []).filter((r) => !seen.has(r.dynamodb!.SequenceNumber!)) : (page.Records ?? []);
      for (const r of fresh) seen?.add(r.dynamodb!.SequenceNumber!);
      records.push(...fresh);
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
