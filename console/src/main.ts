/**
 * The signing console: officials post status updates and admins manage keys, signed in the
 * browser with a key that stays on the device. Plain DOM; every request goes to this origin.
 */
import { markdownToHtml } from '#shared/render/markdown';
import { LANGUAGES, type Language, pickLanguage, WORDS, type Words } from './i18n.ts';
import { type DeviceKey, ed25519Supported, forgetKey, generateDeviceKey, importDeviceKey, loadKey, saveKey } from './keystore.ts';
import { contentDigest, signRequest } from './signer.ts';

interface StatusDefinition {
  code: string;
  labels: Record<string, string>;
}
interface Commitment {
  commitmentId: string;
  number: number;
  title: string;
  area: string;
  status: string;
  observations: string;
  links: Array<{ title: string; url: string }>;
  revision: number;
}
interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let words: Words = WORDS.en;
let language: Language = 'en';
let key: DeviceKey | undefined;
let plan: { planId: string; language: string; statuses: StatusDefinition[] } | undefined;
let shown: Commitment | undefined;
/** One per update being written: a retry after a network failure must not post it twice. */
let idempotencyKey = crypto.randomUUID();

function applyLanguage(next: Language) {
  language = next;
  words = WORDS[next];
  document.documentElement.lang = next;
  document.title = words.title;
  for (const element of document.querySelectorAll<HTMLElement>('[data-t]')) {
    element.textContent = words[element.dataset.t as keyof Words];
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('.remove-link')) button.textContent = words.removeLink;
  for (const label of document.querySelectorAll<HTMLElement>('[data-link-label]')) {
    label.textContent = label.dataset.linkLabel === 'title' ? words.linkTitle : words.linkUrl;
  }
  if (plan) fillStatuses();
  if (shown) showCurrent(shown);
}

function say(id: string, kind: 'ok' | 'error' | 'info', text: string, details: string[] = []) {
  const box = $(id);
  box.className = `message ${kind}`;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  box.replaceChildren();
  const first = document.createElement('p');
  first.textContent = text;
  box.append(first);
  if (details.length > 0) {
    const list = document.createElement('ul');
    for (const detail of details) list.append(Object.assign(document.createElement('li'), { textContent: detail }));
    box.append(list);
  }
}

/** An RFC 9457 problem in words: its title and detail, and each field it names. */
function problemWords(problem: Problem, status: number): string[] {
  const lines = [`${status} ${problem.title ?? ''}: ${problem.detail ?? ''}`.trim()];
  for (const error of problem.errors ?? []) lines.push(`${words.field} ${error.path || '(body)'}: ${error.message}`);
  return lines;
}

class NetworkFailure extends Error {}

/** A signed request to this origin's API; a network failure is retried (re-signed, same body and headers). */
async function signed(method: string, path: string, body?: unknown, extra: Record<string, string> = {}, onRetry?: () => void) {
  if (!key) throw new Error('no key');
  const url = new URL(path, location.origin);
  const text = body === undefined ? undefined : JSON.stringify(body);
  const covered: Record<string, string> = {};
  if (text !== undefined) {
    covered['content-type'] = 'application/json';
    covered['content-digest'] = await contentDigest(text);
  }
  Object.assign(covered, extra);
  for (let attempt = 0; ; attempt++) {
    // A fresh signature (new nonce, new created) each attempt; the Idempotency-Key stays the same.
    const headers = await signRequest({ method, url, headers: covered, keyId: key.keyId, privateKey: key.privateKey });
    try {
      const response = await fetch(url, { method, headers, body: text, cache: 'no-store', credentials: 'omit' });
      const json = response.status === 204 ? undefined : await response.json().catch(() => undefined);
      return { status: response.status, ok: response.ok, json, etag: response.headers.get('etag') };
    } catch (error) {
      if (attempt >= 3) throw new NetworkFailure((error as Error).message);
      onRetry?.();
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
  }
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: 'no-store', credentials: 'omit' });
  if (!response.ok) throw new Error(`${words.loadFailed} ${path}: ${response.status}`);
  return (await response.json()) as T;
}

// --- key -------------------------------------------------------------------------------------

function showKey() {
  $('key-section').hidden = false;
  $('key-setup').hidden = key !== undefined;
  $('key-ready').hidden = key === undefined;
  $('post-section').hidden = key === undefined;
  $('admin-section').hidden = key === undefined;
  if (key) {
    $('show-key-id').textContent = key.keyId;
    $('show-fingerprint').textContent = key.fingerprint;
    $<HTMLTextAreaElement>('show-public').value = key.publicKeyPem;
  }
}

