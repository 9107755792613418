/**
 * Property: whatever the interleaving of concurrent updates from several officials to several
 * commitments (up to 64 writers at once on one plan), with several publishers racing (two stream pollers reading the same stream, each
 * with its own publish handler, plus direct publish invocations at random moments), once the
 * system is quiet every accepted update is in the table, in the month's updates/{YYYY}/{MM}.json and in the feed;
 * every file equals what the table implies; each commitment's history is a gapless chain of
 * revisions; and neither `publishedRevision` nor the revision readers see in the published
 * files ever went down while it ran. Writers without If-Match are never turned away (no 409 or
 * 503): writers of a plan share no item, and those of one commitment retry until they land.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '#shared/api/api';
import { historyPath } from '#shared/render/snapshot';
import { createTestEnvironment, type TestEnvironment, type TestKey } from '#tests/support/environment';
import {
  createPublisher,
  definePlanWithCommitments,
  isMonotone,
  STATUSES,
  signedUpdate,
  type TestPublisher,
  verifyBucket,
  waitUntilPublished,
} from '#tests/support/reliability';
import { StreamPoller } from '../../infra/local/stream-poller.ts';

const OFFICIALS = 3;
const COMMITMENTS = 3;
const month = new Date().toISOString().slice(0, 7);

let env: TestEnvironment;
const pollers: StreamPoller[] = [];
let directPublisher: TestPublisher;

beforeAll(async () => {
  env = await createTestEnvironment();
  for (let i = 0; i < 2; i++) {
    // One poller reads only what changed even on these small plans (the path a long history
    // takes), the other whichever is fewer items (here: everything); both race each other.
    const reads = i === 0 ? 'changed' : 'cheaper';
    const publisher = createPublisher(env.repository, env.store, { leaseMs: 5_000, leaseWaitMs: 1_000 }, undefined, undefined, reads);
    // Never dead-letter here: the property is about convergence, not about the retry budget.
    const poller = new StreamPoller({
      client: env.streams,
      streamArn: env.streamArn,
      handler: publisher.handler,
      pollIntervalMs: 20,
      retryAttempts: -1,
      retryDelayMs: 20,
      // A batch that keeps failing holds up every record behind it: say why, for a failed run's reader.
      log: (message) => process.stderr.write(`poller ${i}: ${message}\n`),
    });
    await poller.start('TRIM_HORIZON');
    pollers.push(poller);
  }
  directPublisher = createPublisher(env.repository, env.store, { leaseMs: 5_000, leaseWaitMs: 500 });
}, 120_000);
afterAll(async () => {
  for (const poller of pollers) await poller.stop();
  await env.destroy();
});

const operation = (commitments: number) =>
  fc.record({
    official: fc.integer({ min: 0, max: OFFICIALS - 1 }),
    commitment: fc.integer({ min: 0, max: commitments - 1 }),
    status: fc.constantFrom(...STATUSES),
    /** When to send it, from the start of the run. */
    delayMs: fc.integer({ min: 0, max: 60 }),
    /** Send If-Match with the revision just read: may lose to a concurrent writer (412). */
    ifMatch: fc.boolean(),
  });

const scenario = (commitments: number, writers: { min: number; max: number }) =>
  fc.record({
    commitments: fc.constant(commitments),
    operations: fc.array(operation(commitments), { minLength: writers.min, maxLength: writers.max }),
    /** Extra publish invocations of the plan at these moments, racing the pollers. */
    publishes: fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 4 }),
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let runs = 0;

async function readJson<T>(key: string): Promise<T | undefined> {
  const object = await env.getObject(key);
  return object ? (JSON.parse(object.body) as T) : undefined;
}

type Operation = ReturnType<typeof operation> extends fc.Arbitrary<infer T> ? T : never;
type Scenario = { commitments: number; operations: Array<Operation>; publishes: number[] };

