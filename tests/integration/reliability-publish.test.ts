/**
 * The publish coordinator against DynamoDB Local and the S3 server: the lease, the monotone
 * publishedRevision, redelivery costing nothing, and a stalled publisher that wakes up after
 * its lease expired and writes an older snapshot over a newer one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError, PublishCoordinator } from '#shared/publish/coordinator';
import { publishPlan } from '#shared/publish/publish';
import { historyPath } from '#shared/render/snapshot';
import type { Artifact, ArtifactWriter, WriteResult } from '#shared/store/artifacts';
import { BASE_URL, createTestEnvironment, postUpdate, type TestEnvironment, type TestKey } from '#tests/support/environment';
import { createPublisher, definePlanWithCommitments, verifyBucket } from '#tests/support/reliability';

let env: TestEnvironment;
let official: TestKey;

beforeAll(async () => {
  env = await createTestEnvironment();
  official = await env.addKey('official', 'official', [
    { planId: 'plan-a' },
    { planId: 'plan-b' },
    { planId: 'plan-c' },
    { planId: 'plan-d' },
    { planId: 'plan-e' },
    { planId: 'plan-f' },
  ]);
});
afterAll(() => env.destroy());

async function post(planId: string, commitmentId: string, status: string, observations = `now ${status}`) {
  return postUpdate(env, official, planId, commitmentId, { status, observations });
}

async function publishedJson(planId: string) {
  const object = await env.getObject(`plans/${planId}/commitments.json`);
  return object
    ? (JSON.parse(object.body) as { plan: { revision: number }; commitments: Array<{ commitmentId: string; status: string }> })
    : undefined;
}

describe('publish coordinator', () => {
  it('publishes once, and a redelivered batch takes no lease and writes nothing', async () => {
    await definePlanWithCommitments(env.repository, 'plan-a', 2);
    await post('plan-a', 'c1', 'delayed');
    const publisher = createPublisher(env.repository, env.store);
    expect((await publisher.publishPlan('plan-a')).batchItemFailures).toEqual([]);
    const plan = (await env.repository.getPlan('plan-a'))!;
    const state = (await env.repository.getPublishState('plan-a'))!;
    expect(state).toMatchObject({ publishedRevision: plan.revision, leaseCount: 1 });
    expect(state.leaseOwner).toBeUndefined();
    expect((await publishedJson('plan-a'))!.plan.revision).toBe(plan.revision);

    const tableBefore = await env.tableSnapshot();
    const objectsBefore = await Promise.all(
      (await env.listObjects('plans/plan-a/')).map(async (key) => [key, (await env.getObject(key))!.etag]),
    );
    for (let i = 0; i < 3; i++) expect((await publisher.publishPlan('plan-a')).batchItemFailures).toEqual([]);
    expect(await env.tableSnapshot()).toBe(tableBefore);
    const objectsAfter = await Promise.all(
      (await env.listObjects('plans/plan-a/')).map(async (key) => [key, (await env.getObject(key))!.etag]),
    );
    expect(objectsAfter).toEqual(objectsBefore);
    expect((await verifyBucket(env, ['plan-a'])).differences).toBe(0);
  });

  it('fails the batch when another publisher holds the lease, and the retry publishes', async () => {
    await definePlanWithCommitments(env.repository, 'plan-b', 1);
    const publisher = createPublisher(env.repository, env.store, { leaseWaitMs: 200 });
    await publisher.publishPlan('plan-b');
    // Another publisher is in the middle of its work.
    expect(
      await env.repository.acquirePublishLease('plan-b', { owner: 'other', until: Date.now() + 60_000, now: Date.now() }),
    ).toBeDefined();
    const { updateId } = await post('plan-b', 'c1', 'on_track');

    const busy = await publisher.publishPlan('plan-b');
    expect(busy.batchItemFailures).toHaveLength(1);
    expect((await publishedJson('plan-b'))!.commitments[0]!.status).toBe('not_started');

    await env.repository.releasePublishLease('plan-b', 'other');
    expect((await publisher.publishPlan('plan-b')).batchItemFailures).toEqual([]);
    expect((await publishedJson('plan-b'))!.commitments[0]!.status).toBe('on_track');
    const month = new Date().toISOString().slice(0, 7);
    expect((await env.getObject(`plans/plan-b/${historyPath(month, 'json')}`))!.body).toContain(updateId);
  });

  it('never records a lower publishedRevision, nor one without the lease; recording gives the lease up', async () => {
    await definePlanWithCommitments(env.repository, 'plan-c', 1);
    const now = Date.now();
    const acquire = (owner = 'me', at = now) => env.repository.acquirePublishLease('plan-c', { owner, until: at + 60_000, now: at });
    const record = (revision: number, owner = 'me') =>
      env.repository.recordPublished('plan-c', { owner, revision, staleWritesHandled: 0, at: new Date().toISOString() });
    await acquire();
    expect(await record(5)).toBe(true);
    // The same write released the lease: no owner left, and recording again needs it again.
    expect((await env.repository.getPublishState('plan-c'))!.leaseOwner).toBeUndefined();
    expect(await record(5)).toBe(false);
    await acquire();
    expect(await record(4)).toBe(false);
    expect(await record(6, 'someone-else')).toBe(false);
    expect(await record(5)).toBe(true);
    expect((await env.repository.getPublishState('plan-c'))!.publishedRevision).toBe(5);
    // Someone else cannot take a live lease; anyone can take an expired one.
    await acquire();
    expect(await acquire('other')).toBeUndefined();
    expect(await env.repository.acquirePublishLease('plan-c', { owner: 'other', until: now + 200_000, now: now + 61_000 })).toBeDefined();
    expect(await record(7)).toBe(false);
  });

  it('repairs the files of a stalled publisher that wrote an older snapshot after its lease expired', async () => {
    await definePlanWithCommitments(env.repository, 'plan-d', 2);
    await post('plan-d', 'c1', 'pending');
    let now = Date.now();
    const clock = () => now;

    // Publisher A stalls inside its write, after the fence let it through.
    let entered!: () => void;
    const stalled = new Promise<void>((resolve) => (entered = resolve));
    let resume!: () => void;
    const gate = new Promise<void>((resolve) => (resume = resolve));
    const stallingStore: ArtifactWriter = {
      async write(prefix: string, artifacts: Artifact[]): Promise<WriteResult> {
        entered();
        await gate;
        return env.store.write(prefix, artifacts);
      },
    };
    const step = (planId: string) => (context: { store: ArtifactWriter }) =>
      publishPlan(planId, { repository: env.repository, store: context.store, baseUrl: BASE_URL });
    const a = new PublishCoordinator({ repository: env.repository, store: stallingStore, leaseMs: 10_000, heartbeatMs: 0, clock });
    const aDone = a.publish('plan-d', step('plan-d'));
    await stalled;
    const older = (await env.repository.getPlan('plan-d'))!.revision;

    // Meanwhile: a newer update, A's lease expires, and publisher B publishes the newer state.
    const { updateId } = await post('plan-d', 'c2', 'delayed');
    now += 20_000;
    const b = new PublishCoordinator({ repository: env.repository, store: env.store, leaseMs: 10_000, heartbeatMs: 0, clock });
    expect((await b.publish('plan-d', step('plan-d'))).status).toBe('published');
    // B sequenced the newer update (the plan's revision moves when the publisher orders it).
    const newer = (await env.repository.getPlan('plan-d'))!.revision;
    expect(newer).toBeGreaterThan(older);
    expect((await publishedJson('plan-d'))!.plan.revision).toBe(newer);

    // A wakes up and writes its older snapshot over the newer files: that is the hazard.
    resume();
    await expect(aDone).rejects.toBeInstanceOf(LeaseLostError);
    expect((await publishedJson('plan-d'))!.plan.revision).toBe(older);
    const state = (await env.repository.getPublishState('plan-d'))!;
    expect(state.publishedRevision).toBe(newer);
    expect(state.staleWrites).toBeGreaterThan(state.staleWritesHandled);
    expect((await verifyBucket(env, ['plan-d'])).differences).toBeGreaterThan(0);

    // A's batch is retried (here: any publish of the plan): it repairs everything.
    const retry = createPublisher(env.repository, env.store, { clock });
    expect((await retry.publishPlan('plan-d')).batchItemFailures).toEqual([]);
    expect((await publishedJson('plan-d'))!.plan.revision).toBe(newer);
    expect((await env.getObject(`plans/plan-d/feed.rss`))!.body).toContain(updateId);
    expect((await verifyBucket(env, ['plan-d'])).differences).toBe(0);
    const repaired = (await env.repository.getPublishState('plan-d'))!;
    expect(repaired.publishedRevision).toBe(newer);
    expect(repaired.staleWritesHandled).toBe(repaired.staleWrites);
    // And from then on it is up to date again: nothing more to do.
    const leases = repaired.leaseCount;
    await retry.publishPlan('plan-d');
    expect((await env.repository.getPublishState('plan-d'))!.leaseCount).toBe(leases);
  });

  it('reports only the failing plan of a batch as failed', async () => {
    await definePlanWithCommitments(env.repository, 'plan-e', 1);
    await post('plan-e', 'c1', 'delayed');
    await post('plan-a', 'c2', 'on_track');
    const failingForE: ArtifactWriter = {
      write: (prefix, artifacts) =>
        prefix.includes('plan-e') ? Promise.reject(new Error('storage refused plan-e')) : env.store.write(prefix, artifacts),
    };
    const publisher = createPublisher(env.repository, failingForE, {}, undefined, env.store);
    const record = (planId: string, sequence: string) => ({
      eventName: 'MODIFY' as const,
      dynamodb: { Keys: { PK: { S: `PLAN#${planId}` }, SK: { S: 'PLAN' } }, SequenceNumber: sequence },
    });
    const response = await publisher.handler({
      Records: [
        record('plan-a', '101'),
        record('plan-e', '102'),
        { eventName: 'INSERT', dynamodb: { Keys: { PK: { S: 'NONCE#x#y' }, SK: { S: 'NONCE' } }, SequenceNumber: '103' } },
        record('plan-e', '104'),
      ],
    });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '102' }, { itemIdentifier: '104' }]);
    expect((await verifyBucket(env, ['plan-a'])).differences).toBe(0);
    // The lease is not left behind by the failure.
    expect((await env.repository.getPublishState('plan-e'))!.leaseOwner).toBeUndefined();
  });

  it('publishes, under the same lease, updates that arrive while a round runs, though its batch named another commitment', async () => {
    await definePlanWithCommitments(env.repository, 'plan-f', 2);
    await createPublisher(env.repository, env.store).publishPlan('plan-f');
    await post('plan-f', 'c1', 'delayed');
    let arrived: string | undefined;
    const coordinator = new PublishCoordinator({ repository: env.repository, store: env.store });
    const outcome = await coordinator.publish(
      'plan-f',
      async (context) => {
        const result = await publishPlan('plan-f', { repository: env.repository, store: context.store, baseUrl: BASE_URL });
        // An update to c2, accepted during the first round: no batch of this call names it.
        arrived ??= (await post('plan-f', 'c2', 'on_track')).updateId;
        return result;
      },
      { pending: ['c1'] },
    );
    expect(outcome.status === 'published' && outcome.rounds.length).toBe(2);
    expect(await env.repository.hasPendingUpdates('plan-f', 'all')).toBe(false);
    expect((await env.getObject('plans/plan-f/feed.rss'))!.body).toContain(arrived!);
    expect((await verifyBucket(env, ['plan-f'])).differences).toBe(0);
  });
});