function chosenKeyId(): string | undefined {
  const input = $<HTMLInputElement>('key-id');
  const value = input.value.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) {
    input.setAttribute('aria-invalid', 'true');
    say('key-message', 'error', `${words.keyId}: ${words.keyIdHint}`);
    input.focus();
    return undefined;
  }
  input.removeAttribute('aria-invalid');
  return value;
}

async function keep(made: DeviceKey) {
  await saveKey(made);
  key = made;
  showKey();
  say('key-message', 'ok', words.keyReady);
  $('show-public').focus();
  await loadPlans();
}

// --- posting ---------------------------------------------------------------------------------

function option(value: string, text: string) {
  return Object.assign(document.createElement('option'), { value, textContent: text });
}

async function loadPlans() {
  const select = $<HTMLSelectElement>('plan');
  try {
    const { plans } = await getJson<{ plans: Array<{ planId: string; title: string; municipality: string }> }>('/api/v1/plans');
    select.replaceChildren(option('', words.choose), ...plans.map((p) => option(p.planId, `${p.title} (${p.municipality})`)));
  } catch (error) {
    say('post-message', 'error', (error as Error).message);
  }
}

const label = (code: string) => {
  const definition = plan?.statuses.find((s) => s.code === code);
  if (!definition) return code;
  // The plan's own language first: its labels are the official wording.
  return definition.labels[plan!.language] ?? definition.labels[language] ?? definition.labels.en ?? code;
};

function fillStatuses() {
  const select = $<HTMLSelectElement>('status');
  const value = select.value;
  select.replaceChildren(...(plan?.statuses ?? []).map((s) => option(s.code, label(s.code))));
  if (value) select.value = value;
}

async function choosePlan(planId: string) {
  shown = undefined;
  $('current').replaceChildren();
  const commitments = $<HTMLSelectElement>('commitment');
  commitments.replaceChildren(option('', words.choose));
  if (!planId) return;
  try {
    const file = await getJson<{ plan: { planId: string; language: string; statuses: StatusDefinition[] }; commitments: Commitment[] }>(
      `/plans/${encodeURIComponent(planId)}/commitments.json`,
    );
    plan = file.plan;
    fillStatuses();
    commitments.append(...file.commitments.map((c) => option(c.commitmentId, `${c.number}. ${c.title} — ${c.area}`)));
  } catch (error) {
    say('post-message', 'error', (error as Error).message);
  }
}

function showCurrent(commitment: Commitment) {
  const box = $('current');
  const heading = Object.assign(document.createElement('h3'), {
    textContent: `${words.current} (${words.revision} ${commitment.revision})`,
  });
  const status = Object.assign(document.createElement('p'), { textContent: `${words.status}: ${label(commitment.status)}` });
  const observations = document.createElement('div');
  observations.innerHTML = markdownToHtml(commitment.observations);
  const links = document.createElement('ul');
  for (const link of commitment.links) {
    const a = Object.assign(document.createElement('a'), { href: link.url, textContent: link.title, rel: 'noopener noreferrer' });
    const item = document.createElement('li');
    item.append(a);
    links.append(item);
  }
  box.replaceChildren(heading, status, observations, ...(commitment.links.length ? [links] : []));
}

async function chooseCommitment(commitmentId: string) {
  shown = undefined;
  $('current').replaceChildren();
  const planId = $<HTMLSelectElement>('plan').value;
  if (!planId || !commitmentId) return;
  // The API's copy, not the published file: it carries the revision to send as If-Match.
  const commitment = await getJson<Commitment>(
    `/api/v1/plans/${encodeURIComponent(planId)}/commitments/${encodeURIComponent(commitmentId)}`,
  );
  shown = commitment;
  showCurrent(commitment);
  $<HTMLSelectElement>('status').value = commitment.status;
  $<HTMLTextAreaElement>('observations').value = commitment.observations;
  $('links').replaceChildren();
  for (const link of commitment.links) addLinkRow(link.title, link.url);
  preview();
  idempotencyKey = crypto.randomUUID();
}

