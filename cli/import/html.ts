/**
 * Cells exported from a web platform hold HTML (`<div>Revisió del pla…</div>`). Observations
 * become Markdown (what the API stores and the feeds render), so paragraphs, lists and links
 * survive; titles, areas and statuses become plain text. No tag of the input reaches the output.
 *
 * A cell is HTML only when it has a tag of HTML's own vocabulary, so "a < b" or "<3" stay text.
 */
import { NodeHtmlMarkdown } from 'node-html-markdown';
import { type HTMLElement, parse as parseHtml } from 'node-html-parser';
import type { Link } from '#shared/domain/model';

const KNOWN_TAGS = new Set(
  (
    'a abbr address article aside b big blockquote body br caption center cite code col colgroup dd del details div dl dt em ' +
    'embed figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img input ins kbd label li link ' +
    'main mark meta nav object ol option p pre q s samp script section select small span strike strong style sub summary ' +
    'sup table tbody td textarea tfoot th thead title tr tt u ul var video audio source'
  ).split(' '),
);

/** `<name` or `</name` followed by a space, `/` or `>`: one bounded look at each `<`. */
const TAG_START = /<\/?([a-z][a-z0-9]{0,9})(?=[\s/>])/gi;

export function looksLikeHtml(cell: string): boolean {
  if (!cell.includes('<')) return false;
  TAG_START.lastIndex = 0;
  for (let match = TAG_START.exec(cell); match; match = TAG_START.exec(cell)) {
    if (KNOWN_TAGS.has(match[1]!.toLowerCase())) return true;
  }
  return false;
}

const IGNORED = [
  'script',
  'style',
  'noscript',
  'template',
  'head',
  'title',
  'iframe',
  'object',
  'embed',
  'svg',
  'math',
  'form',
  'select',
  'textarea',
  'button',
];

const converter = new NodeHtmlMarkdown(
  {
    bulletMarker: '-',
    emDelimiter: '*',
    strongDelimiter: '**',
    codeBlockStyle: 'fenced',
    maxConsecutiveNewlines: 2,
    ignore: IGNORED,
    keepDataImages: false,
    useLinkReferenceDefinitions: false,
    useInlineLinks: true,
  },
  {
    // Readers should not fetch third-party images by opening a feed: an image becomes its description.
    img: ({ node }) => ({ content: (node.getAttribute('alt') ?? '').trim(), recurse: false }),
  },
);

/**
 * What remains of a tag after conversion could only come from text that spelled one
 * (`&lt;div&gt;`): written as `\<`, it is the same character in Markdown, shown as text. An
 * autolink (`<https://…>`, written for a link whose text is its address) is left as it is.
 */
const escapeTagLike = (markdown: string) => markdown.replace(/<(?=[a-z/!?])(?![a-z][a-z0-9+.-]{0,31}:)/gi, '\\<');

/**
 * Deeper than this, a cell is read as flat text: the parser's tree walks recurse once per
 * level (20,000 nested `<b>` overflow the stack) and Markdown indents nested lists once per
 * level (quadratic). Unclosed `<p>` and `<li>` count as levels here, so a cell with more than
 * this many loses its Markdown, never its text.
 */
const MAX_DEPTH = 48;
const VOID_TAGS = new Set(['br', 'img', 'hr', 'input', 'meta', 'link', 'col', 'source', 'wbr', 'area', 'base', 'embed', 'track']);
const BLOCK_TAGS = new Set([
  'p',
  'div',
  'br',
  'li',
  'ul',
  'ol',
  'tr',
  'table',
  'blockquote',
  'section',
  'article',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'pre',
  'hr',
]);
const ANY_TAG = /<(\/?)([a-z][a-z0-9]{0,9})(?=[\s/>])/gi;

