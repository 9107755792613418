/**
 * After a round, the publisher looks among the plan's newest updates for ones accepted while it
 * ran (still unsequenced). Against DynamoDB Local: a quiet plan costs one small page; a burst of
 * more arrivals than that page holds is found whole, page after page. And an update enters the
 * local indexes (the feeds' windows) only when it is ordered.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '#shared/store/dynamo/client';
import { DynamoUpdateSequencer } from '#shared/store/dynamo/sequencer';
import { createTestEnvironment, postUpdate, REGION, type TestEnvironment, type TestKey } from '#tests/support/environment';
import { definePlanWithCommitments, STATUSES } from '#tests/support/reliability';

const PLAN = 'arrivals-plan';

let env: TestEnvironment;
let official: TestKey;
let sequencer: DynamoUpdateSequencer;
const queries: number[] = [];

beforeAll(async () => {
  env = await createTestEnvironment();
  await definePlanWithCommitments(env.repository, PLAN, 30);
  official = await env.addKey('official', 'official', [{ planId: PLAN }]);
  // Its own client, which counts the Queries (and the items each returned).
  const client = createDynamoClient({ region: REGION, dynamodbEndpoint: env.dynamodbEndpoint });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'QueryCommand') queries.push(((result.output as { Items?: unknown[] }).Items ?? []).length);
      return result;
    },
    { step: 'initialize', name: 'countQueries' },
  );
  sequencer = new DynamoUpdateSequencer(client, env.tableName);
}, 120_000);
afterAll(() => env.destroy());

const post = (commitmentId: string, n: number) =>
  postUpdate(env, official, PLAN, commitmentId, { status: STATUSES[n % STATUSES.length], observations: `Update ${n}.` });

describe('newestPendingCommitments', () => {
  it('finds none on a quiet plan, reading one page of 10', async () => {
    for (let n = 1; n <= 12; n++) await post(`c${n}`, n);
    expect(await env.repository.sequenceUpdates(PLAN, 'all')).toBe(12);
    queries.splice(0);
    expect(await sequencer.newestPendingCommitments(PLAN)).toEqual([]);
    expect(queries).toEqual([10]);
  });

  it('finds every commitment of a burst of 25 arrivals, more than a page holds, and stops at the first page holding an ordered update', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `c${i + 1}`);
    for (const [i, id] of ids.entries()) await post(id, i);
    queries.splice(0);
    const found = await sequencer.newestPendingCommitments(PLAN);
    expect(found.sort()).toEqual([...ids].sort());
    // 10 waiting, then 20 of which 15 wait and 5 were ordered: no third page.
    expect(queries).toEqual([10, 20]);

    expect(await env.repository.sequenceUpdates(PLAN, 'all')).toBe(25);
    queries.splice(0);
    expect(await sequencer.newestPendingCommitments(PLAN)).toEqual([]);
    expect(queries).toEqual([10]);
  });

  it('reads at most the 100 newest updates, as before: a larger burst is found up to that bound', async () => {
    // 105 waiting on the 30 commitments: the fourth page is cut to 30 so that 100 are read in all.
    for (let n = 1; n <= 105; n++) await post(`c${1 + (n % 30)}`, n);
    queries.splice(0);
    const found = await sequencer.newestPendingCommitments(PLAN);
    expect(queries).toEqual([10, 20, 40, 30]);
    expect(found.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `c${i + 1}`).sort());
  });
});

describe('the local indexes', () => {
  const indexed = async (index: 'byCommitment' | 'byArea', prefix: string) => {
    const client = createDynamoClient({ region: REGION, dynamodbEndpoint: env.dynamodbEndpoint });
    try {
      const out = await client.send(
        new QueryCommand({
          TableName: env.tableName,
          IndexName: index,
          KeyConditionExpression: 'PK = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#sk': index },
          ExpressionAttributeValues: { ':pk': `PLAN#${PLAN}`, ':prefix': prefix },
          ConsistentRead: true,
        }),
      );
      return (out.Items ?? []).map((item) => ({ updateId: item.updateId, planRevision: item.planRevision }));
    } finally {
      client.destroy();
    }
  };

  it('hold an accepted update only once it is ordered, with its plan revision, and the feeds read it then', async () => {
    await env.repository.sequenceUpdates(PLAN, 'all');
    const commitment = await env.repository.getCommitment(PLAN, 'c7');
    const before = await indexed('byCommitment', 'c7#');
    const areaBefore = await indexed('byArea', `${commitment!.areaSlug}#`);
    const { updateId } = await post('c7', 1);

    // Accepted and waiting: in the table, in no index, in no window.
    const waiting = await env.repository.listUpdates(PLAN);
    expect(waiting.find((u) => u.updateId === updateId)?.planRevision).toBe(0);
    expect(await indexed('byCommitment', 'c7#')).toEqual(before);
    expect(await indexed('byArea', `${commitment!.areaSlug}#`)).toEqual(areaBefore);

    expect(await env.repository.sequenceUpdates(PLAN, 'all')).toBe(1);
    const { revision } = (await env.repository.getPlan(PLAN))!;
    const entry = { updateId, planRevision: revision };
    expect(await indexed('byCommitment', 'c7#')).toContainEqual(entry);
    expect(await indexed('byArea', `${commitment!.areaSlug}#`)).toContainEqual(entry);
    expect((await env.repository.latestUpdates(PLAN, { commitmentId: 'c7' }, 1))[0]).toMatchObject(entry);
    expect((await env.repository.latestUpdates(PLAN, { areaSlug: commitment!.areaSlug }, 1))[0]).toMatchObject(entry);
  });
});

describe('newestArrivals (the publisher counting a burst)', () => {
  it('gives the keys reported after a time or a key, newest first; a backdated update is not among them', async () => {
    const since = `UPDATE#${new Date(Date.now() - 1000).toISOString()}`;
    const before = await sequencer.newestArrivals(PLAN, since);
    const ids = [];
    for (let n = 1; n <= 3; n++) ids.push((await post(`c${n}`, n)).updateId);
    await postUpdate(env, official, PLAN, 'c4', { status: 'delayed', observations: 'Backdated.', reportedAt: '2020-01-15T10:00:00Z' });
    const arrived = await sequencer.newestArrivals(PLAN, since);
    expect(arrived.slice(0, 3).map((key) => key.split('#').at(-1))).toEqual([...ids].reverse());
    expect(arrived.length).toBe(before.length + 3);
    // After the newest key: nothing; after the first of the three: the two after it.
    expect(await sequencer.newestArrivals(PLAN, arrived[0]!)).toEqual([]);
    expect(await sequencer.newestArrivals(PLAN, arrived[2]!)).toEqual(arrived.slice(0, 2));
  });
});