async function runScenario({ commitments, operations, publishes }: Scenario): Promise<void> {
  const planId = `prop-${++runs}`;
  const commitmentIds = await definePlanWithCommitments(env.repository, planId, commitments);
  const officials: TestKey[] = [];
  for (let i = 0; i < OFFICIALS; i++) officials.push(await env.addKey(`${planId}-official-${i}`, 'official', [{ planId }]));

  // Readers' view while it runs.
  const publishedRevisions: number[] = [];
  const fileRevisions: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const [state, file] = await Promise.all([
        env.repository.getPublishState(planId),
        readJson<{ plan: { revision: number } }>(`plans/${planId}/commitments.json`),
      ]);
      if (state) publishedRevisions.push(state.publishedRevision);
      if (file) fileRevisions.push(file.plan.revision);
      await sleep(10);
    }
  })();

  const responses: ApiResponse[] = await Promise.all([
    ...operations.map(async (op) => {
      await sleep(op.delayMs);
      const commitmentId = commitmentIds[op.commitment]!;
      const headers: Record<string, string> = {};
      if (op.ifMatch) headers['if-match'] = `"${(await env.repository.getCommitment(planId, commitmentId))!.revision}"`;
      return env.api(
        signedUpdate(
          officials[op.official]!,
          planId,
          commitmentId,
          { status: op.status, observations: `${op.status} by ${op.official}` },
          { headers },
        ),
      );
    }),
    ...publishes.map(async (delay) => {
      await sleep(delay);
      await directPublisher.publishPlan(planId);
      return undefined as unknown as ApiResponse;
    }),
  ]).then((all) => all.slice(0, operations.length));

  // Only documented outcomes: accepted, or a stale If-Match. Nobody is told "busy, retry".
  for (const [i, response] of responses.entries()) {
    expect(operations[i]!.ifMatch ? [201, 412] : [201], response.body).toContain(response.status);
  }
  const accepted = responses.filter((r) => r.status === 201).map((r) => JSON.parse(r.body) as { updateId: string });
  expect(accepted.length).toBeGreaterThan(0);

  await waitUntilPublished(env.repository, planId, 30_000);
  sampling = false;
  await sampler;
  // The sampler's last reads may predate the end; one more, now that it is quiet.
  publishedRevisions.push((await env.repository.getPublishState(planId))!.publishedRevision);
  fileRevisions.push((await readJson<{ plan: { revision: number } }>(`plans/${planId}/commitments.json`))!.plan.revision);

  // Every accepted update, and nothing else, is in the table ...
  const updates = await env.repository.listUpdates(planId);
  expect(new Set(updates.map((u) => u.updateId))).toEqual(new Set(accepted.map((a) => a.updateId)));
  // ... as a gapless chain per commitment, each update knowing the status it replaced.
  for (const commitmentId of commitmentIds) {
    const chain = updates.filter((u) => u.commitmentId === commitmentId).sort((a, b) => a.revision - b.revision);
    expect(chain.map((u) => u.revision)).toEqual(chain.map((_, i) => i + 2));
    for (const [i, u] of chain.entries()) expect(u.previousStatus).toBe(i === 0 ? 'not_started' : chain[i - 1]!.status);
    const commitment = (await env.repository.getCommitment(planId, commitmentId))!;
    expect(commitment.revision).toBe(chain.length + 1);
    if (chain.length > 0) expect(commitment.lastUpdateId).toBe(chain.at(-1)!.updateId);
  }

  // ... in the published history and the feed ...
  const history = await readJson<{ updates: Array<{ updateId: string; commitmentId: string; revision: number; planRevision: number }> }>(
    `plans/${planId}/${historyPath(month, 'json')}`,
  );
  expect(new Set(history!.updates.map((u) => u.updateId))).toEqual(new Set(accepted.map((a) => a.updateId)));
  // The plan's order (given by the publisher) is a total order that never reorders a commitment's revisions.
  expect(new Set(history!.updates.map((u) => u.planRevision)).size).toBe(history!.updates.length);
  for (const commitmentId of commitmentIds) {
    const published = history!.updates.filter((u) => u.commitmentId === commitmentId).sort((a, b) => a.revision - b.revision);
    const planOrder = published.map((u) => u.planRevision);
    expect(planOrder).toEqual([...planOrder].sort((a, b) => a - b));
    expect(new Set(planOrder).size).toBe(planOrder.length);
  }
  const rss = (await env.getObject(`plans/${planId}/feed.rss`))!.body;
  for (const { updateId } of accepted) expect(rss).toContain(updateId);

  // ... and every file equals what the table implies now.
  const report = await verifyBucket(env, [planId]);
  expect(report.plans[0]).toMatchObject({ missing: [], different: [], extra: [] });
  const plan = (await env.repository.getPlan(planId))!;
  expect((await readJson<{ plan: { revision: number } }>(`plans/${planId}/commitments.json`))!.plan.revision).toBe(plan.revision);

  // Never backwards, as seen by the publisher's record and by readers of the files.
  expect(isMonotone(publishedRevisions), publishedRevisions.join(',')).toBe(true);
  expect(isMonotone(fileRevisions), fileRevisions.join(',')).toBe(true);
  expect(publishedRevisions.at(-1)).toBe(plan.revision);
}

