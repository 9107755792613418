/**
 * The site's root (catalog.jsonld, index.html) kept in step by the plans' rounds, against
 * DynamoDB Local and the S3 server: a round whose plan's DCAT record is the one the root was
 * confirmed to include sends no request under catalog/; a changed record rebuilds the root in
 * its round; a round that crashed between the record and the root leaves it to the next one;
 * plans whose records change at once both end in the root.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlan } from '#shared/api/definitions';
import { DEMO_PLAN } from '#shared/domain/demo-plan';
import { publishSite } from '#shared/publish/publish';
import { datasetRecordKey } from '#shared/render/dcat';
import type { Artifact, ArtifactStore } from '#shared/store/artifacts';
import { BASE_URL, createTestEnvironment, postUpdate, type TestEnvironment, type TestKey } from '#tests/support/environment';
import { createPublisher, definePlanWithCommitments } from '#tests/support/reliability';

const PLANS = ['root-a', 'root-b'] as const;
let env: TestEnvironment;
let official: TestKey;
/** Every S3 request under catalog/ (a LIST of the prefix, a HEAD, GET or PUT of a record or the marker), as sent. */
const catalogRequests: string[] = [];

/** The real store; `etags` of catalog/ (the root's check) fails while `failures` lasts, as a crashed check would stop. */
class FailingSiteStore implements ArtifactStore {
  failures = 0;
  constructor(private readonly inner: ArtifactStore) {}
  write(prefix: string, artifacts: Artifact[]) {
    return this.inner.write(prefix, artifacts);
  }
  read(key: string) {
    return this.inner.read(key);
  }
  async etags(prefix: string) {
    if (prefix.startsWith('catalog') && this.failures > 0) {
      this.failures--;
      throw new Error('simulated crash before the site root was checked');
    }
    return this.inner.etags(prefix);
  }
}

beforeAll(async () => {
  env = await createTestEnvironment();
  official = await env.addKey(
    'official',
    'official',
    PLANS.map((planId) => ({ planId })),
  );
  env.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Prefix?: string; Key?: string };
      const target = input.Prefix ?? input.Key;
      if (target?.startsWith('catalog')) catalogRequests.push(`${context.commandName} ${target}`);
      return next(args);
    },
    { step: 'initialize', name: 'countCatalogRequests' },
  );
  for (const planId of PLANS) {
    await definePlanWithCommitments(env.repository, planId, 2);
    expect((await createPublisher(env.repository, env.store).publishPlan(planId)).batchItemFailures).toEqual([]);
  }
});
afterAll(() => env.destroy());

const retitle = (planId: string, title: string) => definePlan(env.repository, planId, { ...DEMO_PLAN, title }, { now: new Date() });
const body = async (key: string) => (await env.getObject(key))?.body ?? '';

/** The root lists every plan's current title, and matches the records (a check rebuilds nothing). */
async function expectRootShows(titles: string[]) {
  for (const file of ['catalog.jsonld', 'index.html']) {
    const root = await body(file);
    for (const title of titles) expect(root, file).toContain(title);
  }
  expect(await publishSite({ store: env.store, baseUrl: BASE_URL })).toMatchObject({ rebuilt: false, plans: PLANS.length });
}

