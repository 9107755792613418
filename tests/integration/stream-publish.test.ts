/**
 * The table's real DynamoDB Stream → the stream poller (as Lambda's event source mapping) → the
 * real publish handler → objects in the S3 server.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetFunctionDependencies } from '#functions/dependencies';
import { handler as publish } from '#functions/publish/handler';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { historyPath } from '#shared/render/snapshot';
import { createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';
import { StreamPoller } from '../../infra/local/stream-poller.ts';

let env: TestEnvironment;
let official: TestKey;
let poller: StreamPoller;
const handled: number[] = [];

beforeAll(async () => {
  env = await createTestEnvironment();
  Object.assign(process.env, env.env);
  resetFunctionDependencies();
  await env.seedDemo();
  official = await env.addKey('official', 'official', [{ planId: DEMO_PLAN_ID }]);
  poller = new StreamPoller({
    client: env.streams,
    streamArn: env.streamArn,
    handler: async (event) => {
      handled.push(event.Records.length);
      return publish(event);
    },
    pollIntervalMs: 50,
  });
  // From the start of the stream: the seed's writes are the first records.
  await poller.start('TRIM_HORIZON');
});
afterAll(async () => {
  await poller.stop();
  await env.destroy();
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('stream → publish', () => {
  it('publishes the plan from the seed writes', async () => {
    const csv = await eventually(() => env.getObject(`plans/${DEMO_PLAN_ID}/commitments.csv`));
    expect(csv.contentType).toBe('text/csv; charset=utf-8; header=present');
    const rows = parseCsv(csv.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ commitment_id: 'c4', status: 'on_track' });
  });

  it('regenerates the feeds after each accepted update, newest item first', async () => {
    const ids: string[] = [];
    for (const status of ['pending', 'delayed', 'on_track']) {
      const response = await env.api(signedRequest(official, 'POST', updatePath(), { status, observations: `now ${status}` }));
      expect(response.status).toBe(201);
      ids.push(JSON.parse(response.body).updateId);
    }
    const rss = await eventually(async () => {
      const object = await env.getObject(`plans/${DEMO_PLAN_ID}/feed.rss`);
      return object?.body.includes(ids[2]!) ? object : undefined;
    });
    expect(rss.contentType).toBe('application/rss+xml; charset=utf-8');
    const items = [new XMLParser().parse(rss.body).rss.channel.item].flat() as Array<{ guid: string }>;
    expect(items.map((i) => i.guid)).toEqual([...ids].reverse());

    const month = new Date().toISOString().slice(0, 7);
    const history = JSON.parse((await env.getObject(`plans/${DEMO_PLAN_ID}/${historyPath(month, 'json')}`))!.body);
    expect(history.updates.map((u: { updateId: string }) => u.updateId)).toEqual(ids);
  });

  it('rewrites nothing when a plan is republished unchanged', async () => {
    // The poller's publish of the last update may still be writing (feed.rss can land before
    // commitments.csv): wait until it recorded the plan as published, lease released.
    await eventually(async () => {
      const [plan, state] = await Promise.all([env.repository.getPlan(DEMO_PLAN_ID), env.repository.getPublishState(DEMO_PLAN_ID)]);
      if (!state || state.leaseOwner || state.publishedRevision < plan!.revision) return undefined;
      return (await env.repository.hasPendingUpdates(DEMO_PLAN_ID, 'all')) ? undefined : true;
    });
    const event = {
      Records: [{ eventName: 'MODIFY' as const, dynamodb: { Keys: { PK: { S: `PLAN#${DEMO_PLAN_ID}` } }, SequenceNumber: '1' } }],
    };
    const etagsBefore = await Promise.all(
      ['commitments.csv', 'feed.rss'].map(async (f) => (await env.getObject(`plans/${DEMO_PLAN_ID}/${f}`))!.etag),
    );
    const result = await publish(event);
    expect(result.batchItemFailures).toEqual([]);
    const etagsAfter = await Promise.all(
      ['commitments.csv', 'feed.rss'].map(async (f) => (await env.getObject(`plans/${DEMO_PLAN_ID}/${f}`))!.etag),
    );
    expect(etagsAfter).toEqual(etagsBefore);
  });
});
