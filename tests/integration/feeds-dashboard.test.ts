/**
 * The citizen pages as a citizen sees them: the published pages, copied out of the bucket, opened
 * in headless Chromium on a phone-sized and a desktop-sized screen, screenshotted, checked with
 * axe-core against WCAG 2.1 AA, walked with the keyboard, and read back.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCommitment } from '#shared/api/definitions';
import { DEMO_COMMITMENT_ID, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { publishPlan, publishSite } from '#shared/publish/publish';
import { contrastRatio } from '#shared/render/html';
import { launchChromium } from '#tests/support/browser';
import { BASE_URL, createTestEnvironment, signedRequest, type TestEnvironment, updatePath } from '#tests/support/environment';

// page.evaluate bodies run in the browser; the project compiles without the DOM library.
declare const document: any;
declare const window: any;
declare function getComputedStyle(element: unknown): { color: string; backgroundColor: string };
type Element = any;

let env: TestEnvironment;
let browser: Browser;
let site: string;
// Kept after the run, to be looked at: .test-data/ is ignored by git.
const screenshots = join(process.cwd(), '.test-data', 'screenshots');
mkdirSync(screenshots, { recursive: true });

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  const now = new Date();
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
    { now },
  );
  const official = await env.addKey('official', 'official', [{ planId: DEMO_PLAN_ID }]);
  const response = await env.api(
    signedRequest(official, 'POST', updatePath(), {
      status: 'delayed',
      observations:
        'Obres **endarrerides** 🚧\n\n<script>alert(document.cookie)</script><img src=x onerror=alert(1)>\n\n- [trampa](javascript:alert(1))',
      links: [{ title: 'Acta "final"', url: 'https://example.org/acta.pdf' }],
      progress: 35,
    }),
  );
  expect(response.status, response.body).toBe(201);
  const deps = { repository: env.repository, store: env.store, baseUrl: BASE_URL };
  // What the publisher does first under its lease: the accepted update gets its plan revision.
  await env.repository.sequenceUpdates(DEMO_PLAN_ID, 'all');
  await publishPlan(DEMO_PLAN_ID, deps);
  await publishSite(deps);
  // The bucket as files: relative links between pages resolve exactly as they do on the site.
  site = mkdtempSync(join(tmpdir(), 'mandat-site-'));
  for (const key of await env.listObjects()) {
    const path = join(site, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, (await env.getObject(key))!.body);
  }
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await env?.destroy();
  if (site) rmSync(site, { recursive: true, force: true });
});

async function open(path: string, viewport: { width: number; height: number }, options: { bypassCSP?: boolean } = {}) {
  const context = await browser.newContext({ viewport, javaScriptEnabled: true, ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  const remote: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  // The page must not need the network; anything it tries to fetch is refused and reported.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    remote.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(join(site, path)).href);
  return { page, problems, remote, close: () => context.close() };
}

/** What a reader can check without sight: every link goes somewhere real, and nothing can run. */
async function auditPage(page: Page) {
  return page.evaluate(() => {
    const handlers = [...document.querySelectorAll('*')].flatMap((el) =>
      [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName}[${a.name}]`),
    );
    const links = [...document.querySelectorAll('a[href]')].map((a: Element) => a.href);
    const badges = [...document.querySelectorAll('.badge')].map((b) => {
      const style = getComputedStyle(b);
      return { text: b.textContent, color: style.color, background: style.backgroundColor };
    });
    return {
      lang: document.documentElement.lang,
      scripts: document.scripts.length,
      handlers,
      links,
      ids: [...document.querySelectorAll('[id]')].map((el) => el.id),
      badges,
      imagesWithoutAlt: [...document.querySelectorAll('img')].filter((img) => !img.alt).length,
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      headings: [...document.querySelectorAll('h1,h2,h3,h4')].map((h) => `${h.tagName}:${h.textContent}`),
    };
  });
}

const rgbToHex = (rgb: string) => {
  const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
  return `#${[r, g, b].map((c) => c!.toString(16).padStart(2, '0')).join('')}`;
};

const SUMMARY = `plans/${DEMO_PLAN_ID}/index.html`;
const AREA = `plans/${DEMO_PLAN_ID}/areas/desenvolupament-economic-industria-i-ocupacio/index.html`;
const COMMITMENT = `plans/${DEMO_PLAN_ID}/commitments/${DEMO_COMMITMENT_ID}/index.html`;
// The lists that find a commitment without script, too: a priority's (the plan's structure) and a status's.
const PRIORITY = `plans/${DEMO_PLAN_ID}/priorities/1/index.html`;
const STATUS = `plans/${DEMO_PLAN_ID}/statuses/delayed/index.html`;
const PAGES = { summary: SUMMARY, area: AREA, commitment: COMMITMENT, priority: PRIORITY, status: STATUS };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 900 };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('plan summary in Chromium', () => {
  it('reads right on a phone: language, headings, charts with text, statuses, no overflow, nothing executable', async () => {
    const { page, problems, remote, close } = await open(SUMMARY, PHONE);
    const audit = await auditPage(page);

    expect(audit.lang).toBe('ca');
    expect(audit.scripts).toBe(0);
    expect(audit.handlers).toEqual([]);
    expect(audit.imagesWithoutAlt).toBe(0);
    expect(audit.overflow, 'no horizontal scrolling on a 390 px screen').toBeLessThanOrEqual(0);
    expect(audit.headings[0]).toBe('H1:Pla de Mandat 2015-2019');
    expect(audit.headings).toContain('H2:Trobar un compromís');
    expect(audit.headings).toContain("H2:Evolució de l'estat");

    const chart = page.locator('svg[aria-labelledby="chart-title chart-desc"]');
    await expect.poll(() => chart.isVisible()).toBe(true);
    expect(await chart.locator('title').textContent()).toBe('Compromisos per estat');
    expect(await chart.locator('desc').textContent()).toBe(
      '2 compromisos en total: No iniciat per canvi de prioritat: 0; Pendent: 1; En execució però amb retard: 1; Completat o en execució dins les previsions: 0.',
    );
    // The timeline's numbers are readable as a table too (its last month is the current counts).
    const lastMonth = page.locator('table:has(caption:text("Evolució")) tbody tr').last();
    expect(await lastMonth.locator('td').allTextContents()).toEqual(['0', '1', '1', '0']);

    const text = await page.locator('body').textContent();
    expect(text).toContain('Territori i Sostenibilitat');
    expect(text).toContain("4. Ajudarem les empreses locals per frenar la destrucció d'ocupació i per fomentar el creixement econòmic.");
    // Observations live on the commitment's page, not on the summary.
    expect(text).not.toContain('Obres endarrerides');

    for (const badge of audit.badges) {
      expect(contrastRatio(rgbToHex(badge.background), rgbToHex(badge.color)), badge.text ?? '').toBeGreaterThanOrEqual(4.5);
    }
    expect(problems).toEqual([]);
    expect(remote).toEqual([]);
    await close();
  });

  it('links every feed, file and page, and every link leads somewhere that exists', async () => {
    const planDir = pathToFileURL(join(site, 'plans', DEMO_PLAN_ID)).href;
    const all: string[] = [];
    for (const path of Object.values(PAGES)) {
      const { page, close } = await open(path, DESKTOP);
      const audit = await auditPage(page);
      const local = audit.links.filter((href) => href.startsWith('file:'));
      for (const href of local) {
        const url = new URL(href);
        const file = fileURLToPath(new URL(url.pathname, url));
        expect(existsSync(file.endsWith('/') ? join(file, 'index.html') : file), `${path} → ${href}`).toBe(true);
        if (url.hash) expect(audit.ids, href).toContain(decodeURIComponent(url.hash.slice(1)));
      }
      for (const href of audit.links.filter((h) => !h.startsWith('file:'))) expect(href).toMatch(/^(https?:|mailto:)/);
      all.push(...local);
      await close();
    }
    for (const file of ['feed.rss', 'feed.atom', 'feed.json', 'commitments.csv', 'commitments.json', 'datapackage.json', 'README.md']) {
      expect(all).toContain(`${planDir}/${file}`);
    }
    // An area's and a commitment's feed: Atom only.
    expect(all).toContain(`${planDir}/commitments/${DEMO_COMMITMENT_ID}/feed.atom`);
    expect(all).toContain(`${planDir}/areas/desenvolupament-economic-industria-i-ocupacio/feed.atom`);
    expect(all.filter((href) => /\/(areas|commitments)\/[^/]+\/feed\.(rss|json)$/.test(href))).toEqual([]);
    expect(all).toContain(`${planDir}/areas/territori-i-sostenibilitat/index.html`);
    expect(all).toContain(`${planDir}/statuses/delayed/index.html`);
    expect(all).toContain(`${planDir}/priorities/2/index.html`);
    expect(all.some((href) => /\/updates\/\d{4}\/\d{2}\.csv$/.test(href))).toBe(true);
    expect(all.some((href) => /\/updates\/\d{4}\/\d{2}\.json$/.test(href))).toBe(true);
  });

  it('can be walked with the keyboard alone: Tab reaches every link of the summary', async () => {
    const { page, close } = await open(SUMMARY, DESKTOP);
    const links: string[] = await page.evaluate(() => [...document.querySelectorAll('a[href]')].map((a: Element) => a.href));
    const reached = new Set<string>();
    let focusedSkip = false;
    for (let i = 0; i < links.length + 50; i++) {
      await page.keyboard.press('Tab');
      const focused: { href?: string; visible: boolean; skip: boolean } = await page.evaluate(() => {
        const el = document.activeElement;
        const box = el?.getBoundingClientRect();
        return { href: el?.href, visible: !!box && box.width > 0 && box.height > 0, skip: el?.className === 'skip' };
      });
      if (i === 0) focusedSkip = focused.skip && focused.visible;
      if (focused.href) reached.add(focused.href);
      if (reached.size === new Set(links).size) break;
    }
    expect(focusedSkip, 'the first Tab shows the skip link').toBe(true);
    expect([...new Set(links)].filter((href) => !reached.has(href))).toEqual([]);
    await close();
  });
});

describe('commitment page in Chromium', () => {
  it('shows the seed page layout, the observations as text, and the history', async () => {
    const { page, problems, remote, close } = await open(COMMITMENT, PHONE);
    const audit = await auditPage(page);
    expect(audit.scripts).toBe(0);
    expect(audit.handlers).toEqual([]);
    expect(audit.overflow).toBeLessThanOrEqual(0);
    expect(audit.headings[0]).toBe(
      "H1:Ajudarem les empreses locals per frenar la destrucció d'ocupació i per fomentar el creixement econòmic.",
    );
    expect(audit.headings.slice(1, 6)).toEqual([
      'H2:Prioritat 1',
      'H2:Àrea responsable',
      'H2:Estat',
      'H2:Observacions',
      'H2:Informació relacionada',
    ]);
    const text = await page.locator('main').textContent();
    expect(text).toContain('En execució però amb retard');
    expect(text).toContain('35%');
    // The official's markup is shown as the text it is.
    expect(text).toContain('<script>alert(document.cookie)</script>');
    expect(text).toContain('Acta "final"');
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await page.locator('.history > li').count()).toBe(1);
    expect(await page.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute('href')).toBe('feed.atom');
    expect(await page.locator('link[rel="alternate"][type="application/rss+xml"]').count()).toBe(0);
    expect(problems).toEqual([]);
    expect(remote).toEqual([]);
    await close();
  });
});

describe('accessibility (axe-core, WCAG 2.1 AA) and screenshots', () => {
  for (const [name, path] of Object.entries(PAGES)) {
    for (const [device, viewport] of Object.entries({ phone: PHONE, desktop: DESKTOP })) {
      it(`${name} on a ${device}: 0 violations`, async () => {
        // axe is injected, so this context lets a script in; the pages' own policy is checked above.
        const { page, close } = await open(path, viewport, { bypassCSP: true });
        const shot = join(screenshots, `${name}-${device}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        await page.addScriptTag({ content: AXE_SOURCE });
        const result: { passes: unknown[]; violations: Array<{ id: string; help: string; nodes: Array<{ target: string[] }> }> } =
          await page.evaluate(() =>
            window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
          );
        const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
        expect(violations).toEqual([]);
        // axe really ran its WCAG rules on the page (an injection that failed would pass nothing).
        expect(result.passes.length).toBeGreaterThan(10);
        await close();
      });
    }
  }

  it('reflows at 200 % zoom (320 CSS px): no page scrolls sideways', async () => {
    for (const path of Object.values(PAGES)) {
      const { page, close } = await open(path, { width: 320, height: 640 });
      const audit = await auditPage(page);
      expect(audit.overflow, path).toBeLessThanOrEqual(0);
      await close();
    }
  });
});

describe('root index in Chromium', () => {
  it('lists the plan and leads to its dashboard', async () => {
    const { page, problems, close } = await open('index.html', { width: 390, height: 844 });
    await page.screenshot({ path: join(screenshots, 'root-phone.png'), fullPage: true });
    const audit = await auditPage(page);
    expect(audit.scripts).toBe(0);
    expect(audit.overflow).toBeLessThanOrEqual(0);
    await page.getByRole('link', { name: 'Terrassa: Pla de Mandat 2015-2019' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Pla de Mandat 2015-2019');
    expect(problems).toEqual([]);
    await close();
  });
});
