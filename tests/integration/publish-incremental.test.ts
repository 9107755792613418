/**
 * A publish after a change reads the plan's newest updates, the touched commitments' and areas'
 * (local indexes) and the touched months, not the whole history. These tests build a history long
 * enough for that path to be taken, change it the ways officials and admins do (an update now, a
 * backdated one, a commitment moved to another area, an area left with history only), publish
 * incrementally after each change, and check every object of the plan against a full render of
 * the table (`mandat verify`'s comparison) on DynamoDB Local and the S3 server.
 */

import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCommitment, definePlan } from '#shared/api/definitions';
import { DEMO_PLAN } from '#shared/domain/demo-plan';
import { type HistoryScope, summarizeHistory } from '#shared/domain/history';
import { type PublishResult, publishPlan, SNAPSHOT_MAX_AGE } from '#shared/publish/publish';
import { FEED_ITEM_LIMIT, historyPath, pagePaths } from '#shared/render/snapshot';
import type { Artifact } from '#shared/store/artifacts';
import { createDynamoClient } from '#shared/store/dynamo/client';
import type { PlanReader } from '#shared/store/plans';
import { createTestEnvironment, postUpdate, REGION, type TestEnvironment, type TestKey } from '#tests/support/environment';
import { definePlanWithCommitments, STATUSES, verifyBucket } from '#tests/support/reliability';

const PLAN = 'long-history';
const HISTORY = 800;
let env: TestEnvironment;
let official: TestKey;
let since = 0;

async function post(commitmentId: string, status: string, reportedAt?: string): Promise<string> {
  const body = { status, observations: `Estat ${status} (${reportedAt ?? 'ara'}).`, ...(reportedAt ? { reportedAt } : {}) };
  return (await postUpdate(env, official, PLAN, commitmentId, body)).updateId;
}

/** As the stream handler calls it after a batch: its own hint empty, the rest told by the table since the last publish. */
async function publishIncrementally(): Promise<PublishResult> {
  return (await publishOffering()).result;
}

/** The same, keeping every artifact the store was offered (marked `changed` or to compare). */
async function publishOffering(): Promise<{ result: PublishResult; offered: Artifact[] }> {
  const offered: Artifact[] = [];
  const recording = {
    write: (prefix: string, artifacts: Artifact[]) => {
      offered.push(...artifacts);
      return env.store.write(prefix, artifacts);
    },
  };
  // The publisher's first step under its lease: the accepted updates get their plan revisions.
  await env.repository.sequenceUpdates(PLAN, 'all');
  const result = await publishPlan(
    PLAN,
    { repository: env.repository, store: recording, baseUrl: 'https://mandat.example.org' },
    { changed: { commitmentIds: [], years: [] }, since },
  );
  since = result!.revision;
  return { result: result!, offered };
}

const P = `plans/${PLAN}/`;
const LIST = /\/(statuses|priorities)\//;

/** A priority's row in the published summary's "priority × status" table: its counts, in the plan's status order, then the total. */
async function summaryCounts(priority: number): Promise<number[]> {
  const summary = (await env.getObject(`${P}index.html`))!.body;
  const table = /<section aria-labelledby="priorities-heading">[\s\S]*?<\/section>/.exec(summary)![0];
  const row = new RegExp(`<a href="priorities/${priority}/index.html">[^<]*</a></th>(.*?)</tr>`).exec(table)![1]!;
  return [...row.matchAll(/<td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));
}
/** The status and priority lists among these artifacts (all, or those marked changed), as full keys. */
const listsOf = (artifacts: Artifact[], marked?: boolean) =>
  artifacts
    .filter((a) => LIST.test(a.key) && (marked === undefined || !!a.changed === marked))
    .map((a) => a.key)
    .sort();
const keysOf = (paths: Iterable<string>) => [...new Set(paths)].map((path) => P + path).sort();

async function expectBucketEqualsTable() {
  const report = await verifyBucket(env, [PLAN]);
  expect(report.plans[0], JSON.stringify(report.plans[0])).toMatchObject({ missing: [], different: [], extra: [] });
}

