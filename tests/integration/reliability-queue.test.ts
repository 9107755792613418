/**
 * Writers of one commitment without If-Match queue for their turn (a ticket on the commitment)
 * once a first attempt loses. Against DynamoDB Local and the real handlers: many writers at once
 * are all accepted as a gapless chain; a ticket given up (its request refused after taking it)
 * or held by a writer that vanished does not block those behind; If-Match writers never queue.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiRequest, type ApiResponse, createApi } from '#shared/api/api';
import { defineCommitment } from '#shared/api/definitions';
import { STALLED_TURN_MS } from '#shared/api/writer-queue';
import type { SequencingRepository } from '#shared/store/ports';
import { BASE_URL, createTestEnvironment, type TestEnvironment } from '#tests/support/environment';
import {
  createPublisher,
  definePlanWithCommitments,
  STATUSES,
  signedUpdate,
  verifyBucket,
  waitUntilPublished,
} from '#tests/support/reliability';

let env: TestEnvironment;
let runs = 0;

beforeAll(async () => {
  env = await createTestEnvironment();
}, 120_000);
afterAll(async () => {
  await env.destroy();
});

/** What a writer does once it holds a ticket: write, fail in the store (its request is refused), or stop for a while (a paused function). */
type Behaviour = 'writes' | 'fails' | 'pauses';

/**
 * The real API on a repository that misbehaves for the writers who ask it to (by their
 * observations' first word), once they hold a ticket; and that records every turn skipped.
 */
