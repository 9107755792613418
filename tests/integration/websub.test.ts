/**
 * WebSub: after a publish round the publisher tells each configured hub, once per feed whose
 * bytes changed, that the topic changed (`hub.mode=publish`, `hub.url=<topic>`). Hubs here are
 * real HTTP servers started by the test that record every ping; the plan is published on
 * DynamoDB Local and the S3 server through the same use case the stream handler runs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCommitment } from '#shared/api/definitions';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import type { PlanChanges } from '#shared/domain/plan-changes';
import { PublishCoordinator } from '#shared/publish/coordinator';
import { type ChangesOutcome, publishChanges } from '#shared/publish/publish-changes';
import { httpHubNotifier } from '#shared/publish/websub-http';
import { BASE_URL, createTestEnvironment, signedRequest, type TestEnvironment, type TestKey, updatePath } from '#tests/support/environment';
import { readAtom, readJsonFeed, readRss } from '#tests/support/feed-checks';

interface Ping {
  contentType?: string;
  mode: string | null;
  url: string | null;
}

interface Hub {
  url: string;
  pings: Ping[];
  server: Server;
}

/** A hub that records pings and answers 204, or misbehaves as told. */
async function startHub(behaviour: 'ok' | 'error' | 'hang' = 'ok'): Promise<Hub> {
  const pings: Ping[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const form = new URLSearchParams(body);
      pings.push({ contentType: request.headers['content-type'], mode: form.get('hub.mode'), url: form.get('hub.url') });
      if (behaviour === 'hang') return; // never answers: the publisher's deadline must end it
      response.writeHead(behaviour === 'ok' ? 204 : 500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`, pings, server };
}

const stopHub = (hub: Hub) =>
  new Promise<void>((resolve) => {
    hub.server.closeAllConnections();
    hub.server.close(() => resolve());
  });

let env: TestEnvironment;
let official: TestKey;
let hubA: Hub;
let hubB: Hub;
const PLAN_PREFIX = `${BASE_URL}/plans/${DEMO_PLAN_ID}/`;
const AREA = 'desenvolupament-economic-industria-i-ocupacio';

const changes = (over: Partial<PlanChanges>): Map<string, PlanChanges> =>
  new Map([[DEMO_PLAN_ID, { full: false, commitmentIds: new Set(), areaSlugs: new Set(), years: new Set(), sequences: ['1'], ...over }]]);

function publish(touched: Map<string, PlanChanges>, hubs: Hub[], pingTimeoutMs?: number): Promise<ChangesOutcome> {
  return publishChanges(touched, {
    repository: env.repository,
    store: env.store,
    baseUrl: BASE_URL,
    hubs: hubs.map((h) => h.url),
    notifier: httpHubNotifier,
    pingTimeoutMs,
    coordinator: new PublishCoordinator({ repository: env.repository, store: env.store }),
  });
}

const pinged = (hub: Hub) => hub.pings.map((p) => p.url!).sort();

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  // A second commitment in another area: its feeds must stay quiet when c4 changes.
  await defineCommitment(
    env.repository,
    DEMO_PLAN_ID,
    'c12',
    { number: 12, title: 'Millorarem la mobilitat', priority: { number: 2, title: 'Ciutat sostenible' }, area: 'Territori' },
    { now: new Date() },
  );
  official = await env.addKey('websub-official', 'official', [{ planId: DEMO_PLAN_ID }]);
  [hubA, hubB] = await Promise.all([startHub(), startHub()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([hubA, hubB].filter(Boolean).map(stopHub));
  await env?.destroy();
});

describe('WebSub publishing', () => {
  it('the first publish pings each hub once per feed written, as a form-encoded hub.mode=publish', async () => {
    const outcome = await publish(changes({ full: true }), [hubA, hubB]);
    const feeds = outcome.plans[0]!.written.filter((key) => /feed\.(rss|atom|json)$/.test(key));
    // The plan's three feeds, and the Atom feed of each of the two areas and the two commitments.
    expect(feeds).toHaveLength(7);
    const topics = feeds.map((key) => `${BASE_URL}/${key}`).sort();
    for (const hub of [hubA, hubB]) {
      expect(pinged(hub)).toEqual(topics);
      for (const ping of hub.pings) {
        expect(ping.mode).toBe('publish');
        expect(ping.contentType).toBe('application/x-www-form-urlencoded');
      }
    }
    expect(outcome.websub).toMatchObject({ sent: 14, failed: [] });

    // Each topic is the feed's own rel=self, and the feed advertises both hubs.
    const rss = readRss((await env.getObject(`plans/${DEMO_PLAN_ID}/feed.rss`))!.body);
    const atom = readAtom((await env.getObject(`plans/${DEMO_PLAN_ID}/areas/${AREA}/feed.atom`))!.body);
    const json = readJsonFeed((await env.getObject(`plans/${DEMO_PLAN_ID}/feed.json`))!.body);
    const commitment = readAtom((await env.getObject(`plans/${DEMO_PLAN_ID}/commitments/c12/feed.atom`))!.body);
    expect(topics).toEqual(expect.arrayContaining([rss.self, atom.self, json.feed.feed_url, commitment.self]));
    for (const hubs of [rss.hubs, atom.hubs, json.hubs, commitment.hubs]) expect(hubs).toEqual([hubA.url, hubB.url]);
  });

  it("after an update to c4, pings exactly the plan's, its area's and its commitment's feeds; nothing else", async () => {
    hubA.pings.length = 0;
    hubB.pings.length = 0;
    const response = await env.api(signedRequest(official, 'POST', updatePath(), { status: 'delayed', observations: 'Retard.' }));
    expect(response.status, response.body).toBe(201);
    const outcome = await publish(changes({ commitmentIds: new Set(['c4']), years: new Set([new Date().getUTCFullYear()]) }), [hubA, hubB]);
    expect(outcome.failedSequences).toEqual([]);
    // The plan's three formats; the area's and the commitment's Atom feed.
    const expected = [
      ...['feed.atom', 'feed.json', 'feed.rss'].map((file) => `${PLAN_PREFIX}${file}`),
      `${PLAN_PREFIX}areas/${AREA}/feed.atom`,
      `${PLAN_PREFIX}commitments/c4/feed.atom`,
    ].sort();
    expect(pinged(hubA)).toEqual(expected);
    expect(pinged(hubB)).toEqual(expected);
    expect(pinged(hubA).some((url) => url.includes('/c12/') || url.includes('/areas/territori/'))).toBe(false);
  });

  it('a redelivered batch writes nothing and pings no hub', async () => {
    hubA.pings.length = 0;
    const outcome = await publish(changes({ commitmentIds: new Set(['c4']) }), [hubA]);
    expect(outcome.plans[0]!.written).toEqual([]);
    expect(hubA.pings).toEqual([]);
    expect(outcome.websub).toBeUndefined();
  });

  it('a hub that fails or never answers neither fails nor blocks the publish: the pings are reported as failed', async () => {
    const [failing, hanging] = await Promise.all([startHub('error'), startHub('hang')]);
    try {
      const response = await env.api(signedRequest(official, 'POST', updatePath(), { status: 'on_track', observations: 'Fet.' }));
      expect(response.status, response.body).toBe(201);
      const outcome = await publish(
        changes({ commitmentIds: new Set(['c4']), years: new Set([new Date().getUTCFullYear()]) }),
        [failing, hanging, hubA],
        500,
      );
      expect(outcome.failedSequences).toEqual([]);
      expect(outcome.plans[0]!.written).toContain(`plans/${DEMO_PLAN_ID}/feed.rss`);
      expect(outcome.websub!.sent).toBe(15);
      const failedHubs = new Set(outcome.websub!.failed.map((f) => f.hub));
      expect(failedHubs).toEqual(new Set([failing.url, hanging.url]));
      expect(outcome.websub!.failed).toHaveLength(10);
      expect(failing.pings).toHaveLength(5);
    } finally {
      await Promise.all([stopHub(failing), stopHub(hanging)]);
    }
  }, 30_000);
});
