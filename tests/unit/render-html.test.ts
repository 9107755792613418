/**
 * The dashboard's markup promises (the browser test in tests/integration/feeds-dashboard.test.ts
 * checks what a person sees): no script, language, chart alternative text, readable colours,
 * and a link to every file.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_STATUSES } from '#shared/domain/vocabulary';
import { renderPlanArtifacts } from '#shared/publish/publish';
import { parseDatasetRecord, renderDatasetRecord } from '#shared/render/dcat';
import { contrastRatio, renderDashboard, renderSiteIndex, statusColour } from '#shared/render/html';
import { FIXTURE_BASE_URL, fixtureSnapshot } from '#tests/support/render-fixture';

const snapshot = fixtureSnapshot();
const html = renderDashboard(snapshot);

describe('plan dashboard', () => {
  it('has no script and a policy that forbids any', () => {
    expect(html).not.toMatch(/<script/i);
    for (const tag of html.match(/<[a-zA-Z][^>]*>/g)!) expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'`);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
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

  it('links every plan file, every area feed and every commitment feed, relatively', () => {
    const hrefs = new Set([...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!));
    const files = renderPlanArtifacts(snapshot)
      .map((a) => a.key.replace('plans/terrassa-2015-2019/', ''))
      .filter((p) => p !== 'index.html');
    for (const file of files) expect(hrefs, file).toContain(file);
    expect(hrefs).toContain('../../catalog.jsonld');
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