beforeAll(async () => {
  env = await createTestEnvironment();
  await definePlanWithCommitments(env.repository, PLAN, 4);
  official = await env.addKey('long-history-official', 'official', [{ planId: PLAN }]);
  const statuses = ['pending', 'delayed', 'on_track', 'not_started'];
  const from = Date.UTC(2023, 0, 1);
  const span = Date.UTC(2025, 11, 31) - from;
  for (let i = 0; i < HISTORY; i++) {
    // Spread evenly over three years (golden-ratio steps), in no particular order of reportedAt.
    const reportedAt = new Date(from + ((i * 0.6180339887498949) % 1) * span).toISOString();
    await post(`c${1 + (i % 4)}`, statuses[i % 4]!, reportedAt);
  }
  await env.repository.sequenceUpdates(PLAN, 'all');
  const full = await publishPlan(PLAN, { repository: env.repository, store: env.store, baseUrl: 'https://mandat.example.org' });
  since = full!.revision;
  expect(full!.updatesRead).toBe(HISTORY);
}, 180_000);
afterAll(async () => {
  await env?.destroy();
});

describe('incremental publish', () => {
  it('after an update now, reads a fraction of the history and leaves every file equal to a full render', async () => {
    await post('c1', 'on_track');
    const result = await publishIncrementally();
    // The newest 100 of the plan, of c1 and of its area, and this month's history: the one update.
    expect(result.updatesRead).toBe(3 * FEED_ITEM_LIMIT + 1);
    expect(result.written).toEqual(expect.arrayContaining([`plans/${PLAN}/commitments/c1/feed.atom`]));
    const month = new Date().toISOString().slice(0, 7);
    expect(result.written.filter((key) => key.includes('/updates/')).sort()).toEqual([
      `plans/${PLAN}/${historyPath(month, 'csv')}`,
      `plans/${PLAN}/${historyPath(month, 'json')}`,
    ]);
    await expectBucketEqualsTable();
  });

  it('after a status change now, asks the store only about the files its change leaves uncertain, and renders only the lists it can reach', async () => {
    const before = (await env.repository.getCommitment(PLAN, 'c4'))!;
    const priorityList = P + pagePaths.priority(before.priority.number);
    const [listBefore, countsBefore] = [await env.getObject(priorityList), await summaryCounts(before.priority.number)];
    await post('c4', before.status === 'delayed' ? 'on_track' : 'delayed');
    const after = (await env.repository.getCommitment(PLAN, 'c4'))!;
    const { result, offered } = await publishOffering();
    const area = `${P}areas/${after.areaSlug}/`;
    const month = new Date().toISOString().slice(0, 7);
    // The status lists it moved between: certainly changed, like the summary page, which shows it first.
    const lists = keysOf([pagePaths.status(before.status), pagePaths.status(after.status)]);
    const marked = offered.filter((a) => a.changed).map((a) => a.key);
    expect(marked.sort()).toEqual(
      [
        ...['commitments.csv', 'commitments.json', 'commitments.xlsx'],
        ...['feed.rss', 'feed.atom', 'feed.json', 'index.html'],
        ...['commitments/c4/feed.atom', 'commitments/c4/index.html'],
      ]
        .map((key) => P + key)
        .concat(
          ['feed.atom', 'index.html'].map((file) => area + file),
          lists,
        )
        .sort(),
    );
    // Whether these changed is not known from the update: the store compares them.
    expect(offered.filter((a) => !a.changed).map((a) => a.key)).toEqual(
      expect.arrayContaining([`${P}datapackage.json`, `${P}README.md`, `${P}${historyPath(month, 'csv')}`]),
    );
    // No other list: none holds c4's row, before or after; its priority's shows no status.
    expect(listsOf(offered)).toEqual(lists);
    expect(result.written).toEqual(expect.arrayContaining(lists));
    await expectBucketEqualsTable();
    // What a reader sees: the priority list as it was (same bytes, same ETag); the summary counts c4 in its new status.
    expect(await env.getObject(priorityList)).toEqual(listBefore);
    expect(listBefore!.body).not.toContain('class="badge');
    const { statuses } = (await env.repository.getPlan(PLAN))!;
    const column = (code: string) => statuses.findIndex((st) => st.code === code);
    const countsAfter = [...countsBefore];
    countsAfter[column(before.status)]! -= 1;
    countsAfter[column(after.status)]! += 1;
    expect(await summaryCounts(before.priority.number)).toEqual(countsAfter);
  });

  it('after a backdated update, rewrites that month only and the feeds that list it', async () => {
    await post('c2', 'delayed', '2023-03-01T10:00:00.000Z');
    const result = await publishIncrementally();
    const inMarch = (await env.repository.listUpdates(PLAN, { month: '2023-03' })).length;
    const in2023 = (await env.repository.listUpdates(PLAN, { year: 2023 })).length;
    expect(inMarch).toBeLessThan(in2023 / 4);
    // Not the rest of 2023, nor this year: the status-over-time chart draws from the summary's monthly moves.
    expect(result.updatesRead).toBe(3 * FEED_ITEM_LIMIT + inMarch);
    expect(result.written.filter((key) => key.includes('/updates/')).sort()).toEqual([
      `plans/${PLAN}/updates/2023/03.csv`,
      `plans/${PLAN}/updates/2023/03.json`,
    ]);
    await expectBucketEqualsTable();
  });

  it('keeps the monthly summary in the update transaction exactly as the history counts it (counts, revisions, status moves)', async () => {
    const { history } = (await env.repository.getPlanHistory(PLAN))!;
    const counted = summarizeHistory(await env.repository.listUpdates(PLAN));
    expect(history!.months).toEqual(counted.months);
    expect(history!.years).toEqual(counted.years);
  });

  it('keeps an area whose commitments all moved away, with its history, named as its updates name it', async () => {
    const now = new Date();
    for (const id of ['c1', 'c3']) {
      const current = (await env.repository.getCommitment(PLAN, id))!;
      await defineCommitment(
        env.repository,
        PLAN,
        id,
        { number: current.number, title: current.title, priority: current.priority, area: 'Àrea Nova' },
        { now },
      );
    }
    await post('c3', 'pending');
    const result = await publishIncrementally();
    expect(result.updatesRead).toBeLessThan(HISTORY);
    await expectBucketEqualsTable();

    const left = await env.getObject(`plans/${PLAN}/areas/area-de-serveis/feed.atom`);
    const feed = new XMLParser().parse(left!.body).feed;
    expect(feed.title).toContain('Àrea de Serveis');
    expect([feed.entry].flat()).toHaveLength(100);
    const moved = await env.getObject(`plans/${PLAN}/areas/area-nova/feed.atom`);
    expect([new XMLParser().parse(moved!.body).feed.entry].flat()).toHaveLength(1);
  });

  it('keeps the history summary when an admin redefines the plan', async () => {
    const plan = (await env.repository.getPlan(PLAN))!;
    await definePlan(env.repository, PLAN, { ...DEMO_PLAN, title: 'Pla redefinit' }, { now: new Date() });
    expect((await env.repository.getPlan(PLAN))!.revision).toBe(plan.revision + 1);
    const { history } = (await env.repository.getPlanHistory(PLAN))!;
    const counted = [...history!.years.values()].reduce((sum, year) => sum + year.count, 0);
    expect(counted).toBe((await env.repository.listUpdates(PLAN)).length);
    await publishIncrementally(); // a metadata change: everything, from the whole history
    await post('c4', 'on_track');
    expect((await publishIncrementally()).updatesRead).toBeLessThan(HISTORY);
    await expectBucketEqualsTable();
  });

  it('cuts the newest updates exactly where several share one instant (the feed order breaks ties by revision)', async () => {
    const instant = '2024-06-01T12:00:00.000Z';
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await post('c2', 'pending', instant));
    await env.repository.sequenceUpdates(PLAN, 'all');
    const latest = await env.repository.latestUpdates(PLAN, { commitmentId: 'c2' }, 2);
    const sameInstant = (await env.repository.listUpdates(PLAN, { year: 2024 })).filter((u) => u.reportedAt === instant);
    expect(sameInstant).toHaveLength(3);
    // reportedAt of the other c2 updates is earlier or later; the ones at the instant come in revision order.
    const window = await env.repository.latestUpdates(PLAN, { commitmentId: 'c2' }, FEED_ITEM_LIMIT);
    const positions = ids.map((id) => window.findIndex((u) => u.updateId === id));
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    expect(latest).toEqual(window.slice(0, 2));
  });

  it('stays equal to a full render over a run of mixed changes published in batches', async () => {
    const years = ['2023', '2024', '2025'];
    for (let step = 0; step < 6; step++) {
      for (let k = 0; k <= step % 3; k++) {
        const backdated = (step + k) % 2 === 0 ? `${years[(step + k) % 3]}-0${1 + k}-1${step}T08:00:00.000Z` : undefined;
        await post(`c${1 + ((step + k) % 4)}`, ['pending', 'delayed', 'on_track'][(step + k) % 3]!, backdated);
      }
      await publishIncrementally();
      await expectBucketEqualsTable();
    }
  });
});

