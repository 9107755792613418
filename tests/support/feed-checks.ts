/**
 * Independent readers of every published format, as a portal, a feed reader or a spreadsheet
 * would read them: csv-parse, fast-xml-parser, jsonld, and the JSON Feed 1.1 rules written
 * out from the spec. They share no code with the renderers.
 */
import { parse as parseCsvText } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import jsonld from 'jsonld';
import { expect } from 'vitest';

// --- XML feeds ------------------------------------------------------------------------------

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ['item', 'entry', 'link', 'category', 'atom:link', 'author'].includes(name),
});

function parseXml(body: string): Record<string, any> {
  const valid = XMLValidator.validate(body);
  expect(valid, typeof valid === 'object' ? JSON.stringify(valid.err) : '').toBe(true);
  return xml.parse(body);
}

const textOf = (node: unknown): string =>
  Array.isArray(node)
    ? textOf(node[0])
    : typeof node === 'string'
      ? node
      : node && typeof node === 'object'
        ? String((node as Record<string, unknown>)['#text'] ?? '')
        : '';

export interface FeedItemView {
  id: string;
  title: string;
  link: string;
  html: string;
  date: string;
  /** The item's own author (Atom entry author, RSS dc:creator, JSON Feed item authors). */
  author?: string;
}

/** WebSub discovery (W3C WebSub §4): a topic is advertised with exactly one rel=self and its hubs as absolute URLs. */
function checkWebSubLinks(self: string | undefined, hubs: string[]) {
  if (hubs.length === 0) return;
  expect(self && isAbsoluteUrl(self), 'a feed with hubs names its topic (rel=self)').toBe(true);
  for (const hub of hubs) expect(isAbsoluteUrl(hub), `hub ${hub}`).toBe(true);
}