let linkCount = 0;
function addLinkRow(title = '', url = '') {
  const n = ++linkCount;
  const item = document.createElement('li');
  const field = (kind: 'title' | 'url', value: string) => {
    const wrap = document.createElement('p');
    wrap.className = 'field';
    const text = document.createElement('label');
    text.htmlFor = `link-${kind}-${n}`;
    text.dataset.linkLabel = kind;
    text.textContent = kind === 'title' ? words.linkTitle : words.linkUrl;
    const input = Object.assign(document.createElement('input'), { id: `link-${kind}-${n}`, value, type: kind === 'url' ? 'url' : 'text' });
    input.className = `link-${kind}`;
    wrap.append(text, input);
    return wrap;
  };
  const remove = Object.assign(document.createElement('button'), {
    type: 'button',
    textContent: words.removeLink,
    className: 'secondary remove-link',
  });
  remove.addEventListener('click', () => {
    item.remove();
    $('add-link').focus();
  });
  item.append(field('title', title), field('url', url), remove);
  $('links').append(item);
  return item;
}

function preview() {
  // The feeds' own renderer: what the official sees here is what subscribers will read.
  $('preview').innerHTML = markdownToHtml($<HTMLTextAreaElement>('observations').value);
}

async function send(event: Event) {
  event.preventDefault();
  const planId = $<HTMLSelectElement>('plan').value;
  const commitmentId = $<HTMLSelectElement>('commitment').value;
  if (!planId || !commitmentId || !shown) {
    say('post-message', 'error', `${words.plan} / ${words.commitment}: ${words.choose}`);
    return;
  }
  const links = [...$('links').querySelectorAll('li')].map((row) => ({
    title: row.querySelector<HTMLInputElement>('.link-title')!.value,
    url: row.querySelector<HTMLInputElement>('.link-url')!.value,
  }));
  const body = { status: $<HTMLSelectElement>('status').value, observations: $<HTMLTextAreaElement>('observations').value, links };
  const button = $<HTMLButtonElement>('send');
  button.disabled = true;
  say('post-message', 'info', words.sending);
  const path = `/api/v1/plans/${encodeURIComponent(planId)}/commitments/${encodeURIComponent(commitmentId)}/updates`;
  try {
    const result = await signed('POST', path, body, { 'if-match': `"${shown.revision}"`, 'idempotency-key': `"${idempotencyKey}"` }, () =>
      say('post-message', 'info', words.retrying),
    );
    if (result.ok) {
      const answer = result.json as { revision: number; commitment: Commitment };
      idempotencyKey = crypto.randomUUID();
      shown = answer.commitment;
      showCurrent(answer.commitment);
      say('post-message', 'ok', `${words.accepted} ${answer.revision}.`);
    } else if (result.status === 412) {
      await chooseCommitmentKeepingDraft(planId, commitmentId);
      say('post-message', 'error', words.conflict, problemWords(result.json as Problem, 412));
    } else {
      say('post-message', 'error', words.problem, problemWords((result.json ?? {}) as Problem, result.status));
    }
  } catch (error) {
    say('post-message', 'error', error instanceof NetworkFailure ? words.networkFailed : (error as Error).message);
  } finally {
    button.disabled = false;
  }
}

/** After a 412: show the version someone else wrote, keep what the official typed. */
async function chooseCommitmentKeepingDraft(planId: string, commitmentId: string) {
  const commitment = await getJson<Commitment>(
    `/api/v1/plans/${encodeURIComponent(planId)}/commitments/${encodeURIComponent(commitmentId)}`,
  );
  shown = commitment;
  showCurrent(commitment);
  idempotencyKey = crypto.randomUUID();
}

// --- administration --------------------------------------------------------------------------

async function register(event: Event) {
  event.preventDefault();
  const plans = $<HTMLInputElement>('new-plans')
    .value.split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const body = {
    keyId: $<HTMLInputElement>('new-key-id').value.trim(),
    publicKeyPem: $<HTMLTextAreaElement>('new-public').value,
    owner: $<HTMLInputElement>('new-owner').value,
    role: $<HTMLSelectElement>('new-role').value,
    scopes: plans.map((planId) => ({ planId })),
  };
  try {
    const result = await signed('POST', '/api/v1/keys', body);
    if (result.ok) say('admin-message', 'ok', `${words.registered} ${body.keyId}.`);
    else say('admin-message', 'error', words.problem, problemWords((result.json ?? {}) as Problem, result.status));
  } catch (error) {
    say('admin-message', 'error', error instanceof NetworkFailure ? words.networkFailed : (error as Error).message);
  }
}

interface KeyView {
  keyId: string;
  owner: string;
  role: string;
  active: boolean;
  scopes: Array<{ planId: string; areas?: string[]; commitments?: string[] }>;
}