describe('only the lists a round can reach: the status lists its updates reach, the priority lists after a definition', () => {
  const current = async (id: string) => (await env.repository.getCommitment(PLAN, id))!;
  const other = (...statuses: string[]) => STATUSES.find((s) => !statuses.includes(s))!;
  const allLists = async () => (await env.listObjects(P)).filter((key) => LIST.test(key)).sort();

  it('after an update that keeps the status: its status list, compared', async () => {
    const c1 = await current('c1');
    await post('c1', c1.status);
    const { offered } = await publishOffering();
    expect(listsOf(offered)).toEqual(keysOf([pagePaths.status(c1.status)]));
    expect(listsOf(offered, true)).toEqual([]);
    // The other lists were not rendered: still equal to a full render.
    expect((await allLists()).length).toBeGreaterThan(2);
    await expectBucketEqualsTable();
  });

  it('after several updates in one round: the status lists each moved through, marked where a commitment ends in another status', async () => {
    const [c1, c2, c3] = [await current('c1'), await current('c2'), await current('c3')];
    // c1 leaves its status and comes back; c2 moves once; c3 moves twice.
    const away = other(c1.status);
    await post('c1', away);
    await post('c1', c1.status);
    const moved = other(c2.status);
    await post('c2', moved);
    const [first, second] = [other(c3.status), other(c3.status, other(c3.status))];
    await post('c3', first);
    await post('c3', second);
    const { offered } = await publishOffering();
    const status = pagePaths.status;
    expect(listsOf(offered)).toEqual(
      keysOf([status(c1.status), status(away), status(c2.status), status(moved)])
        .concat(keysOf([status(c3.status), status(first), status(second)]))
        .filter((key, i, all) => all.indexOf(key) === i)
        .sort(),
    );
    expect(listsOf(offered, true)).toEqual(keysOf([status(c2.status), status(moved), status(c3.status), status(second)]));
    await expectBucketEqualsTable();
  });

  it('after a backdated update: every list when it lies beyond the newest updates read, only its reach when among them', async () => {
    const c2 = await current('c2');
    await post('c2', other(c2.status), '2023-04-04T10:00:00.000Z');
    const long = await publishOffering();
    // Whether a definition came too cannot be told: the priority lists are compared too, and keep their bytes.
    expect(listsOf(long.offered)).toEqual(await allLists());
    expect(long.result.written.filter((key) => key.includes('/priorities/'))).toEqual([]);
    expect(listsOf(long.offered, true)).toEqual([]);
    // Not the plan's newest update: the summary page is compared.
    expect(long.offered.find((a) => a.key === `${P}index.html`)!.changed).toBeFalsy();
    await expectBucketEqualsTable();

    // An hour ago: older than this run's updates, newer than the long history, so among the plan's newest.
    const now = await current('c2');
    const back = other(now.status);
    await post('c2', back, new Date(Date.now() - 3_600_000).toISOString());
    const recent = await publishOffering();
    const lists = keysOf([pagePaths.status(now.status), pagePaths.status(back)]);
    expect(listsOf(recent.offered)).toEqual(lists);
    expect(listsOf(recent.offered, true)).toEqual(lists);
    expect(recent.offered.find((a) => a.key === `${P}index.html`)!.changed).toBeFalsy();
    await expectBucketEqualsTable();
  });

  it('after a definition in the round (a commitment moved to another priority): every list, compared', async () => {
    const c3 = await current('c3');
    const priority = { number: 3, title: 'Priority 3' };
    await defineCommitment(
      env.repository,
      PLAN,
      'c3',
      { number: c3.number, title: c3.title, priority, area: c3.area },
      { now: new Date() },
    );
    const c4 = await current('c4');
    await post('c4', other(c4.status));
    const { offered } = await publishOffering();
    const lists = await allLists();
    expect(lists).toContain(`${P}${pagePaths.priority(3)}`);
    expect(listsOf(offered)).toEqual(lists);
    expect(listsOf(offered, true)).toEqual([]);
    await expectBucketEqualsTable();
  });
});

