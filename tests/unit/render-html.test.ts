/**
 * The citizen pages' markup promises (the browser tests in tests/integration/ check what a person
 * sees, axe-core included): no script, language, heading outline, chart alternative text,
 * readable colours, a link to every file and page, and hostile text inert on every page.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_COMMITMENT } from '#shared/domain/demo-plan';
import { DEFAULT_STATUSES } from '#shared/domain/vocabulary';
import { renderPlanArtifacts } from '#shared/publish/publish';
import { parseDatasetRecord, renderDatasetRecord } from '#shared/render/dcat';
import { contrastRatio, renderDashboard, renderSiteIndex, statusColour } from '#shared/render/html';
import { priorityGroups, renderAreaPage, renderCommitmentPage, renderPriorityList, renderStatusList } from '#shared/render/pages';
import { planAreas } from '#shared/render/snapshot';
import { statusTimeline, timelineMonths } from '#shared/render/status-timeline';
import { escapeXml as esc } from '#shared/render/xml';
import { FIXTURE_BASE_URL, fixtureSnapshot } from '#tests/support/render-fixture';

const DEMO_TITLE = DEMO_COMMITMENT.title;

const snapshot = fixtureSnapshot();
const html = renderDashboard(snapshot);

describe('plan dashboard', () => {
  it('has no script and a policy that forbids any', () => {
    expect(html).not.toMatch(/<script/i);
    for (const tag of html.match(/<[a-zA-Z][^>]*>/g)!) expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'`);
    expect(html).not.toContain('alert(');
  });

  it("is in the plan's language with a heading outline", () => {
    expect(html).toContain('<html lang="ca">');
    const headings = [...html.matchAll(/<h([1-6])[ >]/g)].map((m) => Number(m[1]));
    expect(headings[0]).toBe(1);
    expect(headings.filter((h) => h === 1)).toHaveLength(1);
    for (let i = 1; i < headings.length; i++) expect(headings[i]! - headings[i - 1]!).toBeLessThanOrEqual(1);
  });

  it('draws the status counts as an SVG with a title and a description of every count', () => {
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)![0];
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-labelledby="chart-title chart-desc"');
    expect(svg).toContain('<title id="chart-title">Compromisos per estat</title>');
    expect(svg).toContain(
      '<desc id="chart-desc">3 compromisos en total: No iniciat per canvi de prioritat: 0; Pendent: 1; En execució però amb retard: 1; Completat o en execució dins les previsions: 1.</desc>',
    );
  });

  it('links every plan-level file, every area page and every list page, relatively; not every commitment', () => {
    const hrefs = new Set([...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!));
    const files = renderPlanArtifacts(snapshot)
      .map((a) => a.key.replace('plans/terrassa-2015-2019/', ''))
      .filter((p) => p !== 'index.html' && !p.startsWith('commitments/') && !p.startsWith('areas/'));
    for (const file of files) expect(hrefs, file).toContain(file);
    for (const area of planAreas(snapshot)) expect(hrefs).toContain(`areas/${area.slug}/index.html`);
    expect(hrefs).toContain('statuses/delayed/index.html');
    expect(hrefs).toContain('priorities/2/index.html');
    expect(hrefs).toContain('../../catalog.jsonld');
    // Only the latest updates name a commitment; the observations live on its own page.
    expect(html).not.toContain('Licitació');
    expect(html).not.toContain('commitments/c5/');
  });

  it('counts each area by status in a table that links the area page', () => {
    expect(html).toContain('<caption>Àrees i estat dels seus compromisos</caption>');
    expect(html).toMatch(
      /<th scope="row"><a href="areas\/territori-i-sostenibilitat\/index.html">Territori i Sostenibilitat<\/a><\/th><td class="num">0<\/td><td class="num">1<\/td><td class="num">0<\/td><td class="num">0<\/td><td class="num">1<\/td>/,
    );
  });

  it("counts each priority's commitments by status in a table that links the priority list; a new status is counted", () => {
    const table = /<section aria-labelledby="priorities-heading">\n<h2 id="priorities-heading">Per prioritat<\/h2>\n(.*)\n<\/section>/.exec(
      html,
    )![1]!;
    expect(table).toContain('<caption>Prioritat × Estat</caption>');
    expect(table).toContain(
      '<thead><tr><th scope="col">Prioritat</th><th scope="col">No iniciat per canvi de prioritat</th><th scope="col">Pendent</th><th scope="col">En execució però amb retard</th><th scope="col">Completat o en execució dins les previsions</th><th scope="col">Total</th></tr></thead>',
    );
    const row = (n: number, counts: number[]) =>
      `<th scope="row"><a href="priorities/${n}/index.html">${n}. ${esc(priorityGroups(snapshot.commitments)[n - 1]!.title)}</a></th>${counts.map((c) => `<td class="num">${c}</td>`).join('')}</tr>`;
    expect(table).toContain(row(1, [0, 0, 1, 1, 2]));
    expect(table).toContain(row(2, [0, 1, 0, 0, 1]));
    // c5's update to "delayed" moves a count of priority 1; its list keeps its bytes (see the lists below).
    const updated = fixtureSnapshot();
    updated.commitments.find((c) => c.commitmentId === 'c5')!.status = 'delayed';
    expect(renderDashboard(updated)).toContain(row(1, [0, 0, 2, 0, 2]));
  });

  it('lists the latest updates, newest first, linking each commitment page', () => {
    const latest = /<ol class="updates">([\s\S]*?)<\/ol>/.exec(html)![1]!;
    const dates = [...latest.matchAll(/datetime="([^"]+)"/g)].map((m) => m[1]);
    expect(dates).toEqual(['2019-06-30T10:00:00.000Z', '2018-11-05T08:30:00.000Z']);
    expect(latest).toContain('href="commitments/c4/index.html"');
  });

  it('draws the status at the end of each month of the year, with the same numbers as a table', () => {
    // The end of last year, then each month of this year up to the data's.
    expect(timelineMonths(snapshot.generatedAt)).toEqual(['2018-12', '2019-01', '2019-02', '2019-03', '2019-04', '2019-05', '2019-06']);
    expect(timelineMonths('2026-01-05T00:00:00.000Z')).toEqual(['2025-12', '2026-01']);
    const months = statusTimeline(snapshot, ['not_started', 'pending', 'delayed', 'on_track']);
    // Before the June update moved c4 from pending to delayed, two were pending.
    expect(months.at(-2)).toEqual({ month: '2019-05', counts: [0, 2, 0, 1] });
    expect(months.at(-1)).toEqual({ month: '2019-06', counts: [0, 1, 1, 1] });
    expect(html).toContain('<title id="timeline-title">Evolució de l&apos;estat</title>');
    expect(html).toContain(
      '<tr><th scope="row">2019-05</th><td class="num">0</td><td class="num">2</td><td class="num">0</td><td class="num">1</td></tr>',
    );
    const svg = /<svg[^>]*timeline-title[\s\S]*?<\/svg>/.exec(html)![0];
    expect(svg).not.toMatch(/<script|<foreignObject/i);
  });

  it('keeps badge text at WCAG AA contrast for any status colour', () => {
    for (const status of DEFAULT_STATUSES) {
      const { background, text } = statusColour(DEFAULT_STATUSES, status.code);
      expect(contrastRatio(background, text), status.code).toBeGreaterThanOrEqual(4.5);
    }
    const pale = [{ code: 'pale', labels: { en: 'Pale' }, color: '#fde68a' }];
    const { background, text } = statusColour(pale, 'pale');
    expect(text).toBe('#111111');
    expect(contrastRatio(background, text)).toBeGreaterThanOrEqual(4.5);
  });
});

const commitment = snapshot.commitments.find((c) => c.commitmentId === 'c4')!;
const commitmentPage = renderCommitmentPage(snapshot, commitment);
const areaPage = renderAreaPage(snapshot, planAreas(snapshot)[0]!);
const statusPage = renderStatusList(snapshot, 'delayed');
const priorityPage = renderPriorityList(snapshot, priorityGroups(snapshot.commitments)[0]!);
const NEW_PAGES = { commitmentPage, areaPage, statusPage, priorityPage };

function headingsOf(page: string): number[] {
  return [...page.matchAll(/<h([1-6])[ >]/g)].map((m) => Number(m[1]));
}

describe('commitment page', () => {
  it('reads like the seed report page: priority, commitment, area, status, observations, related links, then history', () => {
    const text = commitmentPage.replace(/<[^>]+>/g, '');
    const order = [
      'Compromís 4',
      DEMO_TITLE,
      'Prioritat 1',
      'Àrea responsable',
      'Estat',
      'Observacions',
      'Informació relacionada',
      'Historial',
    ].map((needle) => text.indexOf(needle.replace(/'/g, '&apos;')));
    for (const index of order) expect(index).toBeGreaterThan(-1);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(commitmentPage).toContain('<span class="badge status-delayed">En execució però amb retard</span>');
    expect(commitmentPage).toContain('<meter min="0" max="100" value="40" aria-hidden="true"></meter> 40%');
  });

  it('shows every update newest first with its date, status change and observations', () => {
    const history = /<ol class="history" reversed>([\s\S]*?)<\/ol>\n/.exec(commitmentPage)![1]!;
    const dates = [...history.matchAll(/<h3><time datetime="([^"]+)"/g)].map((m) => m[1]);
    expect(dates).toEqual(['2019-06-30T10:00:00.000Z', '2018-11-05T08:30:00.000Z']);
    expect(history).toContain('<span class="badge status-pending">Pendent</span> → <span class="badge status-delayed">');
    expect(history).toContain('Encara no iniciat.');
  });

  it('advertises its own feed (Atom) and names its canonical URL', () => {
    expect(commitmentPage).toMatch(/<link rel="alternate" type="application\/atom\+xml" title="[^"]+" href="feed\.atom">/);
    expect(commitmentPage).not.toMatch(/feed\.(rss|json)/);
    expect(commitmentPage).toContain(
      '<link rel="canonical" href="https://mandat.example.org/plans/terrassa-2015-2019/commitments/c4/index.html">',
    );
    expect(commitmentPage).toContain('href="../../areas/desenvolupament-economic-industria-i-ocupacio/index.html"');
  });

  it('prints on A4', () => {
    expect(commitmentPage).toMatch(/@media print\{@page\{size:A4/);
  });
});

describe('area page', () => {
  it('lists its commitments as a compact table with status and last update, its counts and its feeds', () => {
    expect(areaPage).toContain('<h1>Desenvolupament Econòmic, Indústria i Ocupació</h1>');
    const rows = [...areaPage.matchAll(/<tr><td class="num">(\d+)<\/td><td><a href="([^"]+)">/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([
      ['4', '../../commitments/c4/index.html'],
      ['5', '../../commitments/c5/index.html'],
    ]);
    expect(areaPage).toContain('<li><span class="badge status-delayed">En execució però amb retard</span> <strong>1</strong></li>');
    // An area's feed is Atom only: the page names and advertises that one, no other format.
    expect(areaPage).toContain('<a href="feed.atom">Atom</a>');
    expect(areaPage).toContain('<link rel="alternate" type="application/atom+xml"');
    expect(areaPage).not.toContain('feed.rss');
    expect(areaPage).not.toContain('feed.json');
  });
});

describe('lists by status and by priority', () => {
  it('find a commitment without script', () => {
    expect(statusPage).toContain('href="../../commitments/c4/index.html"');
    expect(statusPage).not.toContain('commitments/c5/');
    expect(priorityPage).toContain('href="../../commitments/c4/index.html"');
    expect(priorityPage).toContain('href="../../commitments/c5/index.html"');
    expect(priorityPage).not.toContain('commitments/c12/');
  });

  it("a priority list shows the plan's structure: number, title and area, no status", () => {
    const head = /<thead>(.*?)<\/thead>/.exec(priorityPage)![1]!;
    expect(head).toBe('<tr><th scope="col" class="num">Núm.</th><th scope="col">Compromís · Àrea responsable</th></tr>');
    expect(priorityPage).toContain(
      '<tr><td class="num">5</td><td><a href="../../commitments/c5/index.html">-Impulsarem el comerç de proximitat</a><br><span class="meta">Desenvolupament Econòmic, Indústria i Ocupació</span></td></tr>',
    );
    expect(priorityPage).not.toContain('class="badge');
    expect(priorityPage).not.toContain('En execució però amb retard');
  });

  it("a priority list is stamped by its commitments' definitions: a status update leaves its bytes alone", () => {
    const defined = fixtureSnapshot();
    const c5 = defined.commitments.find((c) => c.commitmentId === 'c5')!;
    c5.definedAt = '2019-03-01T12:00:00.000Z';
    const before = renderPriorityList(defined, priorityGroups(defined.commitments)[0]!);
    expect(before).toContain('<time datetime="2019-03-01T12:00:00.000Z">');
    // Never defined since definedAt was kept: the plan's creation stands in.
    expect(priorityPage).toContain(`<time datetime="${snapshot.plan.createdAt}">`);

    // An update moves its commitment's status, report and change times, not its definition.
    const updated = fixtureSnapshot();
    Object.assign(updated.commitments.find((c) => c.commitmentId === 'c5')!, {
      definedAt: c5.definedAt,
      status: 'delayed',
      reportedAt: '2019-09-01T08:00:00.000Z',
      updatedAt: '2019-09-01T08:00:00.000Z',
      revision: 2,
    });
    expect(renderPriorityList(updated, priorityGroups(updated.commitments)[0]!)).toBe(before);
    expect(renderStatusList(updated, 'delayed')).not.toBe(renderStatusList(defined, 'delayed'));
  });
});

describe('every new page', () => {
  it.each(Object.entries(NEW_PAGES))(
    '%s: no script, no handler, no javascript: link, formula text inert, one h1 and an outline',
    (_name, page) => {
      expect(page).not.toMatch(/<script/i);
      for (const tag of page.match(/<[a-zA-Z][^>]*>/g)!) {
        expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
        expect(tag).not.toMatch(/href="\s*javascript:/i);
      }
      expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'`);
      expect(page).toContain('<html lang="ca">');
      const headings = headingsOf(page);
      expect(headings.filter((h) => h === 1)).toHaveLength(1);
      for (let i = 1; i < headings.length; i++) expect(headings[i]! - headings[i - 1]!).toBeLessThanOrEqual(1);
    },
  );

  it('escapes what officials typed on the commitment page (the hostile fixture)', () => {
    expect(commitmentPage).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(commitmentPage).not.toContain('javascript:alert');
    // A formula is text on a page: shown as typed, never turned into a link or a cell.
    expect(commitmentPage).toContain('=HYPERLINK(&quot;');
    expect(priorityPage).toContain('-Impulsarem el comerç de proximitat');
  });
});

describe('root index', () => {
  it('lists every plan with a link to its dashboard, in the language most plans use', () => {
    const english = fixtureSnapshot({ language: 'en' });
    const datasets = [
      parseDatasetRecord(renderDatasetRecord(snapshot)),
      parseDatasetRecord(renderDatasetRecord({ ...english, plan: { ...english.plan, planId: 'other-plan' } })),
    ];
    datasets.push(parseDatasetRecord(renderDatasetRecord({ ...snapshot, plan: { ...snapshot.plan, planId: 'third-plan' } })));
    const page = renderSiteIndex(FIXTURE_BASE_URL, datasets);
    expect(page).toContain('<html lang="ca">');
    expect(page).toContain('href="plans/terrassa-2015-2019/index.html"');
    expect(page).toContain('href="plans/other-plan/index.html"');
    expect(page).toContain('<li class="card" lang="en">');
    expect(page).toContain('href="catalog.jsonld"');
    expect(page).not.toMatch(/<script/i);
  });
});
