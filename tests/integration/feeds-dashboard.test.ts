/**
 * The dashboard as a citizen sees it: the published pages, copied out of the bucket, opened in
 * headless Chromium on a phone-sized and a desktop-sized screen, screenshotted, and read back.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCommitment } from '#shared/api/definitions';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
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
const screenshots = mkdtempSync(join(tmpdir(), 'mandat-dashboard-'));

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

async function open(path: string, viewport: { width: number; height: number }) {
  const context = await browser.newContext({ viewport, javaScriptEnabled: true });
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

describe('plan dashboard in Chromium', () => {
  it('reads right on a phone: language, headings, chart text, statuses, no overflow, nothing executable', async () => {
    const { page, problems, remote, close } = await open(`plans/${DEMO_PLAN_ID}/index.html`, { width: 390, height: 844 });
    const shot = join(screenshots, 'dashboard-phone.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`dashboard screenshot: ${shot}`);
    const audit = await auditPage(page);

    expect(audit.lang).toBe('ca');
    expect(audit.scripts).toBe(0);
    expect(audit.handlers).toEqual([]);
    expect(audit.imagesWithoutAlt).toBe(0);
    expect(audit.overflow, 'no horizontal scrolling on a 390 px screen').toBeLessThanOrEqual(0);
    expect(audit.headings[0]).toBe('H1:Pla de Mandat 2015-2019');
    expect(audit.headings).toContain(
      "H2:Prioritat 1. Potenciarem l'activitat econòmica per tal de reduir l'atur i facilitarem la creació de feina estable i de qualitat.",
    );
    expect(audit.headings).toContain('H3:Territori i Sostenibilitat');

    const chart = page.locator('svg[role="img"]');
    await expect.poll(() => chart.isVisible()).toBe(true);
    expect(await chart.locator('title').textContent()).toBe('Compromisos per estat');
    expect(await chart.locator('desc').textContent()).toBe(
      '2 compromisos en total: No iniciat per canvi de prioritat: 0; Pendent: 1; En execució però amb retard: 1; Completat o en execució dins les previsions: 0.',
    );

    const text = await page.locator('body').textContent();
    expect(text).toContain('En execució però amb retard');
    expect(text).toContain("4. Ajudarem les empreses locals per frenar la destrucció d'ocupació i per fomentar el creixement econòmic.");
    expect(text).toContain('Progrés:');
    expect(text).toContain('35%');
    expect(text).toContain('Darrera actualització:');
    // The official's markup is shown as the text it is.
    expect(text).toContain('<script>alert(document.cookie)</script>');
    expect(text).toContain('Acta "final"');

    for (const badge of audit.badges) {
      expect(contrastRatio(rgbToHex(badge.background), rgbToHex(badge.color)), badge.text ?? '').toBeGreaterThanOrEqual(4.5);
    }
    expect(problems).toEqual([]);
    expect(remote).toEqual([]);
    await close();
  });

  it('links every feed and file, and every link leads somewhere that exists', async () => {
    const { page, close } = await open(`plans/${DEMO_PLAN_ID}/index.html`, { width: 1280, height: 900 });
    await page.screenshot({ path: join(screenshots, 'dashboard-desktop.png'), fullPage: true });
    const audit = await auditPage(page);
    const local = audit.links.filter((href) => href.startsWith('file:'));
    for (const href of local) {
      const url = new URL(href);
      const path = fileURLToPath(new URL(url.pathname, url));
      expect(existsSync(path.endsWith('/') ? join(path, 'index.html') : path), href).toBe(true);
      if (url.hash && url.pathname.endsWith('/index.html')) expect(audit.ids, href).toContain(decodeURIComponent(url.hash.slice(1)));
    }
    for (const href of audit.links.filter((h) => !h.startsWith('file:'))) expect(href).toMatch(/^(https?:|mailto:)/);
    const planDir = pathToFileURL(join(site, 'plans', DEMO_PLAN_ID)).href;
    for (const file of [
      'feed.rss',
      'feed.atom',
      'feed.json',
      'commitments.csv',
      'commitments.json',
      'links.csv',
      'datapackage.json',
      'README.md',
    ]) {
      expect(local).toContain(`${planDir}/${file}`);
    }
    for (const format of ['rss', 'atom', 'json']) {
      expect(local).toContain(`${planDir}/commitments/c12/feed.${format}`);
      expect(local).toContain(`${planDir}/areas/territori-i-sostenibilitat/feed.${format}`);
    }
    expect(local.some((href) => /\/updates\/\d{4}\.csv$/.test(href))).toBe(true);
    await close();
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