describe('the previous snapshot instead of every commitment', () => {
  /** The repository, counting the commitments each publish reads. */
  function countingReader() {
    const counts = { listed: 0, byKey: [] as string[], windows: [] as string[] };
    const reader = {
      getPlan: env.repository.getPlan.bind(env.repository),
      getPlanHistory: env.repository.getPlanHistory.bind(env.repository),
      listUpdates: env.repository.listUpdates.bind(env.repository),
      // "plan 17", "area serveis 100", "commitment c1 100": the newest updates read, of what, how many at most.
      latestUpdates: (planId: string, scope: HistoryScope, limit: number) => {
        const of = !scope ? 'plan' : 'areaSlug' in scope ? `area ${scope.areaSlug}` : `commitment ${scope.commitmentId}`;
        counts.windows.push(`${of} ${limit}`);
        return env.repository.latestUpdates(planId, scope, limit);
      },
      listCommitments: (planId: string) => {
        counts.listed++;
        return env.repository.listCommitments(planId);
      },
      getCommitment: (planId: string, commitmentId: string) => {
        counts.byKey.push(commitmentId);
        return env.repository.getCommitment(planId, commitmentId);
      },
    };
    return { reader, counts };
  }

  async function publishWithSnapshot(
    reader: PlanReader = env.repository,
    how: 'changed' | 'everything' = 'changed',
  ): Promise<PublishResult> {
    await env.repository.sequenceUpdates(PLAN, 'all');
    const result = await publishPlan(
      PLAN,
      { repository: reader, store: env.store, snapshots: env.store, baseUrl: 'https://mandat.example.org' },
      how === 'everything' ? {} : { changed: { commitmentIds: [], years: [] }, since, reads: 'changed' },
    );
    since = result!.revision;
    return result!;
  }

  it('reads only the commitments updated since, and renders what a full read renders', async () => {
    await publishWithSnapshot(); // reads everything once, and keeps the snapshot
    await post('c3', 'delayed');
    await post('c1', 'pending');
    const { reader, counts } = countingReader();
    await publishWithSnapshot(reader);
    expect(counts.listed).toBe(0);
    expect(counts.byKey.sort()).toEqual(['c1', 'c3']);
    await expectBucketEqualsTable();

    // An update reported long ago falls outside the newest updates: the revisions cannot all be told apart, so everything is read.
    await post('c2', 'on_track', '2023-02-02T10:00:00.000Z');
    const backdated = countingReader();
    await publishWithSnapshot(backdated.reader);
    expect(backdated.counts.listed).toBe(1);
    await expectBucketEqualsTable();
  });

  it(`builds upon a snapshot up to ${SNAPSHOT_MAX_AGE} revisions old, and writes a new one only then; the feeds' windows are moved on, not read`, async () => {
    // Everything read: a snapshot of the published revision, with every area's window.
    await publishWithSnapshot(env.repository, 'everything');
    const snapshotRevision = async () =>
      (JSON.parse((await env.getObject(`snapshots/${PLAN}.json`))!.body) as { revision: number }).revision;
    const base = await snapshotRevision();
    expect(base).toBe(since);
    const read: string[] = [];
    for (let i = 1; i <= SNAPSHOT_MAX_AGE; i++) {
      const commitmentId = `c${1 + (i % 4)}`;
      await post(commitmentId, ['pending', 'delayed', 'on_track'][i % 3]!);
      const { reader, counts } = countingReader();
      await publishWithSnapshot(reader);
      expect(counts.listed).toBe(0);
      // The updates ordered since the snapshot (one per round, i of them) are among the newest
      // read, never the plan's or an area's whole window: only the commitment's own is read.
      expect(counts.windows).toEqual([`plan ${1 + SNAPSHOT_MAX_AGE}`, `commitment ${commitmentId} ${FEED_ITEM_LIMIT}`]);
      read.push(...counts.byKey);
      // Every round renders the table's state, though the snapshot it built upon is older than the last published revision.
      await expectBucketEqualsTable();
      expect(await snapshotRevision()).toBe(i < SNAPSHOT_MAX_AGE ? base : since);
    }
    // Each round read the commitments changed since the snapshot, by key: never more than the plan's four.
    expect(new Set(read)).toEqual(new Set(['c1', 'c2', 'c3', 'c4']));
  });

  it('reads every commitment when a revision is not an update (a definition), or the snapshot is not of the published revision', async () => {
    await publishWithSnapshot();
    await defineCommitment(
      env.repository,
      PLAN,
      'c2',
      { number: 2, title: 'Compromís 2, reescrit', priority: { number: 1, title: 'Priority 1' }, area: 'Àrea de Serveis' },
      { now: new Date() },
    );
    const definition = countingReader();
    await publishWithSnapshot(definition.reader);
    expect(definition.counts.listed).toBe(1);
    await expectBucketEqualsTable();

    // A snapshot left by a round that never got recorded (another revision) is not built upon.
    await post('c4', 'on_track');
    await env.store.write('snapshots/', [
      {
        key: `snapshots/${PLAN}.json`,
        body: JSON.stringify({ planId: PLAN, revision: since + 7, commitments: [] }),
        contentType: 'application/json',
        cacheControl: 'no-cache',
      },
    ]);
    const stale = countingReader();
    await publishWithSnapshot(stale.reader);
    expect(stale.counts.listed).toBe(1);
    await expectBucketEqualsTable();
  });

  it('builds upon the commitments of a snapshot whose windows are not as kept (another version, edited by hand), reading the windows again', async () => {
    await publishWithSnapshot(env.repository, 'everything');
    const key = `snapshots/${PLAN}.json`;
    const kept = JSON.parse((await env.getObject(key))!.body) as { windows: { areas: Record<string, unknown> } };
    for (const slug of Object.keys(kept.windows.areas)) kept.windows.areas[slug] = 'not a window';
    await env.store.write('snapshots/', [{ key, body: JSON.stringify(kept), contentType: 'application/json', cacheControl: 'no-cache' }]);
    await post('c2', 'delayed');
    const { reader, counts } = countingReader();
    await publishWithSnapshot(reader);
    expect(counts.listed).toBe(0);
    await expectBucketEqualsTable();
    // The windows read again are kept in a new snapshot, as they are.
    const renewed = JSON.parse((await env.getObject(key))!.body) as { revision: number; windows: { areas: Record<string, unknown> } };
    expect(renewed.revision).toBe(since);
    expect(Object.values(renewed.windows.areas).every(Array.isArray)).toBe(true);
  });

  it('catches up by itself after an upgrade: a snapshot of an earlier layout makes one round compare every list, then rounds leave the priority lists alone', async () => {
    await publishWithSnapshot(env.repository, 'everything');
    const key = `snapshots/${PLAN}.json`;
    // As an earlier version left the bucket: its snapshot has no layout, and a priority list
    // still shows the status column (any other bytes than this version renders).
    const kept = JSON.parse((await env.getObject(key))!.body) as { layout?: number };
    expect(kept.layout).toBe(2);
    delete kept.layout;
    await env.store.write('snapshots/', [{ key, body: JSON.stringify(kept), contentType: 'application/json', cacheControl: 'no-cache' }]);
    const list = `${P}${pagePaths.priority(1)}`;
    const current = (await env.getObject(list))!;
    const earlier = current.body.replace('</table>', '<!-- an earlier version: a status column --></table>');
    await env.store.write(P, [{ key: list, body: earlier, contentType: current.contentType!, cacheControl: 'no-cache' }]);

    await post('c1', 'delayed');
    const upgraded = await publishWithSnapshot();
    const rendered = (result: PublishResult) => [...result.written, ...result.skipped].filter((k) => k.includes('/priorities/'));
    expect(upgraded.written).toContain(list);
    expect(rendered(upgraded).length).toBeGreaterThan(0);
    await expectBucketEqualsTable();
    expect((JSON.parse((await env.getObject(key))!.body) as { layout?: number }).layout).toBe(2);

    await post('c1', 'on_track');
    const next = await publishWithSnapshot();
    expect(rendered(next)).toEqual([]);
    await expectBucketEqualsTable();
  });

  /** An admin's definition moving a commitment to the plan's other area; its state before. */
  async function moveToTheOtherArea(commitmentId: string) {
    const before = (await env.repository.getCommitment(PLAN, commitmentId))!;
    const area = before.area === 'Àrea de Serveis' ? 'Àrea de Territori' : 'Àrea de Serveis';
    const { number, title, priority } = before;
    await defineCommitment(env.repository, PLAN, commitmentId, { number, title, priority, area }, { now: new Date() });
    return before;
  }

  it('re-renders the area a commitment left when an update follows the move before a publish (the update no longer names that area)', async () => {
    await publishWithSnapshot(env.repository, 'everything');
    const c4 = await moveToTheOtherArea('c4');
    // Published by a round that the move's own stream record has not reached yet: only the table tells.
    await post('c4', 'on_track');
    await publishWithSnapshot();
    await expectBucketEqualsTable();
    const left = await env.getObject(`${P}areas/${c4.areaSlug}/index.html`);
    expect(left!.body).not.toContain('commitments/c4/');
  });

  it("moves the feeds' windows on across a commitment moved to another area, and reads them again after an update put far into the past", async () => {
    await publishWithSnapshot(env.repository, 'everything');
    const windowsRead = (counts: { windows: string[] }) => counts.windows.filter((w) => !w.startsWith('commitment '));
    /** A round that reads neither the plan's window nor an area's, only the plan's newest few; its files as a full render's. */
    const publishMovingTheWindows = async () => {
      const { reader, counts } = countingReader();
      await publishWithSnapshot(reader);
      expect(windowsRead(counts)).toEqual([expect.stringMatching(/^plan \d+$/)]);
      expect(windowsRead(counts)[0]).not.toBe(`plan ${FEED_ITEM_LIMIT}`);
      await expectBucketEqualsTable();
    };
    await moveToTheOtherArea('c2');
    // A definition is no update: the history's count says none was ordered since, and no window is read.
    await publishMovingTheWindows();
    // Its first update in the new area: both areas' windows moved on, none read.
    await post('c2', 'delayed');
    await publishMovingTheWindows();

    // Reported long ago: not among the newest updates, so the plan's window and the areas' touched are read whole.
    await post('c1', 'on_track', '2023-03-03T10:00:00.000Z');
    const past = countingReader();
    await publishWithSnapshot(past.reader);
    expect(windowsRead(past.counts)).toContain(`plan ${FEED_ITEM_LIMIT}`);
    expect(windowsRead(past.counts).filter((w) => w.startsWith('area '))).not.toEqual([]);
    await expectBucketEqualsTable();

    // The snapshot kept what was read, every area's: the next update now, in the other area, reads no window again.
    await post('c2', 'pending');
    await publishMovingTheWindows();

    // Reported a little in the past: below the newest few read first, within the plan's window,
    // which is then read and holds it; the areas' windows are still moved on.
    const thirtieth = (await env.repository.latestUpdates(PLAN, undefined, 30)).at(-1)!;
    await post('c3', 'delayed', new Date(Date.parse(thirtieth.reportedAt) - 1000).toISOString());
    const recent = countingReader();
    await publishWithSnapshot(recent.reader);
    expect(windowsRead(recent.counts)).toEqual([expect.stringMatching(/^plan \d+$/), `plan ${FEED_ITEM_LIMIT}`]);
    await expectBucketEqualsTable();
  });
});

// Last: it leaves the plan item without its monthly summary, as an item written before it existed.
describe('a plan item from before the monthly summary', () => {
  it('reads the whole history while the plan item predates the monthly summary, and stays equal to a full render', async () => {
    const { history } = (await env.repository.getPlanHistory(PLAN))!;
    const doc = createDynamoClient({ region: REGION, dynamodbEndpoint: env.dynamodbEndpoint });
    for (const month of history!.months!.keys()) {
      await doc.send(new DeleteCommand({ TableName: env.tableName, Key: { PK: `PLAN#${PLAN}`, SK: `HISTORY#${month}` } }));
    }
    expect((await env.repository.getPlanHistory(PLAN))!.history).toBeUndefined();
    await post('c3', 'on_track');
    const total = (await env.repository.listUpdates(PLAN)).length;
    expect((await publishIncrementally()).updatesRead).toBe(total);
    await expectBucketEqualsTable();
    // The next updates count their own months only: the summary stays incomplete, the reads whole.
    await post('c3', 'pending');
    expect((await env.repository.getPlanHistory(PLAN))!.history).toBeUndefined();
  });
});