function faultyApi() {
  const skipped: number[] = [];
  const stalled: number[] = [];
  const givenUp: number[] = [];
  const target = env.repository;
  const repository = new Proxy(target, {
    get(object, name, receiver) {
      if (name === 'recordUpdate') {
        return async (input: Parameters<SequencingRepository['recordUpdate']>[0]) => {
          const behaviour = input.update.observations.split(' ')[0] as Behaviour;
          if (input.turn && behaviour === 'fails') {
            givenUp.push(input.turn);
            throw new Error('the store failed');
          }
          if (input.turn && behaviour === 'pauses' && !input.update.observations.endsWith('resumed')) {
            input.update.observations += ' resumed';
            await new Promise((resolve) => setTimeout(resolve, STALLED_TURN_MS + 500));
          }
          return target.recordUpdate(input);
        };
      }
      if (name === 'skipTurns') {
        return async (planId: string, commitmentId: string, done: number, to: number) => {
          // A ticket skipped while not marked abandoned is skipped for a stall.
          const { queue } = (await target.getCommitmentQueue(planId, commitmentId))!;
          for (let ticket = done + 1; ticket <= to; ticket++) {
            skipped.push(ticket);
            if (queue.done === done && !queue.abandoned.includes(ticket)) stalled.push(ticket);
          }
          return target.skipTurns(planId, commitmentId, done, to);
        };
      }
      const value = Reflect.get(object, name, receiver);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
  const inner = createApi({ repository, publicBaseUrl: BASE_URL, clockSkewSeconds: 300, nonceTtlSeconds: 3600 });
  // The store's failure reaches the function's runtime, which answers 500.
  const api = (request: ApiRequest): Promise<ApiResponse> => inner(request).catch(() => ({ status: 500, headers: {}, body: '' }));
  return { api, skipped, stalled, givenUp };
}

async function onePlan(): Promise<{ planId: string; commitmentId: string; official: Awaited<ReturnType<TestEnvironment['addKey']>> }> {
  const planId = `queue-${++runs}`;
  const [commitmentId] = await definePlanWithCommitments(env.repository, planId, 1);
  const official = await env.addKey(`${planId}-official`, 'official', [{ planId }]);
  return { planId, commitmentId: commitmentId!, official };
}

const revisionOf = (response: ApiResponse) => (JSON.parse(response.body) as { revision: number }).revision;

/** The commitment's history in the table, by revision: each update's revision and observations. */
async function history(planId: string, commitmentId: string) {
  const updates = (await env.repository.listUpdates(planId)).filter((u) => u.commitmentId === commitmentId);
  return updates.sort((a, b) => a.revision - b.revision).map((u) => ({ revision: u.revision, observations: u.observations }));
}

describe('writers of one commitment without If-Match', () => {
  it('16, then 32 at once, in rounds: all accepted, revisions gapless in order, each update stored and published', async () => {
    const { planId, commitmentId, official } = await onePlan();
    const accepted: Array<{ revision: number; observations: string }> = [];
    for (const [round, writers] of [16, 16, 32, 32].entries()) {
      const sent = Array.from({ length: writers }, (_, i) => `round ${round} writer ${i}`);
      const responses = await Promise.all(
        sent.map((observations, i) =>
          env.api(signedUpdate(official, planId, commitmentId, { status: STATUSES[i % STATUSES.length], observations })),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(sent.map(() => 201));
      for (const [i, r] of responses.entries()) accepted.push({ revision: revisionOf(r), observations: sent[i]! });
    }
    accepted.sort((a, b) => a.revision - b.revision);
    expect(accepted.map((a) => a.revision)).toEqual(Array.from({ length: 96 }, (_, i) => i + 2));
    // What each 201 said is what the table holds: none lost, none written twice.
    expect(await history(planId, commitmentId)).toEqual(accepted);
    const state = await env.repository.getCommitmentQueue(planId, commitmentId);
    expect(state!.commitment.revision).toBe(97);
    expect(state!.queue.done).toBe(state!.queue.next);
    // The queue's bookkeeping is not part of the commitment a reader sees.
    expect(Object.keys(state!.commitment).filter((name) => name.startsWith('ticket'))).toEqual([]);

    const publisher = createPublisher(env.repository, env.store);
    await publisher.publishPlan(planId);
    await waitUntilPublished(env.repository, planId, 60_000);
    expect((await verifyBucket(env, [planId])).differences).toBe(0);
  }, 180_000);

  it('a writer refused after taking its ticket does not hold up those behind it', async () => {
    const { planId, commitmentId, official } = await onePlan();
    const faulty = faultyApi();
    const behaviours = Array.from({ length: 16 }, (_, i): Behaviour => (i % 4 === 1 ? 'fails' : 'writes'));
    const responses = await Promise.all(
      behaviours.map((behaviour, i) =>
        faulty.api(signedUpdate(official, planId, commitmentId, { status: 'delayed', observations: `${behaviour} ${i}` })),
      ),
    );
    const writes = responses.filter((_, i) => behaviours[i] === 'writes');
    expect(writes.map((r) => r.status)).toEqual(writes.map(() => 201));
    // A failing writer may still have landed on its first attempt, before any queue.
    const accepted = responses.filter((r) => r.status === 201);
    expect(responses.filter((r) => r.status !== 201).length).toBe(faulty.givenUp.length);
    expect(accepted.map(revisionOf).sort((a, b) => a - b)).toEqual(accepted.map((_, i) => i + 2));
    expect((await history(planId, commitmentId)).length).toBe(accepted.length);
    // Given-up tickets were skipped as such: nobody waited for a stall.
    expect(faulty.skipped.every((ticket) => faulty.givenUp.includes(ticket))).toBe(true);
    expect(faulty.stalled).toEqual([]);
    // The next writer finds the queue usable.
    const after = await env.api(signedUpdate(official, planId, commitmentId, { status: 'on_track', observations: 'after' }));
    expect(after.status).toBe(201);
    expect(revisionOf(after)).toBe(accepted.length + 2);
  }, 90_000);

  it('a ticket whose holder vanished is skipped after a stall, and the others land in order', async () => {
    const { planId, commitmentId, official } = await onePlan();
    // A writer took a ticket and was never heard of again (its function was killed).
    const vanished = await env.repository.takeTicket(planId, commitmentId);
    const faulty = faultyApi();
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        faulty.api(signedUpdate(official, planId, commitmentId, { status: 'pending', observations: `writes ${i}` })),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    expect(responses.map(revisionOf).sort((a, b) => a - b)).toEqual(Array.from({ length: 8 }, (_, i) => i + 2));
    expect(faulty.skipped).toEqual([vanished]);
    expect(faulty.stalled).toEqual([vanished]);
    const { queue } = (await env.repository.getCommitmentQueue(planId, commitmentId))!;
    expect(queue.done).toBe(queue.next);
  }, 60_000);

  it('a holder paused past a stall is skipped, then queues again and lands', async () => {
    const { planId, commitmentId, official } = await onePlan();
    const faulty = faultyApi();
    const behaviours: Behaviour[] = ['pauses', ...Array.from({ length: 7 }, (): Behaviour => 'writes')];
    // The pausing writer takes the first ticket (a queue exists before anyone posts).
    await env.repository.releaseTicket(planId, commitmentId, await env.repository.takeTicket(planId, commitmentId));
    const paused = faulty.api(signedUpdate(official, planId, commitmentId, { status: 'delayed', observations: 'pauses 0' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const others = behaviours
      .slice(1)
      .map((behaviour, i) =>
        faulty.api(signedUpdate(official, planId, commitmentId, { status: 'pending', observations: `${behaviour} ${i + 1}` })),
      );
    const responses = await Promise.all([paused, ...others]);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    expect(responses.map(revisionOf).sort((a, b) => a - b)).toEqual(Array.from({ length: 8 }, (_, i) => i + 2));
    // It came back after the others had moved on: its first turn was skipped, it wrote on a later one.
    expect(revisionOf(responses[0]!)).toBeGreaterThan(2);
    expect(faulty.skipped.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('property: whatever mix of writers, failing holders and If-Match racers, the accepted updates form a gapless chain', async () => {
    const writer = fc.record({
      behaviour: fc.constantFrom<Behaviour>('writes', 'writes', 'writes', 'fails'),
      ifMatch: fc.boolean(),
      delayMs: fc.integer({ min: 0, max: 40 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(writer, { minLength: 8, maxLength: 24 }), async (writers) => {
        const { planId, commitmentId, official } = await onePlan();
        const faulty = faultyApi();
        const start = (await env.repository.getCommitment(planId, commitmentId))!.revision;
        const responses = await Promise.all(
          writers.map(async ({ behaviour, ifMatch, delayMs }, i) => {
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            const headers = ifMatch
              ? { 'if-match': `"${(await env.repository.getCommitment(planId, commitmentId))!.revision}"` }
              : undefined;
            return faulty.api(
              signedUpdate(official, planId, commitmentId, { status: 'delayed', observations: `${behaviour} ${i}` }, { headers }),
            );
          }),
        );
        responses.forEach((response, i) => {
          const { behaviour, ifMatch } = writers[i]!;
          // If-Match writers never queue: accepted or 412, whatever the others do.
          if (ifMatch) expect([201, 412]).toContain(response.status);
          else if (behaviour === 'writes') expect(response.status).toBe(201);
          else expect([201, 500]).toContain(response.status);
        });
        const accepted = responses.filter((r) => r.status === 201).map(revisionOf);
        expect(accepted.sort((a, b) => a - b)).toEqual(accepted.map((_, i) => start + 1 + i));
        expect((await history(planId, commitmentId)).length).toBe(accepted.length);
        expect(faulty.skipped.every((ticket) => faulty.givenUp.includes(ticket))).toBe(true);
        expect(faulty.stalled).toEqual([]);
      }),
      { numRuns: 4, endOnFailure: true },
    );
  }, 180_000);

  it("a definition rewritten while writers queue keeps the queue's counters", async () => {
    const { planId, commitmentId } = await onePlan();
    const ticket = await env.repository.takeTicket(planId, commitmentId);
    const before = (await env.repository.getCommitmentQueue(planId, commitmentId))!;
    await defineCommitment(
      env.repository,
      planId,
      commitmentId,
      {
        number: 1,
        title: 'Commitment 1, renamed',
        priority: { number: 2, title: 'Priority 2' },
        area: 'Àrea de Serveis',
        status: 'not_started',
        observations: 'Initial.',
      },
      { now: new Date() },
    );
    const after = (await env.repository.getCommitmentQueue(planId, commitmentId))!;
    expect(after.commitment.title).toBe('Commitment 1, renamed');
    expect(after.queue).toEqual(before.queue);
    expect(after.queue.next).toBe(ticket);
  });
});
