/** RSS, Atom and JSON Feed as a feed reader sees them: valid, complete, safe and in the plan's language. */
import { describe, expect, it } from 'vitest';
import { renderAtom } from '#shared/render/atom';
import { renderJsonFeed } from '#shared/render/json-feed';
import { renderRss } from '#shared/render/rss';
import { areaScope, commitmentScope, type PlanSnapshot, planAreas, planScope } from '#shared/render/snapshot';
import { expectSafeHtml, readAtom, readJsonFeed, readRss } from '#tests/support/feed-checks';
import { FIXTURE_BASE_URL, fixtureSnapshot } from '#tests/support/render-fixture';

const PLAN_URL = `${FIXTURE_BASE_URL}/plans/terrassa-2015-2019/`;

function allFeeds(snapshot: PlanSnapshot) {
  const scope = planScope(snapshot);
  return {
    rss: readRss(renderRss(snapshot, scope)),
    atom: readAtom(renderAtom(snapshot, scope)),
    json: readJsonFeed(renderJsonFeed(snapshot, scope)),
  };
}

describe('plan feeds', () => {
  const snapshot = fixtureSnapshot();
  const { rss, atom, json } = allFeeds(snapshot);

  it('list the updates newest first with the updateId as stable id in every format', () => {
    const ids = snapshot.latest.map((u) => u.updateId);
    expect(rss.items.map((i) => i.id)).toEqual(ids);
    expect(atom.items.map((i) => i.id)).toEqual(ids.map((id) => `urn:uuid:${id}`));
    expect(json.items.map((i) => i.id)).toEqual(ids);
    expect(new Date(rss.items[0]!.date).getTime()).toBeGreaterThan(new Date(rss.items[1]!.date).getTime());
  });

  it('build self and alternate links from the public base URL', () => {
    expect(rss.self).toBe(`${PLAN_URL}feed.rss`);
    expect(rss.selfRel).toBe('self');
    expect(rss.link).toBe(`${PLAN_URL}index.html`);
    expect(atom.self).toBe(`${PLAN_URL}feed.atom`);
    expect(atom.id).toBe(`${PLAN_URL}feed.atom`);
    expect(atom.alternate).toBe(`${PLAN_URL}index.html`);
    expect(json.feed.feed_url).toBe(`${PLAN_URL}feed.json`);
    expect(json.feed.home_page_url).toBe(`${PLAN_URL}index.html`);
    for (const item of [...rss.items, ...atom.items, ...json.items]) expect(item.link).toBe(`${PLAN_URL}commitments/c4/index.html`);
  });

  it('name the responsible area as the author of every item, in every format (no personal data)', () => {
    const areas = snapshot.latest.map((u) => u.area);
    expect(atom.items.map((i) => i.author)).toEqual(areas);
    expect(rss.items.map((i) => i.author)).toEqual(areas);
    expect(json.items.map((i) => i.author)).toEqual(areas);
    const body = renderAtom(snapshot, planScope(snapshot));
    expect(body).not.toContain('official-1');
  });

  it('advertise no WebSub hub when none is configured', () => {
    expect([rss.hubs, atom.hubs, json.hubs]).toEqual([[], [], []]);
  });

  it("carry the plan's language", () => {
    expect(rss.language).toBe('ca');
    expect(atom.lang).toBe('ca');
    expect(json.feed.language).toBe('ca');
  });

  it('show the status change as "previous → new" in the title and the body, with labels in the plan language', () => {
    const newest = rss.items[0]!;
    expect(newest.title).toContain('Pendent → En execució però amb retard');
    expect(newest.html).toContain('Estat: Pendent → <strong>En execució però amb retard</strong>');
    expect(newest.html).toContain('Progrés: 40%');
    expect(rss.items[1]!.title).toContain('Pendent (sense canvis)');
    expect(atom.items[0]!.title).toBe(newest.title);
    expect(json.feed.items[0].summary).toBe('Pendent → En execució però amb retard');
    const english = allFeeds(fixtureSnapshot({ language: 'en' }));
    expect(english.atom.items[0]!.title).toContain('Pending → In progress, delayed');
    expect(english.atom.items[0]!.html).toContain('Status: Pending → <strong>In progress, delayed</strong>');
  });

  it('render observations as safe HTML: raw HTML shown as text, no handlers, no javascript: links', () => {
    for (const item of [...rss.items, ...atom.items, ...json.items]) expectSafeHtml(item.html);
    const html = atom.items[0]!.html;
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<strong>adjudicada</strong>');
    expect(html).toContain('<a href="https://example.org/acta.pdf" rel="nofollow noopener">acta</a>');
    expect(html).toContain('<li>enllaç maliciós</li>');
    expect(html).toContain('🎉');
    // The text that would close a CDATA section or an element arrives intact as text.
    expect(rss.items[0]!.html).toContain(']]&gt; i &lt;/description&gt;');
    expect(json.feed.items[0].content_text).toContain('<script>alert("x")</script>');
    expect(json.feed.items[0].content_text).not.toContain('**');
  });

  it('keep the user text of links escaped inside XML attributes', () => {
    expect(atom.items[0]!.html).toContain('href="https://example.org/acta.pdf?a=1&amp;b=2"');
    expect(atom.items[0]!.html).toContain('Acta &quot;final&quot;, 2019');
  });

  it('take the feed date from the data, not the clock', () => {
    expect(atom.updated).toBe('2019-06-30T10:00:00.000Z');
    expect(renderAtom(snapshot, planScope(snapshot))).toBe(renderAtom(fixtureSnapshot(), planScope(fixtureSnapshot())));
  });
});

