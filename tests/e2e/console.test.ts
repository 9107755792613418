/**
 * The signing console in headless Chromium against the local stack (the front, the ingest
 * handler and the publisher over the emulators): a key made in the browser and registered
 * by the demo admin posts an update that reaches the feeds; a concurrent change gives a 412,
 * a refused status is said in words; the key cannot be exported; axe finds no WCAG 2.1 AA
 * violation; phone and desktop screenshots go to test-results/console/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { CONSOLE_SECURITY_HEADERS, securityHeaderFields } from '#shared/render/security-headers';
import { signRequest } from '#shared/signing/http-signature';
import { loadPrivateKey } from '#shared/signing/key-material';
import { launchChromium } from '#tests/support/browser';
import { freePort } from '../../infra/local/emulators.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SHOTS = join(ROOT, 'test-results/console');
const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');

let stack: LocalStack;
let workDir: string;
let browser: Browser;
const pem = (keyId: string) => readFileSync(stack.demoKeys.find((k) => k.keyId === keyId)!.path, 'utf8');

async function api(method: string, path: string, keyId: string, body?: unknown, extra: Record<string, string> = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = signRequest(
    {
      method,
      url: `${stack.url}${path}`,
      headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...extra },
      body: payload,
    },
    { keyId, privateKey: loadPrivateKey(pem(keyId)) },
  );
  const response = await fetch(`${stack.url}${path}`, { method, headers, body: payload });
  return { status: response.status, body: await response.text() };
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'mandat-console-'));
  mkdirSync(SHOTS, { recursive: true });
  const suffix = Math.random().toString(36).slice(2, 8);
  stack = await startLocalStack({
    dataDir: join(workDir, '.data'),
    port: await freePort(),
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    s3Endpoint: inject('s3Endpoint'),
    tableName: `console-${suffix}`,
    bucketName: `console-${suffix}`,
  });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** A page on the console with a fresh device (its own IndexedDB), failing on any CSP violation. */
async function openConsole(options: { bypassCSP?: boolean; viewport?: { width: number; height: number } } = {}) {
  const context: BrowserContext = await browser.newContext({ locale: 'ca-ES', ...options });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  page.on('pageerror', (error) => violations.push(error.message));
  const response = await page.goto(`${stack.url}/console/`);
  expect(response!.status()).toBe(200);
  await page.waitForSelector('body[data-ready="true"]');
  return { context, page, violations, headers: response!.headers() };
}

/** Key setup with the keyboard alone: Tab to the field, type, Tab to the button, Enter. */
async function makeKeyByKeyboard(page: Page, keyId: string) {
  for (let i = 0; i < 10 && (await page.evaluate('document.activeElement?.id')) !== 'key-id'; i++) await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement?.id')).toBe('key-id');
  await page.keyboard.type(keyId);
  await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement?.id')).toBe('generate');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#key-ready:not([hidden])');
  return page.inputValue('#show-public');
}

async function registerOfficial(keyId: string, publicKeyPem: string) {
  const registered = await api('POST', '/api/v1/keys', 'demo-admin', {
    keyId,
    publicKeyPem,
    owner: 'Console test',
    role: 'official',
    scopes: [{ planId: DEMO_PLAN_ID }],
  });
  expect(registered.status, registered.body).toBe(201);
}

async function openCommitment(page: Page, commitmentId: string) {
  await page.selectOption('#plan', DEMO_PLAN_ID);
  await page.waitForSelector(`#commitment option[value="${commitmentId}"]`, { state: 'attached' });
  await page.selectOption('#commitment', commitmentId);
  await page.waitForSelector('#current h3');
}