describe('concurrent updates with racing publishers (property-based)', () => {
  it('lose nothing and never go backwards', async () => {
    await fc.assert(fc.asyncProperty(scenario(COMMITMENTS, { min: 4, max: 14 }), runScenario), { numRuns: 10, endOnFailure: true });
  }, 120_000);

  it('64 concurrent writers on one plan: all accepted, none lost, no commitment reordered', async () => {
    await fc.assert(fc.asyncProperty(scenario(24, { min: 64, max: 64 }), runScenario), { numRuns: 3, endOnFailure: true });
  }, 180_000);
});

describe('writers of one commitment', () => {
  it('16 at once without If-Match are all accepted, as a gapless chain, and published', async () => {
    const planId = `one-${++runs}`;
    const [commitmentId] = await definePlanWithCommitments(env.repository, planId, 1);
    const official = await env.addKey(`${planId}-official`, 'official', [{ planId }]);
    const responses = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        env.api(signedUpdate(official, planId, commitmentId!, { status: STATUSES[i % STATUSES.length], observations: `writer ${i}` })),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    const revisions = responses.map((r) => (JSON.parse(r.body) as { revision: number }).revision).sort((a, b) => a - b);
    expect(revisions).toEqual(Array.from({ length: 16 }, (_, i) => i + 2));
    await waitUntilPublished(env.repository, planId, 60_000);
    const history = await readJson<{ updates: Array<{ revision: number; planRevision: number }> }>(
      `plans/${planId}/${historyPath(month, 'json')}`,
    );
    // The plan's order keeps the commitment's: a later revision always has a later plan revision.
    const byRevision = [...history!.updates].sort((a, b) => a.revision - b.revision);
    expect(byRevision.map((u) => u.revision)).toEqual(revisions);
    expect(byRevision.map((u) => u.planRevision)).toEqual([...byRevision.map((u) => u.planRevision)].sort((a, b) => a - b));
    expect((await verifyBucket(env, [planId])).differences).toBe(0);
  }, 90_000);

  it('with If-Match on the same revision: exactly one winner, the others 412', async () => {
    const planId = `race-${++runs}`;
    const [commitmentId] = await definePlanWithCommitments(env.repository, planId, 1);
    const official = await env.addKey(`${planId}-official`, 'official', [{ planId }]);
    const revision = (await env.repository.getCommitment(planId, commitmentId!))!.revision;
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        env.api(
          signedUpdate(
            official,
            planId,
            commitmentId!,
            { status: 'delayed', observations: `racer ${i}` },
            { headers: { 'if-match': `"${revision}"` } },
          ),
        ),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 412)).toHaveLength(7);
    expect((await env.repository.getCommitment(planId, commitmentId!))!.revision).toBe(revision + 1);
  }, 60_000);
});