describe('WebSub discovery', () => {
  const hubs = ['https://hub.example.org/', 'https://websub.example.net/hub'];
  const snapshot = { ...fixtureSnapshot(), hubs };

  it('every feed, whatever its scope, advertises each configured hub beside its rel=self topic', () => {
    const scopes = [planScope(snapshot), ...planAreas(snapshot).map((a) => areaScope(snapshot, a))];
    scopes.push(...snapshot.commitments.map((c) => commitmentScope(snapshot, c)));
    for (const scope of scopes) {
      const rss = readRss(renderRss(snapshot, scope));
      const atom = readAtom(renderAtom(snapshot, scope));
      const json = readJsonFeed(renderJsonFeed(snapshot, scope));
      expect(rss.hubs).toEqual(hubs);
      expect(atom.hubs).toEqual(hubs);
      expect(json.hubs).toEqual(hubs);
      expect(json.feed.hubs.map((h: { type: string }) => h.type)).toEqual(['WebSub', 'WebSub']);
      expect(rss.self).toBe(`${PLAN_URL}${scope.dir}feed.rss`);
      expect(atom.self).toBe(`${PLAN_URL}${scope.dir}feed.atom`);
      expect(json.feed.feed_url).toBe(`${PLAN_URL}${scope.dir}feed.json`);
    }
  });
});

describe('area and commitment feeds', () => {
  const snapshot = fixtureSnapshot();

  it('hold only the updates of their area or commitment, with their own self links', () => {
    const [economy, territory] = planAreas(snapshot);
    const economyFeed = readAtom(renderAtom(snapshot, areaScope(snapshot, economy!)));
    expect(economyFeed.items).toHaveLength(2);
    expect(economyFeed.self).toBe(`${PLAN_URL}areas/desenvolupament-economic-industria-i-ocupacio/feed.atom`);
    expect(economyFeed.title).toContain('Desenvolupament Econòmic, Indústria i Ocupació');
    expect(economyFeed.alternate).toBe(`${PLAN_URL}areas/desenvolupament-economic-industria-i-ocupacio/index.html`);

    const territoryScope = areaScope(snapshot, territory!);
    const territoryRss = readRss(renderRss(snapshot, territoryScope));
    expect(territoryRss.items).toHaveLength(0);
    // An empty feed is stamped by its commitments' definitions, not by the plan's latest change.
    expect(territoryScope.updated).toBe('2019-01-10T09:00:00.000Z');
    expect(readJsonFeed(renderJsonFeed(snapshot, territoryScope)).items).toEqual([]);

    const c5 = snapshot.commitments.find((c) => c.commitmentId === 'c5')!;
    const c5Feed = readJsonFeed(renderJsonFeed(snapshot, commitmentScope(snapshot, c5)));
    expect(c5Feed.feed.feed_url).toBe(`${PLAN_URL}commitments/c5/feed.json`);
    expect(c5Feed.items).toEqual([]);
    const c4 = snapshot.commitments.find((c) => c.commitmentId === 'c4')!;
    expect(readRss(renderRss(snapshot, commitmentScope(snapshot, c4))).items.map((i) => i.id)).toEqual(
      snapshot.latest.map((u) => u.updateId),
    );
  });
});