/** RSS 2.0: the channel's required title/link/description, and each item's guid. */
export function readRss(body: string) {
  const doc = parseXml(body);
  expect(doc.rss?.['@version']).toBe('2.0');
  const channel = doc.rss.channel;
  for (const required of ['title', 'link', 'description'])
    expect(textOf(channel[required]).length, `channel ${required}`).toBeGreaterThan(0);
  const atomLinks = (channel['atom:link'] ?? []) as Array<Record<string, string>>;
  const selfLinks = atomLinks.filter((l) => l['@rel'] === 'self');
  expect(selfLinks.length, 'one atom:link rel=self').toBe(1);
  const self = selfLinks[0]!;
  const hubs = atomLinks.filter((l) => l['@rel'] === 'hub').map((l) => l['@href']!);
  checkWebSubLinks(self['@href'], hubs);
  const items: FeedItemView[] = (channel.item ?? []).map((item: Record<string, any>) => {
    expect(textOf(item.title).length > 0 || textOf(item.description).length > 0).toBe(true);
    expect(item.guid?.['@isPermaLink']).toBe('false');
    expect(Number.isNaN(Date.parse(textOf(item.pubDate)))).toBe(false);
    return {
      id: textOf(item.guid),
      title: textOf(item.title),
      link: textOf(item.link),
      html: textOf(item.description),
      date: textOf(item.pubDate),
      author: textOf(item['dc:creator']),
    };
  });
  return {
    title: textOf(channel.title),
    link: textOf(channel.link),
    language: textOf(channel.language),
    self: self['@href'],
    selfRel: self['@rel'],
    hubs,
    items,
  };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Atom 1.0 (RFC 4287 §4.1): feed id/title/updated/author, entries with id/title/updated and content. */
export function readAtom(body: string) {
  const doc = parseXml(body);
  const feed = doc.feed;
  expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
  for (const required of ['id', 'title', 'updated']) expect(textOf(feed[required]).length, `feed ${required}`).toBeGreaterThan(0);
  expect(textOf(feed.updated)).toMatch(RFC3339);
  const links = (feed.link ?? []) as Array<Record<string, string>>;
  const self = links.find((l) => l['@rel'] === 'self');
  expect(self, 'rel=self link').toBeDefined();
  expect(links.filter((l) => l['@rel'] === 'self')).toHaveLength(1);
  const hubs = links.filter((l) => l['@rel'] === 'hub').map((l) => l['@href']!);
  checkWebSubLinks(self?.['@href'], hubs);
  const entries = (feed.entry ?? []) as Array<Record<string, any>>;
  const hasFeedAuthor = textOf(feed.author?.[0]?.name).length > 0;
  const items: FeedItemView[] = entries.map((entry) => {
    for (const required of ['id', 'title', 'updated']) expect(textOf(entry[required]).length, `entry ${required}`).toBeGreaterThan(0);
    expect(textOf(entry.updated)).toMatch(RFC3339);
    const author = textOf(entry.author?.[0]?.name);
    expect(hasFeedAuthor || author.length > 0, 'author (feed or entry)').toBe(true);
    const alternate = (entry.link ?? []).find((l: Record<string, string>) => (l['@rel'] ?? 'alternate') === 'alternate');
    expect(entry.content?.['@type']).toBe('html');
    return {
      id: textOf(entry.id),
      title: textOf(entry.title),
      link: alternate?.['@href'] ?? '',
      html: textOf(entry.content),
      date: textOf(entry.published),
      author,
    };
  });
  return {
    id: textOf(feed.id),
    title: textOf(feed.title),
    lang: feed['@xml:lang'] as string,
    updated: textOf(feed.updated),
    self: self!['@href']!,
    alternate: links.find((l) => l['@rel'] === 'alternate')?.['@href'],
    hubs,
    items,
  };
}

// --- JSON Feed 1.1 --------------------------------------------------------------------------

const FEED_KEYS = [
  'version',
  'title',
  'home_page_url',
  'feed_url',
  'description',
  'user_comment',
  'next_url',
  'icon',
  'favicon',
  'authors',
  'language',
  'expired',
  'hubs',
  'items',
];
const ITEM_KEYS = [
  'id',
  'url',
  'external_url',
  'title',
  'content_html',
  'content_text',
  'summary',
  'image',
  'banner_image',
  'date_published',
  'date_modified',
  'authors',
  'tags',
  'language',
  'attachments',
];

function isAbsoluteUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** The rules of https://jsonfeed.org/version/1.1, checked one by one. */
export function readJsonFeed(body: string) {
  const feed = JSON.parse(body) as Record<string, any>;
  expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
  expect(typeof feed.title === 'string' && feed.title.length > 0).toBe(true);
  expect(Array.isArray(feed.items)).toBe(true);
  for (const key of Object.keys(feed)) expect(FEED_KEYS.includes(key) || /^_[a-z]/i.test(key), `feed key ${key}`).toBe(true);
  for (const key of ['home_page_url', 'feed_url']) if (key in feed) expect(isAbsoluteUrl(feed[key]), key).toBe(true);
  if ('authors' in feed) {
    expect(Array.isArray(feed.authors)).toBe(true);
    for (const author of feed.authors) expect(['name', 'url', 'avatar'].some((k) => typeof author[k] === 'string')).toBe(true);
  }
  if ('language' in feed) expect(feed.language).toMatch(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/);
  // JSON Feed 1.1 `hubs`: objects with a type and a url (WebSub hubs have type "WebSub").
  const hubs: string[] = [];
  if ('hubs' in feed) {
    expect(Array.isArray(feed.hubs)).toBe(true);
    for (const hub of feed.hubs) {
      expect(typeof hub.type === 'string' && isAbsoluteUrl(hub.url), 'hub has type and url').toBe(true);
      hubs.push(hub.url);
    }
    checkWebSubLinks(feed.feed_url, hubs);
  }
  const ids = new Set<string>();
  const items: FeedItemView[] = feed.items.map((item: Record<string, any>) => {
    for (const key of Object.keys(item)) expect(ITEM_KEYS.includes(key) || /^_[a-z]/i.test(key), `item key ${key}`).toBe(true);
    expect(typeof item.id === 'string' && item.id.length > 0, 'item id is a non-empty string').toBe(true);
    expect(ids.has(item.id), 'item ids unique').toBe(false);
    ids.add(item.id);
    expect(typeof item.content_html === 'string' || typeof item.content_text === 'string', 'content_html or content_text').toBe(true);
    if ('url' in item) expect(isAbsoluteUrl(item.url)).toBe(true);
    for (const key of ['date_published', 'date_modified']) if (key in item) expect(item[key]).toMatch(RFC3339);
    if ('tags' in item) expect(item.tags.every((t: unknown) => typeof t === 'string')).toBe(true);
    if ('authors' in item) expect(item.authors.every((a: Record<string, unknown>) => typeof a.name === 'string')).toBe(true);
    return {
      id: item.id,
      title: item.title ?? '',
      link: item.url ?? '',
      html: item.content_html ?? '',
      date: item.date_published ?? '',
      author: item.authors?.[0]?.name,
    };
  });
  return { feed, items, hubs };
}

// --- safe HTML ------------------------------------------------------------------------------

const ALLOWED_TAGS = new Set([
  'p',
  'br',
  'strong',
  'em',
  'del',
  'ul',
  'ol',
  'li',
  'a',
  'code',
  'pre',
  'blockquote',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'input',
]);

/** What a feed item's HTML may contain: known tags only, no handlers, links to http(s)/mailto only. */
export function expectSafeHtml(html: string): void {
  const tags = html.match(/<\/?[a-zA-Z][^>]*>/g) ?? [];
  for (const tag of tags) {
    const name = /^<\/?([a-zA-Z0-9]+)/.exec(tag)![1]!.toLowerCase();
    expect(ALLOWED_TAGS.has(name), `tag <${name}> in ${tag}`).toBe(true);
    expect(/\son[a-z]+\s*=/i.test(tag), `event handler in ${tag}`).toBe(false);
    const href = /\shref="([^"]*)"/.exec(tag)?.[1];
    if (href !== undefined) expect(href.replace(/&amp;/g, '&'), `href in ${tag}`).toMatch(/^(https?:|mailto:)/i);
  }
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/href="\s*javascript:/i);
}

