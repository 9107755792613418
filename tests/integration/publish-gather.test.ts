/**
 * A burst of updates to one plan: after a round that leaves 10 or more commitments waiting while
 * updates come at 50 a second or faster, the publisher waits (its lease released) while they keep
 * coming that fast, so the files of the commitments the burst touches are written once for it
 * rather than once per round. Against DynamoDB Local and the S3 server, with the coordinator's
 * clock and sleep in the test's hands: arrivals are posted from inside its rounds and waits, so
 * "still arriving" and "slowed" are exact, not timing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GATHER_MS, PublishCoordinator, type PublishCoordinatorOptions } from '#shared/publish/coordinator';
import { publishPlan } from '#shared/publish/publish';
import type { Artifact, ArtifactWriter, WriteResult } from '#shared/store/artifacts';
import { BASE_URL, createTestEnvironment, postUpdate, type TestEnvironment, type TestKey } from '#tests/support/environment';
import { createPublisher, definePlanWithCommitments, isMonotone, STATUSES, verifyBucket } from '#tests/support/reliability';

let env: TestEnvironment;
let official: TestKey;
let plans = 0;

beforeAll(async () => {
  env = await createTestEnvironment();
}, 120_000);
afterAll(async () => {
  await env.destroy();
});

let posted = 0;
async function post(planId: string, commitmentId: string): Promise<string> {
  const n = ++posted;
  return (await postUpdate(env, official, planId, commitmentId, { status: STATUSES[n % STATUSES.length], observations: `update ${n}` }))
    .updateId;
}

/** One update to each of commitments c{from}…c{to}, in turn; their ids. */
async function postEach(planId: string, from: number, to: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = from; n <= to; n++) ids.push(await post(planId, `c${n}`));
  return ids;
}

/** A published plan of 30 commitments, nothing waiting. */
async function quietPlan(): Promise<string> {
  const planId = `gather-${++plans}`;
  await definePlanWithCommitments(env.repository, planId, 30);
  official = await env.addKey(`${planId}-official`, 'official', [{ planId }]);
  await createPublisher(env.repository, env.store).publishPlan(planId);
  return planId;
}

/** The bucket's store, counting how often each key is written and running `duringFirstWrite` inside the first round. */
function countingStore(duringFirstWrite: () => Promise<unknown>) {
  const writes = new Map<string, number>();
  let first = true;
  const store: ArtifactWriter = {
    async write(prefix: string, artifacts: Artifact[]): Promise<WriteResult> {
      if (first) {
        first = false;
        await duringFirstWrite();
      }
      const result = await env.store.write(prefix, artifacts);
      for (const key of result.written) writes.set(key, (writes.get(key) ?? 0) + 1);
      return result;
    },
  };
  return { store, writesOf: (file: string) => writes.get(file) ?? 0 };
}

/** A coordinator on a clock that moves only when it sleeps; each sleep runs `onSleep` (arrivals). */
function coordinatorWithClock(
  store: ArtifactWriter,
  onSleep: (ms: number) => Promise<void>,
  options: Partial<PublishCoordinatorOptions> = {},
) {
  let now = Date.now();
  const sleeps: number[] = [];
  const coordinator = new PublishCoordinator({
    repository: env.repository,
    store,
    heartbeatMs: 0,
    clock: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
      await onSleep(ms);
    },
    ...options,
  });
  return { coordinator, sleeps };
}

function publishFor(coordinator: PublishCoordinator, planId: string, batch: string[]) {
  return coordinator.publish(
    planId,
    (round) => publishPlan(planId, { repository: env.repository, store: round.store, baseUrl: BASE_URL }),
    { pending: batch },
  );
}

