/**
 * Property: whatever an admin's correctly signed batch carries (`POST …/commitments`,
 * `POST …/history`) — a random JSON body, or items mixing valid definitions with broken ones —
 * the answer is never a 5xx; a whole-request refusal is a 4xx problem that writes nothing; a 200
 * answers every item, and an item refused with its problem left its commitment as it was.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, signedRequest, type TestEnvironment, type TestKey } from '#tests/support/environment';

const RUNS = 60;
const PLAN = 'fuzz-2023-2027';

let env: TestEnvironment;
let admin: TestKey;

beforeAll(async () => {
  env = await createTestEnvironment();
  admin = await env.addKey('fuzz-admin', 'admin', []);
  const plan = await env.api(
    signedRequest(admin, 'PUT', `/api/v1/plans/${PLAN}`, {
      title: 'Fuzz',
      municipality: 'Vila',
      period: { start: 2023, end: 2027 },
      language: 'ca',
      license: { id: 'CC-BY-4.0', title: 'CC BY 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' },
      publisher: { name: 'Ajuntament' },
    }),
  );
  expect(plan.status).toBe(201);
});
afterAll(() => env.destroy());

const id = fc.oneof(fc.constantFrom('c1', 'c2', 'c3', 'c4', 'c5'), fc.string({ maxLength: 8 }), fc.constant('C-1'), fc.constant(''));
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('\u0000', '\ud800', 'a\r\nb', '=cmd()', ' ', 'x'.repeat(600)));

const definitionItem = fc.record(
  {
    commitmentId: id,
    number: fc.oneof(fc.integer({ min: -1, max: 100_001 }), fc.constant('1')),
    title: text,
    priority: fc.oneof(fc.record({ number: fc.integer({ min: 0, max: 3 }), title: text }), fc.constant(null)),
    area: text,
    status: fc.constantFrom('pending', 'on_track', 'finished', 'ON_TRACK'),
    observations: text,
    links: fc.array(fc.record({ title: text, url: fc.constantFrom('https://example.org/a', 'javascript:alert(1)', 'http://') }), {
      maxLength: 2,
    }),
    progress: fc.integer({ min: -5, max: 105 }),
    extra: fc.string(),
  },
  { requiredKeys: ['commitmentId'] },
);

const historyItem = fc.record(
  {
    commitmentId: id,
    reportedAt: fc.constantFrom(
      '2019-06-30T00:00:00Z',
      '2999-01-01T00:00:00Z',
      '2019-02-30T00:00:00Z',
      'yesterday',
      '2020-01-01T10:00:00+01:00',
    ),
    status: fc.constantFrom('pending', 'delayed', 'finished'),
    observations: text,
    links: fc.array(fc.record({ title: text, url: fc.constantFrom('https://example.org/a', 'data:x') }), { maxLength: 2 }),
    progress: fc.integer({ min: -5, max: 105 }),
  },
  { requiredKeys: ['commitmentId', 'reportedAt', 'status'] },
);

const body = (field: string, item: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.array(item, { minLength: 1, maxLength: 8 }).map((items) => ({ [field]: items })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.array(item, { minLength: 101, maxLength: 102 }).map((items) => ({ [field]: items })) },
  );

async function states(): Promise<Map<string, string>> {
  return new Map((await env.repository.listCommitments(PLAN)).map((c) => [c.commitmentId, JSON.stringify(c)]));
}

describe.each([
  ['commitments', definitionItem],
  ['history', historyItem],
] as const)('POST …/%s under generated batches', (resource, item) => {
  it('never answers 5xx, refuses whole without writing, and leaves refused items unwritten', async () => {
    // The history needs commitments to attach to.
    await env.api(
      signedRequest(admin, 'POST', `/api/v1/plans/${PLAN}/commitments`, {
        commitments: ['c1', 'c2', 'c3'].map((commitmentId, i) => ({
          commitmentId,
          number: i + 1,
          title: `Compromís ${i + 1}`,
          priority: { number: 1, title: 'P' },
          area: 'Àrea',
        })),
      }),
    );
    const field = resource === 'commitments' ? 'commitments' : 'updates';
    await fc.assert(
      fc.asyncProperty(body(field, item), async (generated) => {
        const before = await env.tableSnapshot();
        const commitmentsBefore = await states();
        const answer = await env.api(signedRequest(admin, 'POST', `/api/v1/plans/${PLAN}/${resource}`, generated));
        expect(answer.status, answer.body).toBeLessThan(500);
        if (answer.status !== 200) {
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.headers['content-type']).toBe('application/problem+json');
          expect(await env.tableSnapshot()).toBe(before);
          return;
        }
        const items = (generated as Record<string, unknown[]>)[field]!;
        const results = (JSON.parse(answer.body) as { results: Array<{ index: number; result?: string; problem?: { status: number } }> })
          .results;
        expect(results.map((r) => r.index)).toEqual(items.map((_, i) => i));
        const after = await states();
        for (const result of results) {
          expect(Boolean(result.result) !== Boolean(result.problem), JSON.stringify(result)).toBe(true);
          if (!result.problem) continue;
          expect(result.problem.status).toBeGreaterThanOrEqual(400);
          expect(result.problem.status).toBeLessThan(500);
          const refusedId = (items[result.index] as { commitmentId?: unknown }).commitmentId;
          // A refused item wrote nothing of its own (another item of the batch may still define the same id).
          const sameIdAccepted = results.some(
            (r) => !r.problem && (items[r.index] as { commitmentId?: unknown }).commitmentId === refusedId,
          );
          if (typeof refusedId === 'string' && !sameIdAccepted) expect(after.get(refusedId)).toBe(commitmentsBefore.get(refusedId));
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 240_000);
});