// --- CSV against the Data Package -----------------------------------------------------------

export interface SchemaField {
  name: string;
  type: string;
  format?: string;
  constraints?: { required?: boolean; minimum?: number; maximum?: number; enum?: string[] };
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses a CSV (RFC 4180) and checks header and every cell against a Table Schema. */
export function readCsvAgainstSchema(body: string, schema: { fields: SchemaField[]; missingValues?: string[]; primaryKey?: string[] }) {
  expect(body.startsWith('\uFEFF'), 'no BOM').toBe(false);
  const rows = parseCsvText(body, { bom: false, relax_column_count: false, record_delimiter: '\r\n' }) as string[][];
  const [header, ...data] = rows;
  expect(header).toEqual(schema.fields.map((f) => f.name));
  const missing = new Set(schema.missingValues ?? ['']);
  for (const [r, row] of data.entries()) {
    for (const [i, field] of schema.fields.entries()) {
      const value = row[i]!;
      const where = `row ${r + 1} ${field.name}=${JSON.stringify(value)}`;
      if (missing.has(value)) {
        expect(field.constraints?.required, `${where} is required`).not.toBe(true);
        continue;
      }
      if (field.type === 'integer') {
        expect(value, where).toMatch(/^-?\d+$/);
        const n = Number(value);
        if (field.constraints?.minimum !== undefined) expect(n, where).toBeGreaterThanOrEqual(field.constraints.minimum);
        if (field.constraints?.maximum !== undefined) expect(n, where).toBeLessThanOrEqual(field.constraints.maximum);
      } else if (field.type === 'datetime') {
        expect(value, where).toMatch(DATETIME);
      } else if (field.type === 'boolean') {
        // Table Schema's default trueValues/falseValues include these two.
        expect(['true', 'false'], where).toContain(value);
      } else {
        expect(field.type, where).toBe('string');
        if (field.format === 'uri') expect(isAbsoluteUrl(value), where).toBe(true);
      }
      if (field.constraints?.enum) expect(field.constraints.enum, where).toContain(value);
      // Formula injection: no cell a spreadsheet would evaluate.
      expect(/^[=+\-@\t\r]/.test(value), `${where} starts like a formula`).toBe(false);
    }
  }
  if (schema.primaryKey) {
    const keys = data.map((row) => schema.primaryKey!.map((k) => row[header!.indexOf(k)]).join('\u0000'));
    expect(new Set(keys).size, 'primary key unique').toBe(keys.length);
  }
  return { header: header!, rows: data.map((row) => Object.fromEntries(header!.map((h, i) => [h, row[i]!]))) };
}

// --- JSON-LD --------------------------------------------------------------------------------

export const NS = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
};

/** Refuses any remote @context: the catalog must expand on its own. */
const offlineLoader = async (url: string): Promise<never> => {
  throw new Error(`the catalog tried to load a remote context: ${url}`);
};

export async function expandJsonLd(body: string): Promise<Array<Record<string, any>>> {
  const flattened = (await jsonld.flatten(JSON.parse(body), undefined, { documentLoader: offlineLoader as never })) as unknown;
  const graph = Array.isArray(flattened) ? flattened : ((flattened as { '@graph': unknown[] })['@graph'] ?? []);
  return graph as Array<Record<string, any>>;
}

export const ofType = (graph: Array<Record<string, any>>, type: string) => graph.filter((n) => (n['@type'] ?? []).includes(type));
export const values = (node: Record<string, any>, term: string): Array<Record<string, any>> => node[term] ?? [];