async function listKeys() {
  try {
    const result = await signed('GET', '/api/v1/keys');
    if (!result.ok) return say('admin-message', 'error', words.problem, problemWords((result.json ?? {}) as Problem, result.status));
    $('admin-message').replaceChildren();
    const table = document.createElement('table');
    const caption = Object.assign(document.createElement('caption'), { textContent: words.keysTable });
    const head = document.createElement('tr');
    for (const title of [words.keyId, words.owner, words.role, words.scopes, words.state, '']) {
      head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: title }));
    }
    const rows = ((result.json as { keys: KeyView[] }).keys ?? []).map((k) => {
      const row = document.createElement('tr');
      const scopes = k.scopes.map(
        (s) => s.planId + (s.areas ? ` (${s.areas.join(', ')})` : s.commitments ? ` (${s.commitments.join(', ')})` : ''),
      );
      for (const text of [
        k.keyId,
        k.owner,
        k.role === 'admin' ? words.admin : words.official,
        scopes.join('; '),
        k.active ? words.active : words.revoked,
      ]) {
        row.append(Object.assign(document.createElement('td'), { textContent: text }));
      }
      const cell = document.createElement('td');
      if (k.active) {
        const button = Object.assign(document.createElement('button'), {
          type: 'button',
          className: 'secondary',
          textContent: words.revoke,
        });
        button.setAttribute('aria-label', `${words.revoke} ${k.keyId}`);
        button.addEventListener('click', () => void revoke(k.keyId));
        cell.append(button);
      }
      row.append(cell);
      return row;
    });
    const thead = document.createElement('thead');
    thead.append(head);
    const tbody = document.createElement('tbody');
    tbody.append(...rows);
    table.append(caption, thead, tbody);
    $('keys-wrap').replaceChildren(table);
  } catch (error) {
    say('admin-message', 'error', error instanceof NetworkFailure ? words.networkFailed : (error as Error).message);
  }
}

async function revoke(keyId: string) {
  if (!confirm(words.revokeConfirm.replace('{key}', keyId))) return;
  const result = await signed('POST', `/api/v1/keys/${encodeURIComponent(keyId)}/revoke`);
  if (result.ok) {
    await listKeys();
    say('admin-message', 'ok', `${words.revokedOk} ${keyId}.`);
  } else {
    say('admin-message', 'error', words.problem, problemWords((result.json ?? {}) as Problem, result.status));
  }
}

// --- start -----------------------------------------------------------------------------------

async function start() {
  const languageSelect = $<HTMLSelectElement>('language');
  languageSelect.append(...Object.entries(LANGUAGES).map(([code, name]) => option(code, name)));
  const initial = pickLanguage(navigator.languages ?? [navigator.language], localStorage.getItem('mandat-language'));
  languageSelect.value = initial;
  applyLanguage(initial);
  languageSelect.addEventListener('change', () => {
    localStorage.setItem('mandat-language', languageSelect.value);
    applyLanguage(languageSelect.value as Language);
  });

  if (!(await ed25519Supported())) {
    $('unsupported').hidden = false;
    return;
  }
  $('generate').addEventListener('click', async () => {
    const keyId = chosenKeyId();
    if (keyId) await keep(await generateDeviceKey(keyId));
  });
  $('import').addEventListener('click', async () => {
    const keyId = chosenKeyId();
    if (!keyId) return;
    try {
      await keep(await importDeviceKey(keyId, $<HTMLTextAreaElement>('import-pem').value));
      $<HTMLTextAreaElement>('import-pem').value = '';
    } catch {
      say('key-message', 'error', words.importBad);
    }
  });
  $('forget').addEventListener('click', async () => {
    if (!confirm(words.forgetConfirm)) return;
    await forgetKey();
    key = undefined;
    showKey();
    $('key-id').focus();
  });
  $('plan').addEventListener('change', () => void choosePlan($<HTMLSelectElement>('plan').value));
  $('commitment').addEventListener('change', () => void chooseCommitment($<HTMLSelectElement>('commitment').value));
  $('observations').addEventListener('input', preview);
  $('add-link').addEventListener('click', () => addLinkRow().querySelector('input')!.focus());
  $('post-form').addEventListener('submit', (event) => void send(event));
  $('register-form').addEventListener('submit', (event) => void register(event));
  $('list-keys').addEventListener('click', () => void listKeys());

  key = await loadKey();
  showKey();
  if (key) await loadPlans();
  document.body.dataset.ready = 'true';
}

void start();