/** The publish state confirms the record that is stored. */
async function expectConfirmed(planId: string) {
  const stored = await env.getObject(datasetRecordKey(planId));
  expect((await env.repository.getPublishState(planId))?.siteRecord).toBe(stored!.etag?.replace(/"/g, ''));
}

describe("the site's root", () => {
  it('is not looked at by a round after an update that leaves the plan record unchanged, and stays right', async () => {
    const publisher = createPublisher(env.repository, env.store);
    // The plan's first update adds its month's history files to the record: that round checks the root.
    await postUpdate(env, official, 'root-a', 'c2', { status: 'pending', observations: 'Primer.' });
    expect((await publisher.publishPlan('root-a')).batchItemFailures).toEqual([]);
    await postUpdate(env, official, 'root-a', 'c1', { status: 'delayed', observations: 'Retard.' });
    catalogRequests.length = 0;
    expect((await publisher.publishPlan('root-a')).batchItemFailures).toEqual([]);
    // The update was published, and nothing under catalog/ was asked for: no LIST, not even the record's HEAD.
    expect(await body('plans/root-a/commitments.csv')).toContain('Retard.');
    expect(catalogRequests).toEqual([]);
    await expectRootShows(['Plan root-a', 'Plan root-b']);
    await expectConfirmed('root-a');
  });

  it("is rebuilt in the round of a plan whose metadata changed (the title), and confirmed in the plan's state", async () => {
    await retitle('root-b', 'Pla B revisat');
    catalogRequests.length = 0;
    expect((await createPublisher(env.repository, env.store).publishPlan('root-b')).batchItemFailures).toEqual([]);
    expect(catalogRequests).toContain('ListObjectsV2Command catalog');
    await expectRootShows(['Plan root-a', 'Pla B revisat']);
    await expectConfirmed('root-b');
  });

  it('is rebuilt by the next round when a round wrote its record and crashed before checking the root', async () => {
    const site = new FailingSiteStore(env.store);
    const publisher = createPublisher(env.repository, env.store, {}, BASE_URL, site);
    await retitle('root-a', 'Pla A (esborrany)');
    site.failures = 1;
    // The round fails: its changes are reported for a retry, its revision is not recorded.
    expect((await publisher.publishPlan('root-a')).batchItemFailures).toHaveLength(1);
    expect(await body(datasetRecordKey('root-a'))).toContain('Pla A (esborrany)');
    expect(await body('catalog.jsonld')).not.toContain('Pla A (esborrany)');
    // The confirmation was forgotten before the different record was stored.
    expect((await env.repository.getPublishState('root-a'))?.siteRecord).toBeUndefined();

    // Meanwhile another plan's round rebuilds the root from the records as stored: it shows the draft.
    await retitle('root-b', 'Pla B, segona revisió');
    expect((await publisher.publishPlan('root-b')).batchItemFailures).toEqual([]);
    expect(await body('catalog.jsonld')).toContain('Pla A (esborrany)');

    // The title goes back to what the root was last confirmed with by plan A's own round: the
    // record's bytes are the old ones again, and the root must still be rebuilt.
    await retitle('root-a', 'Plan root-a');
    catalogRequests.length = 0;
    expect((await publisher.publishPlan('root-a')).batchItemFailures).toEqual([]);
    expect(catalogRequests).toContain('ListObjectsV2Command catalog');
    expect(await body('catalog.jsonld')).not.toContain('Pla A (esborrany)');
    await expectRootShows(['Plan root-a', 'Pla B, segona revisió']);
    await expectConfirmed('root-a');
  });

  it('ends with both records when two plans change at once, each published by its own publisher', async () => {
    for (let round = 1; round <= 3; round++) {
      const titles = PLANS.map((planId) => `${planId} v${round}`);
      await Promise.all(PLANS.map((planId, i) => retitle(planId, titles[i]!)));
      const results = await Promise.all(PLANS.map((planId) => createPublisher(env.repository, env.store).publishPlan(planId)));
      for (const result of results) expect(result.batchItemFailures).toEqual([]);
      await expectRootShows(titles);
      for (const planId of PLANS) await expectConfirmed(planId);
    }
  });
  it('is rebuilt when a root from an older listing landed after the marker (two rebuilds at once, written out of order)', async () => {
    // Two checks rebuild at once; the one that listed first writes its root last, after the
    // other's marker: the marker matches the records, the root does not. As the next check finds it.
    const current = await body('catalog.jsonld');
    // Any other bytes than the rebuild that wrote the marker: a catalog built from another listing.
    const older = current.replace('v3', 'v2');
    expect(older).not.toBe(current);
    await env.store.write('catalog.jsonld', [{ key: 'catalog.jsonld', body: older, contentType: 'application/ld+json' }]);
    const check = await publishSite({ store: env.store, baseUrl: BASE_URL });
    expect(check.rebuilt).toBe(true);
    expect(await body('catalog.jsonld')).toBe(current);
    // The same for the root page, which the catalog's listing does not cover.
    const page = await body('index.html');
    await env.store.write('index.html', [{ key: 'index.html', body: `${page}<!-- older -->`, contentType: 'text/html; charset=utf-8' }]);
    expect((await publishSite({ store: env.store, baseUrl: BASE_URL })).rebuilt).toBe(true);
    expect(await body('index.html')).toBe(page);
    await expectRootShows([...PLANS.map((planId) => `${planId} v3`)]);
  });
});
