/**
 * Issue 16, the writing side: the batch definition operation and the history backfill, through
 * the API function (item by item semantics, whole-request refusals that write nothing) and the
 * real CLI over HTTP (`mandat import` of many commitments, `mandat import-history` of a CSV),
 * with the published files read back: dated history, imported column, no feed announcing the past.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedUpdateId } from '#shared/api/history-handlers';
import type { Commitment } from '#shared/domain/model';
import { loadSnapshot, type PublishDependencies, publishPlan } from '#shared/publish/publish';
import { statusTimeline } from '#shared/render/status-timeline';
import { BASE_URL, createTestEnvironment, postUpdate, signedRequest, type TestEnvironment, type TestKey } from '#tests/support/environment';
import { type RunningApiServer, startApiServer } from '#tests/support/http-api-server';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../cli/bin.js');
const BULK = 'bulk-2023-2027';
const BATCH = 'batch-2023-2027';
const PAST = 'past-2015-2019';

let env: TestEnvironment;
let admin: TestKey;
let server: RunningApiServer;
let dir: string;
let deps: PublishDependencies;

beforeAll(async () => {
  env = await createTestEnvironment();
  admin = await env.addKey('bulk-admin', 'admin', []);
  server = await startApiServer(env.api);
  dir = mkdtempSync(join(tmpdir(), 'mandat-bulk-'));
  writeFileSync(join(dir, 'bulk-admin.pem'), admin.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  deps = { repository: env.repository, store: env.store, baseUrl: BASE_URL };
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  await env.destroy();
});

const mandat = (args: string[]) =>
  run(process.execPath, [CLI, ...args, '--key', join(dir, 'bulk-admin.pem')], {
    env: { ...process.env, NO_COLOR: '1', MANDAT_API: server.url },
    maxBuffer: 20 * 1024 * 1024,
  }).then(
    (out) => ({ code: 0, ...out }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

const PLAN_BODY = {
  title: 'Pla de prova',
  municipality: 'Vila',
  period: { start: 2015, end: 2019 },
  language: 'ca',
  license: { id: 'CC-BY-4.0', title: 'CC BY 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' },
  publisher: { name: 'Ajuntament' },
};

async function definePlan(planId: string) {
  const answer = await env.api(signedRequest(admin, 'PUT', `/api/v1/plans/${planId}`, PLAN_BODY));
  expect(answer.status, answer.body).toBeLessThan(300);
}

const definition = (n: number, extra: Record<string, unknown> = {}) => ({
  commitmentId: `c${n}`,
  number: n,
  title: `Compromís ${n}`,
  priority: { number: 1 + Math.floor(n / 50), title: `Prioritat ${1 + Math.floor(n / 50)}` },
  area: ['Urbanisme', 'Cultura', 'Drets Socials'][n % 3]!,
  ...extra,
});

const batch = (planId: string, body: unknown) => env.api(signedRequest(admin, 'POST', `/api/v1/plans/${planId}/commitments`, body));

describe('POST /api/v1/plans/{planId}/commitments (batch definitions)', () => {
  it('writes each valid item, refuses each bad one with its problem, and a re-run writes nothing', async () => {
    await definePlan(BATCH);
    const before = (await env.repository.getPlan(BATCH))!.revision;
    const items = [
      ...Array.from({ length: 98 }, (_, i) => definition(i + 1)),
      definition(99, { status: 'finished' }),
      { commitmentId: 'c100', number: 'one', title: 'x', priority: { number: 1, title: 'P' }, area: 'A' },
    ];
    const first = await batch(BATCH, { commitments: items });
    expect(first.status, first.body).toBe(200);
    const answer = JSON.parse(first.body) as {
      created: number;
      refused: number;
      planRevision: number;
      results: Array<{
        index: number;
        commitmentId: string;
        result?: string;
        problem?: { status: number; type: string; errors?: unknown[] };
      }>;
    };
    expect(answer).toMatchObject({ created: 98, refused: 2 });
    expect(answer.results).toHaveLength(100);
    expect(answer.results[98]).toMatchObject({
      index: 98,
      commitmentId: 'c99',
      problem: { status: 400, type: expect.stringMatching(/invalid-body$/) },
    });
    expect(answer.results[99]).toMatchObject({ index: 99, commitmentId: 'c100', problem: { status: 400, errors: [{ path: 'number' }] } });
    // 98 commitments: two transactions (96 + 2), one plan revision each.
    expect(answer.planRevision).toBe(before + 2);
    expect(await env.repository.listCommitments(BATCH)).toHaveLength(98);

    const again = JSON.parse((await batch(BATCH, { commitments: items.slice(0, 98) })).body) as { unchanged: number; planRevision: number };
    expect(again).toMatchObject({ unchanged: 98, planRevision: before + 2 });
    expect((await env.repository.getPlan(BATCH))!.revision).toBe(before + 2);

    const edited = JSON.parse((await batch(BATCH, { commitments: [definition(1, { title: 'Nou títol' }), definition(2)] })).body) as {
      results: Array<{ result: string }>;
    };
    expect(edited.results.map((r) => r.result)).toEqual(['changed', 'unchanged']);
  });

  it('refuses a malformed envelope, a duplicate id and too many items whole, writing nothing', async () => {
    const before = await env.tableSnapshot();
    const cases: Array<[unknown, RegExp]> = [
      [{ commitments: [definition(500), definition(500)] }, /is also item 0/],
      [{ commitments: Array.from({ length: 101 }, (_, i) => definition(600 + i)) }, /commitments/],
      [{ commitments: [] }, /commitments/],
      [{ commitment: [definition(1)] }, /unknown field/],
      [[definition(1)], /./],
    ];
    for (const [body, detail] of cases) {
      const answer = await batch(BATCH, body);
      expect(answer.status, answer.body).toBe(400);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(answer.body).detail).toMatch(detail);
    }
    const unknownPlan = await batch('no-such-plan', { commitments: [definition(1)] });
    expect(unknownPlan.status).toBe(404);
    // Refused whole before any write (the nonces of these requests are not even spent).
    expect(await env.tableSnapshot()).toBe(before);
  });

  it('keeps the updates still waiting to be ordered when it redefines their commitment', async () => {
    const plan = 'queue-2023-2027';
    await definePlan(plan);
    expect((await batch(plan, { commitments: [definition(1), definition(2)] })).status).toBe(200);
    const official = await env.addKey('queue-official', 'official', [{ planId: plan }]);
    // Accepted, not yet ordered by a publisher: queued on c1.
    const { updateId } = await postUpdate(env, official, plan, 'c1', { status: 'delayed', observations: 'Endarrerit.' });
    const renamed = await batch(plan, { commitments: [definition(1, { title: 'Compromís 1, reescrit' }), definition(2)] });
    expect(JSON.parse(renamed.body)).toMatchObject({ changed: 1 });
    expect(await env.repository.hasPendingUpdates(plan, ['c1'])).toBe(true);
    expect(await env.repository.sequenceUpdates(plan, 'all')).toBe(1);
    const update = (await env.repository.listUpdates(plan)).find((u) => u.updateId === updateId)!;
    expect(update.planRevision).toBeGreaterThan(0);
    expect(await env.repository.getCommitment(plan, 'c1')).toMatchObject({ title: 'Compromís 1, reescrit', status: 'delayed' });
  });

  it('needs an admin key', async () => {
    const official = await env.addKey('batch-official', 'official', [{ planId: BATCH }]);
    const answer = await env.api(signedRequest(official, 'POST', `/api/v1/plans/${BATCH}/commitments`, { commitments: [definition(1)] }));
    expect(answer.status).toBe(403);
  });
});

describe('mandat import through the batch operation', () => {
  it('imports 1,500 commitments in a few requests, and a re-run changes nothing', async () => {
    const header = 'commitment_id,priority_number,priority_title,commitment_number,commitment_title,area,status,observations\n';
    const rows = Array.from(
      { length: 1500 },
      (_, i) =>
        `c${i + 1},${1 + Math.floor(i / 100)},Prioritat ${1 + Math.floor(i / 100)},${i + 1},Compromís ${i + 1},Àrea ${i % 15},pending,"Fase ${i + 1}: en curs"`,
    );
    writeFileSync(join(dir, 'bulk.csv'), header + rows.join('\n') + '\n');
    const args = [
      'import',
      join(dir, 'bulk.csv'),
      '--plan',
      BULK,
      '--plan-title',
      'Bulk',
      '--municipality',
      'Vila',
      '--period',
      '2023-2027',
      '--json',
    ];
    const started = performance.now();
    const first = await mandat(args);
    console.info(`imported 1,500 commitments in ${Math.round(performance.now() - started)} ms`);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { created: number; requests: number; rejected: unknown[] };
    expect(report).toMatchObject({ created: 1500, rejected: [] });
    expect(report.requests).toBeLessThan(40);
    expect(await env.repository.listCommitments(BULK)).toHaveLength(1500);
    const revision = (await env.repository.getPlan(BULK))!.revision;

    const second = await mandat(args);
    expect(JSON.parse(second.stdout)).toMatchObject({ created: 0, changed: 0, unchanged: 1500 });
    expect((await env.repository.getPlan(BULK))!.revision).toBe(revision);
  }, 120_000);
});

describe('mandat import-history (the past)', () => {
  const year = new Date().getUTCFullYear();

  it('keeps each update with its date, marked imported, in the history files and chart and in no feed; re-running changes nothing', async () => {
    await definePlan(PAST);
    const defined = await batch(PAST, { commitments: [definition(1), definition(2), definition(3)] });
    expect(defined.status).toBe(200);
    // c2 and c3 as a city's current sheet left them long ago: an imported update newer than that becomes current.
    for (const id of ['c2', 'c3']) {
      const c = (await env.repository.getCommitment(PAST, id))!;
      await env.repository.saveCommitment({
        commitment: { ...c, reportedAt: '2018-01-01T00:00:00.000Z', revision: c.revision + 1 },
        expectedRevision: c.revision,
        now: new Date().toISOString(),
      });
    }
    const official = await env.addKey('past-official', 'official', [{ planId: PAST }]);
    const live = await postUpdate(env, official, PAST, 'c1', { status: 'on_track', observations: 'Fet, en directe.' });

    const csv = [
      'commitment_id,reported_at,status,observations,links',
      'c1,2019-06-30,delayed,"Balanç de juny: endarrerit",Acta <https://example.org/acta-2019.pdf>',
      'c2,30/06/2019,Pendent,Balanç de juny,',
      'c2,2020-01-15T10:00:00+01:00,on_track,"Acabat:\n- fase 1\n- fase 2",',
      `c3,${year}-01-01,on_track,Acabat a principi d'any,`,
      'c999,2019-06-30,pending,No existeix,',
      'c1,2019-07-01,finished,Estat desconegut,',
    ].join('\n');
    writeFileSync(join(dir, 'history.csv'), csv);

    const dry = await mandat(['import-history', join(dir, 'history.csv'), '--plan', PAST, '--dry-run']);
    expect(dry.stdout).toMatch(/4 of 6 rows would be sent/);
    const held = await mandat(['import-history', join(dir, 'history.csv'), '--plan', PAST, '--all-or-nothing']);
    expect(held.code).toBe(1);
    expect(held.stdout).toMatch(/nothing sent \(--all-or-nothing\)/);
    expect(await env.repository.listUpdates(PAST)).toHaveLength(1);
    // A date that is not a date is a usage error naming it, and nothing is sent.
    writeFileSync(join(dir, 'undated.csv'), `${csv}\nc2,31/02/2019,pending,No és una data,\n`);
    const undated = await mandat(['import-history', join(dir, 'undated.csv'), '--plan', PAST]);
    expect(undated.code).toBe(2);
    expect(undated.stderr).toContain('line 10: "31/02/2019"');
    expect(await env.repository.listUpdates(PAST)).toHaveLength(1);

    const first = await mandat(['import-history', join(dir, 'history.csv'), '--plan', PAST]);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toMatch(/4 recorded, 0 already there/);
    // Row 4's observations span three lines: the rows after it start 2 lines further down.
    expect(first.stdout).toContain('line 8: commitment c999 is not in plan');
    expect(first.stdout).toContain('line 9: status "finished" is none of');

    const updates = await env.repository.listUpdates(PAST);
    expect(updates.filter((u) => u.imported)).toHaveLength(4);
    // Current state: the newest by date. c1's live update is newer than its imported past.
    expect(await env.repository.getCommitment(PAST, 'c1')).toMatchObject({ status: 'on_track', lastUpdateId: live.updateId });
    const c2 = (await env.repository.getCommitment(PAST, 'c2')) as Commitment;
    expect(c2).toMatchObject({ status: 'on_track', reportedAt: '2020-01-15T09:00:00.000Z', observations: 'Acabat:\n- fase 1\n- fase 2' });
    expect(c2.lastUpdateId).toBe(
      importedUpdateId(PAST, {
        commitmentId: 'c2',
        reportedAt: '2020-01-15T09:00:00.000Z',
        status: 'on_track',
        observations: 'Acabat:\n- fase 1\n- fase 2',
        links: [],
      }),
    );
    expect(await env.repository.getCommitment(PAST, 'c3')).toMatchObject({ status: 'on_track', reportedAt: `${year}-01-01T00:00:00.000Z` });

    await env.repository.sequenceUpdates(PAST, 'all'); // as the publisher does before it reads
    await publishPlan(PAST, deps);
    const y2019 = (await env.getObject(`plans/${PAST}/updates/2019/06.csv`))!.body;
    const header = y2019.split('\r\n')[0]!.split(',');
    expect(header.at(-1)).toBe('imported');
    expect(y2019).toContain('2019-06-30T00:00:00Z');
    expect(y2019).toContain('Balanç de juny: endarrerit');
    const rows2019 = y2019.trim().split('\r\n').slice(1);
    expect(rows2019).toHaveLength(2);
    for (const row of rows2019) expect(row.endsWith(',true')).toBe(true);
    const json2020 = JSON.parse((await env.getObject(`plans/${PAST}/updates/2020/01.json`))!.body) as {
      updates: Array<{ imported: boolean; reportedAt: string }>;
    };
    expect(json2020.updates).toMatchObject([{ imported: true, reportedAt: '2020-01-15T09:00:00.000Z' }]);
    const thisMonth = (await env.getObject(`plans/${PAST}/updates/${new Date().toISOString().slice(0, 7).replace('-', '/')}.csv`))!.body;
    expect(thisMonth).toMatch(/,false\r\n/); // the live update
    const datapackage = JSON.parse((await env.getObject(`plans/${PAST}/datapackage.json`))!.body) as {
      resources: Array<{ schema?: { fields: Array<{ name: string; type: string }> } }>;
    };
    expect(datapackage.resources.flatMap((r) => r.schema?.fields ?? []).find((f) => f.name === 'imported')).toMatchObject({
      type: 'boolean',
    });

    // No feed announces the past: not the plan's, not an area's, not a commitment's.
    const importedIds = updates.filter((u) => u.imported).map((u) => u.updateId);
    const feeds = (await env.listObjects(`plans/${PAST}/`)).filter((key) => /feed\.(rss|atom|json)$/.test(key));
    expect(feeds.length).toBeGreaterThan(6);
    for (const key of feeds) {
      const body = (await env.getObject(key))!.body;
      for (const id of importedIds) expect(body, key).not.toContain(id);
    }
    expect((await env.getObject(`plans/${PAST}/feed.rss`))!.body).toContain(live.updateId);
    // The commitment's page lists its past, dated and marked.
    const page = (await env.getObject(`plans/${PAST}/commitments/c2/index.html`))!.body;
    expect(page).toContain('(importada)');
    // The chart of this year counts c3 as on track from January on, and as it was before at the end of last year.
    const snapshot = (await loadSnapshot(PAST, deps))!;
    const timeline = statusTimeline(snapshot, ['on_track', 'not_started']);
    expect(timeline[0]!.counts[0]! + 1).toBe(timeline[1]!.counts[0]);

    const revision = (await env.repository.getPlan(PAST))!.revision;
    const again = await mandat(['import-history', join(dir, 'history.csv'), '--plan', PAST, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ recorded: 0, unchanged: 4 });
    expect((await env.repository.getPlan(PAST))!.revision).toBe(revision);
    expect(await env.repository.listUpdates(PAST)).toHaveLength(5);
  }, 120_000);

  it('reads the published updates/{YYYY}/{MM}.csv as is: a plan’s history copied into another changes nothing twice', async () => {
    const published = (await env.getObject(`plans/${PAST}/updates/2019/06.csv`))!.body;
    writeFileSync(join(dir, '2019-06.csv'), published);
    const again = await mandat(['import-history', join(dir, '2019-06.csv'), '--plan', PAST, '--json']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 2, recorded: 0, unchanged: 2 });
  }, 60_000);

  it('answers item by item through the API: future dates and unknown commitments are the item’s problem', async () => {
    const post = (body: unknown) => env.api(signedRequest(admin, 'POST', `/api/v1/plans/${PAST}/history`, body));
    const answer = await post({
      updates: [
        { commitmentId: 'c1', reportedAt: '2999-01-01T00:00:00Z', status: 'pending', observations: '' },
        { commitmentId: 'c404', reportedAt: '2019-01-01T00:00:00Z', status: 'pending', observations: '' },
        { commitmentId: 'c1', reportedAt: 'yesterday', status: 'pending', observations: '' },
      ],
    });
    expect(answer.status, answer.body).toBe(200);
    const results = (JSON.parse(answer.body) as { results: Array<{ problem: { status: number; detail: string } }> }).results;
    expect(results.map((r) => r.problem.status)).toEqual([400, 404, 400]);
    expect(results[0]!.problem.detail).toMatch(/future/);
    const before = await env.tableSnapshot();
    expect((await post({ updates: [] })).status).toBe(400);
    expect((await post({ updates: 'x' })).status).toBe(400);
    expect(await env.tableSnapshot()).toBe(before);
  });
});