function tooDeep(html: string): boolean {
  let depth = 0;
  ANY_TAG.lastIndex = 0;
  for (let match = ANY_TAG.exec(html); match; match = ANY_TAG.exec(html)) {
    const name = match[2]!.toLowerCase();
    if (VOID_TAGS.has(name)) continue;
    depth = match[1] ? Math.max(0, depth - 1) : depth + 1;
    if (depth > MAX_DEPTH) return true;
  }
  return false;
}

/** Entities decoded (a text without tags parses flat). */
const decode = (text: string) => parseHtml(text.replace(/</g, '&lt;')).text;

/**
 * Tags dropped in one left-to-right scan (a block's end is a line break), entities decoded:
 * the reading of a cell nested too deep to convert.
 */
function flatText(html: string): string {
  const out: string[] = [];
  for (let i = 0; i < html.length; ) {
    const open = html.indexOf('<', i);
    if (open < 0) {
      out.push(html.slice(i));
      break;
    }
    out.push(html.slice(i, open));
    const name = /^<[/!?]?([a-z][a-z0-9]{0,9})?/i.exec(html.slice(open, open + 12))!;
    if (name[0].length === 1) {
      out.push('<');
      i = open + 1;
      continue;
    }
    const close = html.indexOf('>', open);
    if (close < 0) break;
    if (BLOCK_TAGS.has((name[1] ?? '').toLowerCase())) out.push('\n');
    i = close + 1;
  }
  return decode(out.join(''))
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();
}

/**
 * The cell's HTML, if it has any: as it is, or once unescaped when the export escaped it
 * (`&lt;div&gt;…`, as some platforms do), else undefined.
 */
function htmlOf(cell: string): string | undefined {
  if (looksLikeHtml(cell)) return cell;
  if (!cell.includes('&lt;')) return undefined;
  const decoded = decode(cell);
  return looksLikeHtml(decoded) ? decoded : undefined;
}

/** An HTML cell as Markdown; any other cell as it is. */
export function htmlToMarkdown(cell: string): string {
  let html = htmlOf(cell);
  if (html === undefined) return cell;
  if (tooDeep(html)) return escapeTagLike(flatText(html).replace(/\n/g, '\n\n'));
  // Tags escaped inside HTML (`<p>&lt;p&gt;…`) were escaped twice: the inner ones are meant.
  const inner = parseHtml(html).text;
  if (looksLikeHtml(inner)) html = tooDeep(inner) ? flatText(inner) : inner;
  const markdown = converter.translate(html.replace(/\r\n?/g, '\n'));
  // A line of white space alone (an empty `<div><br></div>`) is a blank line.
  return escapeTagLike(markdown.replace(/^[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n')).trim();
}

const textOf = (html: string) => {
  if (tooDeep(html)) return flatText(html).replace(/\s+/g, ' ');
  const root = parseHtml(html, { blockTextElements: {} });
  for (const tag of IGNORED) for (const element of root.querySelectorAll(tag)) element.remove();
  return root.structuredText.replace(/\s+/g, ' ').trim();
};

/** An HTML cell as one line of plain text (tags dropped, entities decoded, white space collapsed). */
export function htmlToText(cell: string): string {
  const html = htmlOf(cell);
  if (html === undefined) return cell;
  const text = textOf(html);
  // Text that still spells tags was escaped twice: one more pass, then what is left is text.
  return looksLikeHtml(text) ? textOf(text) : text;
}

/** The links of an HTML cell (`<a href>`), one "[title](url)" line each, for the links reader. */
export function htmlLinks(cell: string): string {
  const html = htmlOf(cell);
  if (html === undefined) return cell;
  if (tooDeep(html)) return flatText(html);
  const root = parseHtml(html);
  const anchors = root.querySelectorAll('a[href]') as HTMLElement[];
  const links: Link[] = anchors.map((a) => {
    const url = (a.getAttribute('href') ?? '').trim();
    return { title: a.text.replace(/\s+/g, ' ').trim() || url, url };
  });
  if (links.length === 0) return htmlToText(cell);
  return links.map((link) => `${link.title} <${link.url}>`).join('\n');
}