describe('the signing console', () => {
  it('makes a non-extractable key, posts a signed update that reaches feed.rss and commitments.json', async () => {
    const { context, page, violations, headers } = await openConsole();
    expect(headers['content-security-policy']).toBe(securityHeaderFields(CONSOLE_SECURITY_HEADERS)['content-security-policy']);
    expect(await page.getAttribute('html', 'lang')).toBe('ca');

    const publicKeyPem = await makeKeyByKeyboard(page, 'anna-console');
    expect(publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(await page.textContent('#show-fingerprint')).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
    await registerOfficial('anna-console', publicKeyPem);

    // The stored key signs but cannot be read out, in any format.
    // Page code, as a string: the test's own types are Node's, not the browser's.
    const exported = await page.evaluate(`(async () => {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open('mandat-console');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const record = await new Promise((resolve) => {
        const get = db.transaction('keys').objectStore('keys').get('device');
        get.onsuccess = () => resolve(get.result);
      });
      const outcomes = [];
      for (const format of ['pkcs8', 'jwk']) {
        outcomes.push(await crypto.subtle.exportKey(format, record.privateKey).then(() => 'exported', (e) => e.name));
      }
      return { extractable: record.privateKey.extractable, algorithm: record.privateKey.algorithm.name, outcomes };
    })()`);
    expect(exported).toEqual({ extractable: false, algorithm: 'Ed25519', outcomes: ['InvalidAccessError', 'InvalidAccessError'] });

    await openCommitment(page, 'c4');
    await page.selectOption('#status', 'delayed');
    await page.fill('#observations', '- Fase 1 acabada\n\n**Adjudicació** prevista al març.');
    expect(await page.innerHTML('#preview')).toContain('<strong>Adjudicació</strong>');
    await page.click('#add-link');
    const row = page.locator('#links li').last();
    await row.locator('.link-title').fill('-2+3 acta');
    await row.locator('.link-url').fill('https://example.org/acta-console.pdf');

    const sent: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') sent.push(request);
    });
    // Keyboard: Enter in a field submits the form.
    await row.locator('.link-url').press('Enter');
    await page.waitForSelector('#post-message.ok');

    // The same contract as the CLI, verified by the same ingest code: every component covered.
    const signatureInput = (await sent[0]!.allHeaders())['signature-input']!;
    for (const component of ['@method', '@path', '@authority', 'content-digest', 'content-type', 'if-match', 'idempotency-key']) {
      expect(signatureInput).toContain(`"${component}"`);
    }
    expect(signatureInput).toContain('keyid="anna-console"');

    const rss = await eventually(
      () => fetch(`${stack.url}/plans/${DEMO_PLAN_ID}/feed.rss`).then((r) => r.text()),
      (text) => text.includes('Fase 1 acabada'),
    );
    expect(rss).toContain('Adjudicació');
    const json = await eventually(
      () =>
        fetch(`${stack.url}/plans/${DEMO_PLAN_ID}/commitments.json`).then(
          (r) => r.json() as Promise<{ commitments: Array<Record<string, unknown>> }>,
        ),
      (file) => file.commitments.some((c) => c.commitmentId === 'c4' && String(c.observations).includes('Fase 1 acabada')),
    );
    expect(json.commitments.find((c) => c.commitmentId === 'c4')).toMatchObject({
      status: 'delayed',
      links: expect.arrayContaining([{ title: '-2+3 acta', url: 'https://example.org/acta-console.pdf' }]),
    });
    expect(violations).toEqual([]);
    await context.close();
  }, 60_000);

  it('posts by keyboard alone: Tab from field to field, arrows in the lists, Enter on the button', async () => {
    const { context, page, violations } = await openConsole();
    const publicKeyPem = await makeKeyByKeyboard(page, 'marta-console');
    await registerOfficial('marta-console', publicKeyPem);
    const focused = () => page.evaluate('document.activeElement?.id') as Promise<string | undefined>;
    const tabTo = async (id: string) => {
      for (let i = 0; i < 40 && (await focused()) !== id; i++) await page.keyboard.press('Tab');
      expect(await focused()).toBe(id);
    };
    const chooseByArrows = async (id: string, value: string) => {
      await tabTo(id);
      // Down to the end of the list, then up: the current choice may be past the one wanted.
      for (let i = 0; i < 30 && (await page.inputValue(`#${id}`)) !== value; i++) await page.keyboard.press('ArrowDown');
      for (let i = 0; i < 30 && (await page.inputValue(`#${id}`)) !== value; i++) await page.keyboard.press('ArrowUp');
      expect(await page.inputValue(`#${id}`)).toBe(value);
    };
    await chooseByArrows('plan', DEMO_PLAN_ID);
    await page.waitForSelector('#commitment option[value="c4"]', { state: 'attached' });
    await chooseByArrows('commitment', 'c4');
    await page.waitForSelector('#current h3');
    await chooseByArrows('status', 'pending');
    await tabTo('observations');
    await page.keyboard.type('Redactat només amb el teclat.');
    await tabTo('send');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#post-message.ok');
    await eventually(
      () => fetch(`${stack.url}/plans/${DEMO_PLAN_ID}/feed.rss`).then((r) => r.text()),
      (text) => text.includes('Redactat només amb el teclat.'),
    );
    expect(violations).toEqual([]);
    await context.close();
  }, 60_000);

  it('shows a 412 after a concurrent change with the new version, and a refused status in words', async () => {
    const { context, page, violations } = await openConsole({ viewport: { width: 390, height: 844 } });
    await page.selectOption('#language', 'en');
    const publicKeyPem = await makeKeyByKeyboard(page, 'joan-console');
    await registerOfficial('joan-console', publicKeyPem);
    await openCommitment(page, 'c4');
    const before = await page.textContent('#current h3');

    const concurrent = await api('POST', `/api/v1/plans/${DEMO_PLAN_ID}/commitments/c4/updates`, 'demo-official', {
      status: 'on_track',
      observations: 'Changed by someone else meanwhile.',
    });
    expect(concurrent.status, concurrent.body).toBe(201);

    await page.fill('#observations', 'My stale edit.');
    await page.click('#send');
    await page.waitForSelector('#post-message.error');
    expect(await page.textContent('#post-message')).toMatch(/Someone changed this commitment/);
    expect(await page.textContent('#post-message')).toMatch(/412/);
    expect(await page.textContent('#current')).toContain('Changed by someone else meanwhile.');
    expect(await page.textContent('#current h3')).not.toBe(before);

    // A status the plan does not define (a stale vocabulary): the problem, with its field, in words.
    await page.evaluate(`(() => {
      const select = document.getElementById('status');
      select.append(new Option('finished', 'finished'));
      select.value = 'finished';
    })()`);
    await page.click('#send');
    // Polled from here: the console's CSP (rightly) refuses the eval that waitForFunction needs.
    await eventually(
      () => page.textContent('#post-message'),
      (text) => /status/.test(text ?? '') && !/Someone changed/.test(text ?? ''),
    );
    const refused = await page.textContent('#post-message');
    expect(refused).toMatch(/refused/);
    expect(refused).toMatch(/finished/);
    await page.screenshot({ path: join(SHOTS, 'phone-post.png'), fullPage: true });
    expect(violations).toEqual([]);
    await context.close();
  }, 60_000);

  it('has no WCAG 2.1 AA violations (axe) on its screens; screenshots at phone and desktop sizes', async () => {
    const sizes = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };
    for (const [name, viewport] of Object.entries(sizes)) {
      // axe is injected as a script: only this context bypasses the CSP that would (rightly) block it.
      const { context, page } = await openConsole({ bypassCSP: true, viewport });
      const audit = async (screen: string) => {
        await page.addScriptTag({ path: AXE });
        const result = (await page.evaluate(`(async () => {
          const run = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
          return run.violations.map((v) => v.id + ' (' + v.nodes.length + ')');
        })()`)) as string[];
        expect(result, `${name} ${screen}`).toEqual([]);
        await page.screenshot({ path: join(SHOTS, `${name}-${screen}.png`), fullPage: true });
      };
      await audit('first-visit');
      await makeKeyByKeyboard(page, `axe-${name}`);
      await openCommitment(page, 'c4');
      await page.fill('#observations', '- Fase 1 acabada\n\n**Adjudicació** prevista.');
      await page.click('#add-link');
      await audit('post');
      await page.click('#list-keys');
      await page.waitForSelector('#admin-message.error');
      await audit('admin-refused');
      await context.close();
    }
  }, 90_000);
});
