import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { publishBatch } from '#functions/publish/handler';
import { defineCommitment, definePlan } from '#shared/api/definitions';
import { DEMO_COMMITMENT, DEMO_PLAN, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import type { PublishDependencies, PublishResult } from '#shared/publish/publish';
import { historyPath } from '#shared/render/snapshot';
import { BASE_URL, createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';
import { expectSafeHtml, readCsvAgainstSchema, readRss, type SchemaField } from '#tests/support/feed-checks';
import { readStream } from '#tests/support/stream';
import { toEvent } from '../../infra/local/stream-poller.ts';

/** Texts containing this make the Markdown renderer throw: the fault injected below. */
const POISON = '☠ renderer failure ☠';

vi.mock('#shared/render/markdown', async (importOriginal) => {
  const actual = await importOriginal<typeof import('#shared/render/markdown')>();
  const failing =
    <F extends (text: string) => string>(render: F) =>
    (text: string) => {
      if (text.includes(POISON)) throw new RangeError('injected renderer failure');
      return render(text);
    };
  return { ...actual, markdownToHtml: failing(actual.markdownToHtml), markdownToText: failing(actual.markdownToText) };
});

const NOW = new Date();
const PLAN = `plans/${DEMO_PLAN_ID}/`;
const HISTORY_CSV = historyPath(NOW.toISOString().slice(0, 7), 'csv');

let env: TestEnvironment;
let deps: PublishDependencies;
let official: TestKey;
const seen = new Set<string>();

/** Every stream record written since the last call, in order, as Lambda would receive them. */
const newStreamRecords = () => readStream(env, seen);

/** The stream's new records through the publish step, as Lambda would hand them over; nothing may fail. */
async function publishStream(): Promise<PublishResult> {
  const outcome = await publishBatch(toEvent(await newStreamRecords(), env.streamArn), deps);
  expect(outcome.failedSequences).toEqual([]);
  return outcome.plans.find((p) => p.planId === DEMO_PLAN_ID)!;
}

async function post(commitmentId: string, observations: string): Promise<string> {
  const body = { status: 'delayed', observations };
  const response = await env.api(signedRequest(official, 'POST', updatePath(DEMO_PLAN_ID, commitmentId), body));
  expect(response.status, response.body.slice(0, 500)).toBe(201);
  return (JSON.parse(response.body) as { updateId: string }).updateId;
}

async function rssItems() {
  return readRss((await env.getObject(`${PLAN}feed.rss`))!.body).items;
}

async function updatesCsvRows() {
  const datapackage = JSON.parse((await env.getObject(`${PLAN}datapackage.json`))!.body) as {
    resources: Array<{ path: string; schema: { fields: SchemaField[] } }>;
  };
  const resource = datapackage.resources.find((r) => r.path === HISTORY_CSV)!;
  return readCsvAgainstSchema((await env.getObject(`${PLAN}${HISTORY_CSV}`))!.body, resource.schema).rows;
}

beforeAll(async () => {
  env = await createTestEnvironment({ now: () => NOW });
  deps = { repository: env.repository, store: env.store, baseUrl: BASE_URL };
  await definePlan(env.repository, DEMO_PLAN_ID, DEMO_PLAN, { now: NOW });
  await defineCommitment(env.repository, DEMO_PLAN_ID, 'c4', DEMO_COMMITMENT, { now: NOW });
  await defineCommitment(
    env.repository,
    DEMO_PLAN_ID,
    'c5',
    { ...DEMO_COMMITMENT, number: 5, title: 'Impulsarem el comerç de proximitat', status: 'pending', observations: '' },
    { now: NOW },
  );
  official = await env.addKey('official', 'official', [{ planId: DEMO_PLAN_ID }]);
  await publishStream();
}, 120_000);
afterAll(() => env.destroy());

describe('an adversarial observation does not hold up its plan (H1)', () => {
  it.each([
    ['the 6 KB text of the report', '![a]('.repeat(1_200)],
    ['the same at the 20,000-character limit', '![a]('.repeat(4_000)],
    ['unclosed links at the limit', '[a](<b'.repeat(3_333)],
  ])('%s: published, and a later update of another commitment too', async (_name, hostile) => {
    const hostileId = await post('c4', hostile);
    await publishStream();
    const normal = `Reunió amb els comerciants el ${NOW.toISOString().slice(0, 10)}: **acord** signat.`;
    const normalId = await post('c5', normal);
    await publishStream();

    const items = await rssItems();
    expect(items.map((item) => item.id)).toEqual(expect.arrayContaining([hostileId, normalId]));
    const normalItem = items.find((item) => item.id === normalId)!;
    expect(normalItem.html).toContain('<strong>acord</strong>');
    expectSafeHtml(items.find((item) => item.id === hostileId)!.html);
    const rows = await updatesCsvRows();
    expect(rows.find((row) => row.update_id === hostileId)?.observations).toBe(hostile);
    expect(rows.find((row) => row.update_id === normalId)?.observations).toContain('acord signat');
  });
});

describe('a text the renderer fails on', () => {
  it('is published as escaped plain text and reported, and another commitment’s update is published in the same batch', async () => {
    const poisoned = `${POISON}\n<b>no és HTML</b> & **no és Markdown**`;
    const poisonedId = await post('c4', poisoned);
    const normalId = await post('c5', 'Tot **segons el previst**.');
    const result = await publishStream();

    // Reported for the logs and the metric: which update, which output, what failed.
    expect(result.renderFallbacks).toEqual(
      expect.arrayContaining([
        { subject: `update ${poisonedId}`, format: 'html', error: 'injected renderer failure' },
        { subject: `update ${poisonedId}`, format: 'text', error: 'injected renderer failure' },
      ]),
    );
    const items = await rssItems();
    const poisonedItem = items.find((item) => item.id === poisonedId)!;
    expect(poisonedItem.html).toContain('&lt;b&gt;no és HTML&lt;/b&gt; &amp; **no és Markdown**');
    expectSafeHtml(poisonedItem.html);
    expect(items.find((item) => item.id === normalId)!.html).toContain('<strong>segons el previst</strong>');
    const rows = await updatesCsvRows();
    expect(rows.find((row) => row.update_id === poisonedId)?.observations).toBe(poisoned);
    const page = (await env.getObject(`${PLAN}commitments/c4/index.html`))!.body;
    expect(page).toContain('&lt;b&gt;no és HTML&lt;/b&gt;');

    // The next publish of the plan is not stuck on it either.
    const laterId = await post('c5', 'Següent pas.');
    await publishStream();
    expect((await rssItems()).map((item) => item.id)).toContain(laterId);
  });
});