describe('publishing a burst', () => {
  it('waits while updates keep arriving fast, then publishes all of them in one more round: each commitment page written once', async () => {
    const planId = await quietPlan();
    await post(planId, 'c1');
    // Every commitment gets an update while the first round (the stream's batch: c1) runs: a burst.
    const { store, writesOf } = countingStore(() => postEach(planId, 1, 30));
    // Then 30 updates arrive during each of the publisher's first three waits (60 a second), and none after.
    let waves = 0;
    const later: string[] = [];
    const { coordinator, sleeps } = coordinatorWithClock(store, async () => {
      if (++waves > 3) return;
      later.push(...(await postEach(planId, 1, 30)));
    });

    const outcome = await publishFor(coordinator, planId, ['c1']);

    // Round 1 (c1), then the wait (three waits with arrivals, one without), then one round for the rest.
    expect(outcome.status === 'published' && outcome.rounds.length).toBe(2);
    expect(sleeps).toEqual([500, 500, 500, 500]);
    expect(await env.repository.hasPendingUpdates(planId, 'all')).toBe(false);
    // c14's page: no update before the wait, four during it and the first round; written once, by the round after it.
    expect(writesOf(`plans/${planId}/commitments/c14/index.html`)).toBe(1);
    expect(writesOf(`plans/${planId}/commitments.csv`)).toBe(2);
    const feed = (await env.getObject(`plans/${planId}/feed.rss`))!.body;
    for (const updateId of later.slice(-20)) expect(feed).toContain(updateId);
    expect((await verifyBucket(env, [planId])).differences).toBe(0);
  });

  it('stops waiting when arrivals slow below 50 a second', async () => {
    const planId = await quietPlan();
    await post(planId, 'c1');
    const { store } = countingStore(() => postEach(planId, 1, 30));
    // Five updates in a half second: 10 a second, a steady load rather than a burst.
    let waves = 0;
    const { coordinator, sleeps } = coordinatorWithClock(store, async () => {
      if (++waves > 1) return;
      await postEach(planId, 14, 18);
    });

    const outcome = await publishFor(coordinator, planId, ['c1']);

    expect(sleeps).toEqual([500]);
    expect(outcome.status === 'published' && outcome.rounds.length).toBe(2);
    expect((await verifyBucket(env, [planId])).differences).toBe(0);
  });

  it('waits no longer than gatherMs when arrivals never slow, and once a call: the rounds after it follow at once', async () => {
    const planId = await quietPlan();
    await post(planId, 'c1');
    // 30 updates during the first round; 25 during each wait; 12 more during the round after the wait.
    let during = 'first round';
    const { store } = countingStore(() => postEach(planId, 1, 30));
    const writer: ArtifactWriter = {
      async write(prefix, artifacts) {
        if (during === 'after the wait') {
          during = 'later';
          await postEach(planId, 14, 25);
        }
        return store.write(prefix, artifacts);
      },
    };
    let waves = 0;
    const { coordinator, sleeps } = coordinatorWithClock(
      writer,
      async () => {
        if (++waves === 3) during = 'after the wait';
        await postEach(planId, 1, 25);
      },
      { gatherMs: 1_500 },
    );

    const outcome = await publishFor(coordinator, planId, ['c1']);

    // 1.5 s of waiting at most: three waits, then the round, which publishes everything that came;
    // the 12 that arrived during it go out in a third round without another wait.
    expect(sleeps).toEqual([500, 500, 500]);
    const rounds = outcome.status === 'published' ? outcome.rounds.map((r) => r.revision) : [];
    expect(rounds.length).toBe(3);
    expect([rounds[1]! - rounds[0]!, rounds[2]! - rounds[1]!]).toEqual([30 + 75, 12]);
    expect((await verifyBucket(env, [planId])).differences).toBe(0);
  });

  it('leaves the lease free while it waits: a publisher racing the wait publishes, and the waiting call then has less or nothing left', async () => {
    const planId = await quietPlan();
    await post(planId, 'c1');
    const { store } = countingStore(() => postEach(planId, 1, 30));
    // Another publisher (a batch for c2, on the real clock) runs during the first wait, after 30 more arrivals.
    const racer = new PublishCoordinator({ repository: env.repository, store: env.store });
    const seen: number[] = [];
    let racing: Awaited<ReturnType<typeof publishFor>> | undefined;
    let waves = 0;
    const { coordinator, sleeps } = coordinatorWithClock(store, async () => {
      if (++waves > 1) return;
      await postEach(planId, 1, 30);
      seen.push((await env.repository.getPublishState(planId))!.publishedRevision);
      racing = await publishFor(racer, planId, ['c2']);
      seen.push((await env.repository.getPublishState(planId))!.publishedRevision);
    });

    const outcome = await publishFor(coordinator, planId, ['c1']);
    seen.push((await env.repository.getPublishState(planId))!.publishedRevision);

    // The racer took the free lease and published what had arrived; the waiting call waited on (30 had
    // come), then found nothing left: its round 1 and the racer's rounds are all the plan needed.
    expect(racing!.status).toBe('published');
    expect(sleeps).toEqual([500, 500]);
    expect(outcome.status === 'published' && outcome.rounds.length).toBe(1);
    expect(isMonotone(seen), seen.join(',')).toBe(true);
    expect(seen.at(-1)).toBe((await env.repository.getPlan(planId))!.revision);
    expect(await env.repository.hasPendingUpdates(planId, 'all')).toBe(false);
    expect((await verifyBucket(env, [planId])).differences).toBe(0);
  });

  it('does not wait for a steady load: 12 commitments waiting, but fewer than 25 updates in the last half second', async () => {
    const planId = await quietPlan();
    await post(planId, 'c1');
    const { store } = countingStore(() => postEach(planId, 2, 13));
    const { coordinator, sleeps } = coordinatorWithClock(store, async () => {});

    const outcome = await publishFor(coordinator, planId, ['c1']);

    expect(sleeps).toEqual([]);
    expect(outcome.status === 'published' && outcome.rounds.length).toBe(2);
    expect((await verifyBucket(env, [planId])).differences).toBe(0);
  });

  it('does not wait after a round that leaves few commitments waiting: a lone update is published at once', async () => {
    const planId = await quietPlan();
    await post(planId, 'c1');
    const { store } = countingStore(async () => {
      await post(planId, 'c2');
    });
    const { coordinator, sleeps } = coordinatorWithClock(store, async () => {});

    const outcome = await publishFor(coordinator, planId, ['c1']);

    expect(sleeps).toEqual([]);
    expect(outcome.status === 'published' && outcome.rounds.length).toBe(2);
    expect((await verifyBucket(env, [planId])).differences).toBe(0);
    expect(DEFAULT_GATHER_MS).toBe(10_000);
  });
});
