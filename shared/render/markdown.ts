/**
 * Officials write observations in Markdown. Feeds and pages get safe HTML, CSV gets plain text.
 *
 * The HTML is made here rather than by a library, because the libraries that parse Markdown
 * completely were the largest part of the publish function's bundle, and so of its cold start:
 * marked is 50 KB minified, markdown-it 97 KB, micromark 87 KB (110 KB with GFM), commonmark.js
 * 156 KB; most of that is for the corners of the full specification and, in the last three, a
 * table of HTML entity names. The tiny ones (snarkdown, 2 KB) are a few regular expressions that
 * let raw HTML and javascript: links through and do not follow CommonMark's paragraphs and lists.
 *
 * Safety does not depend on the parser being right: every character of the observation goes out
 * escaped, and the only markup is what this file writes. So raw HTML is shown as text, links go
 * only to http(s)/mailto (with rel="nofollow noopener"), images become links (readers should not
 * fetch third-party URLs by opening a feed), and no attribute can be broken out of.
 *
 * What is rendered (GitHub Flavored Markdown, as marked rendered it; tests/unit/markdown.test.ts
 * has an example of each): paragraphs, hard line breaks, ATX and setext headings, thematic
 * breaks, block quotes, bullet and ordered lists (nested, tight or loose, task checkboxes),
 * fenced and indented code, pipe tables with alignment, emphasis, strong emphasis,
 * strikethrough, code spans, backslash escapes, inline links and images, <autolinks>, and bare
 * URLs and e-mail addresses. Where marked strayed from CommonMark in the corners (emphasis next
 * to punctuation, lazy lines after code), this follows CommonMark. Left out, and shown as the
 * text they are: reference-style links and their definitions, HTML blocks (a paragraph of text,
 * where marked left them outside any paragraph) and footnotes.
 */
import { escapeXml } from './xml.ts';

const SAFE_LINK = /^(https?:|mailto:)/i;

/** As marked escapes text: an entity reference the official typed (&amp;, &eacute;) stays one. */
const escapeText = (s: string) =>
  s.replace(/[<>"']|&(?!(#\d{1,7}|#[Xx][a-fA-F0-9]{1,6}|\w+);)/g, (c) => TEXT_ENTITIES[c as keyof typeof TEXT_ENTITIES]);
const escapeCode = (s: string) => s.replace(/[&<>"']/g, (c) => TEXT_ENTITIES[c as keyof typeof TEXT_ENTITIES]);
const TEXT_ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function link(href: string, inner: string, title?: string): string {
  if (!SAFE_LINK.test(href.trim())) return inner;
  return `<a href="${escapeXml(href)}"${title ? ` title="${escapeXml(title)}"` : ''} rel="nofollow noopener">${inner}</a>`;
}

// --- inline ---------------------------------------------------------------------------------

/** A run of `*`, `_` or `~`: literal text unless matched into emphasis (CommonMark's algorithm). */
interface Delimiter {
  char: string;
  /** Characters not used yet; `length` is the run as written (the rule of three needs it). */
  left: number;
  length: number;
  canOpen: boolean;
  canClose: boolean;
  /** Closing tags before the run's remaining characters, opening tags after them. */
  before: string;
  after: string;
  prev?: Delimiter;
  next?: Delimiter;
}

const ESCAPABLE = /^[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]$/;
const WHITESPACE = /^\s?$/u;
const PUNCTUATION = /^[\p{P}\p{S}]$/u;
const AUTOLINK = /<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/y;
const AUTOLINK_EMAIL =
  /<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>/y;
// GFM's bare links, with marked's rule for the punctuation that ends a sentence rather than the URL.
const BARE_URL = /(?:https?:\/\/|www\.)(?:[a-zA-Z0-9-]+\.?)+[^\s<]*/iy;
const URL_BACKPEDAL = /(?:[^?!.,:;*_'"~()&]+|\([^)]*\)|&(?![a-zA-Z0-9]+;$)|[?!.,:;*_'"~)]+(?!$))+/;
const BARE_EMAIL = /[A-Za-z0-9._+-]+@[a-zA-Z0-9_-]+(?:\.[a-zA-Z0-9_-]*[a-zA-Z0-9])+(?![-_])/y;
const EMAIL_LOCAL_PART = /[A-Za-z0-9._+-]*/y;
const PLAIN = /[^\\\n`[!<*_~]+/y;
const PLAIN_NOT_URL = /[^\\\n`[!<*_~hHwW]+/y;
/**
 * Link destinations longer than this, or with parentheses nested deeper, are not links (CommonMark
 * allows such limits): a hostile text of many unclosed links then costs little.
 */
const MAX_DESTINATION = 4096;
const MAX_PARENTHESES = 32;

/** The character before index i, a whole emoji or other astral character included. */
function charBefore(src: string, i: number): string {
  const low = src.charCodeAt(i - 1);
  return low >= 0xdc00 && low <= 0xdfff && i >= 2 ? src.slice(i - 2, i) : (src[i - 1] ?? '');
}

/** `[` position → its `]`, for balanced brackets outside escapes. */
function matchBrackets(src: string): Map<number, number> {
  const matches = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === '[') open.push(i);
    else if (src[i] === ']' && open.length) matches.set(open.pop()!, i);
  }
  return matches;
}

const unbackslash = (s: string) => s.replace(/\\([!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~])/g, '$1');

/**
 * `(destination "title")` at `start`: the destination, title and the index after `)`.
 * `unclosed` remembers the title quotes that have no closing one left in `src`.
 */
function linkTail(src: string, start: number, unclosed: Set<string>): { href: string; title?: string; end: number } | undefined {
  let i = start + 1;
  const skipSpace = () => {
    while (i < src.length && /[ \t\n]/.test(src[i]!)) i++;
  };
  skipSpace();
  let href = '';
  if (src[i] === '<') {
    const close = src.slice(i + 1, i + 1 + MAX_DESTINATION).search(/[<>\n]/);
    if (close < 0 || src[i + 1 + close] !== '>') return undefined;
    href = src.slice(i + 1, i + 1 + close);
    i += close + 2;
  } else {
    const from = i;
    let depth = 0;
    for (; i < src.length && i - from < MAX_DESTINATION; i++) {
      const c = src[i]!;
      if (c === '\\' && ESCAPABLE.test(src[i + 1] ?? '')) i++;
      else if (c === '(' && ++depth > MAX_PARENTHESES) return undefined;
      else if (c === ')' && depth-- === 0) break;
      else if (/\s/.test(c)) break;
    }
    if (depth > 0 || i - from >= MAX_DESTINATION) return undefined;
    href = src.slice(from, i);
  }
  const beforeTitle = i;
  skipSpace();
  let title: string | undefined;
  const quote = src[i];
  if (i > beforeTitle && (quote === '"' || quote === "'" || quote === '(')) {
    const close = quote === '(' ? ')' : quote;
    if (unclosed.has(close)) return undefined;
    let j = i + 1;
    for (; j < src.length && src[j] !== close; j++) if (src[j] === '\\') j++;
    if (j >= src.length) {
      unclosed.add(close);
      return undefined;
    }
    title = unbackslash(src.slice(i + 1, j));
    i = j + 1;
    skipSpace();
  }
  if (src[i] !== ')') return undefined;
  return { href: unbackslash(href), title, end: i + 1 };
}

/** The next line's indentation is not kept after a hard line break. */
function afterBreak(src: string, i: number): number {
  while (src[i] === ' ' || src[i] === '\t') i++;
  return i;
}

/** Inline Markdown → HTML. Inside a link's text, no further links (HTML cannot nest them). */
function inline(src: string, links = true): string {
  const nodes: Array<string | Delimiter> = [];
  let text = '';
  const flush = () => {
    if (text) nodes.push(escapeText(text));
    text = '';
  };
  const brackets = matchBrackets(src);
  let first: Delimiter | undefined;
  let last: Delimiter | undefined;
  /** Backtick run lengths with no closing run left: later runs of that length are text at once. */
  const unclosedCode = new Set<number>();
  const unclosedTitles = new Set<string>();
  /** End of the last run of characters tried as an address's local part: each run is tried once. */
  let emailTried = -1;
  // Runs of characters that start nothing are copied at once; per character only where an
  // address may start anywhere (there is an @) and, with a URL in the text, at h and w.
  const plain = !links ? PLAIN : src.includes('@') ? undefined : /https?:\/\/|www\./i.test(src) ? PLAIN_NOT_URL : PLAIN;
  let i = 0;
  while (i < src.length) {
    if (plain) {
      plain.lastIndex = i;
      if (plain.test(src)) {
        text += src.slice(i, plain.lastIndex);
        i = plain.lastIndex;
        if (i >= src.length) break;
      }
    }
    const c = src[i]!;
    const prev = charBefore(src, i);
    if (c === '\\') {
      if (src[i + 1] === '\n') {
        flush();
        nodes.push('<br>');
        i = afterBreak(src, i + 2);
      } else if (ESCAPABLE.test(src[i + 1] ?? '')) {
        flush();
        nodes.push(escapeCode(src[i + 1]!));
        i += 2;
      } else {
        text += c;
        i++;
      }
      continue;
    }
    if (c === '\n') {
      if (/ {2,}$/.test(text)) {
        text = text.replace(/ +$/, '');
        flush();
        nodes.push('<br>');
        i = afterBreak(src, i + 1);
      } else {
        text += c;
        i++;
      }
      continue;
    }
    if (c === '`') {
      let n = 1;
      while (src[i + n] === '`') n++;
      let close = -1;
      if (!unclosedCode.has(n)) {
        // The closing run is the next run of exactly n backticks.
        let from = i + n;
        while ((close = src.indexOf('`'.repeat(n), from)) >= 0) {
          let end = close + n;
          while (src[end] === '`') end++;
          if (end - close === n) break;
          from = end;
        }
        if (close < 0) unclosedCode.add(n);
      }
      if (close < 0) {
        text += '`'.repeat(n);
        i += n;
        continue;
      }
      let code = src.slice(i + n, close).replace(/\n/g, ' ');
      if (/^ [\s\S]* $/.test(code) && code.trim()) code = code.slice(1, -1);
      flush();
      nodes.push(`<code>${escapeCode(code)}</code>`);
      i = close + n;
      continue;
    }
    if (links && (c === '[' || (c === '!' && src[i + 1] === '['))) {
      const open = c === '!' ? i + 1 : i;
      const close = brackets.get(open);
      const tail = close !== undefined && src[close + 1] === '(' ? linkTail(src, close + 1, unclosedTitles) : undefined;
      if (tail) {
        const label = src.slice(open + 1, close);
        flush();
        if (c === '!') {
          // Images would make readers fetch third-party URLs; show the alt text and link instead.
          const alt = escapeXml(label);
          nodes.push(SAFE_LINK.test(tail.href.trim()) ? link(tail.href, alt || escapeXml(tail.href)) : alt);
        } else nodes.push(link(tail.href, inline(label, false), tail.title));
        i = tail.end;
        continue;
      }
    }
    if (links && c === '<') {
      AUTOLINK.lastIndex = AUTOLINK_EMAIL.lastIndex = i;
      const url = AUTOLINK.exec(src);
      const email = url ? null : AUTOLINK_EMAIL.exec(src);
      if (url || email) {
        const target = (url ?? email)![1]!;
        flush();
        nodes.push(link(url ? target : `mailto:${target}`, escapeText(target)));
        i += target.length + 2;
        continue;
      }
    }
    // As in marked: an http(s) URL is a link wherever it starts (even after a quote), www. only after a space or ( * _ ~.
    if (links && (c === 'h' || c === 'H' || ((c === 'w' || c === 'W') && /^$|[\s*_~(]/.test(prev)))) {
      BARE_URL.lastIndex = i;
      const found = BARE_URL.exec(src);
      if (found) {
        let url = found[0];
        for (let before = ''; before !== url; ) {
          before = url;
          url = URL_BACKPEDAL.exec(url)?.[0] ?? '';
        }
        if (url) {
          flush();
          nodes.push(link(/^www\./i.test(url) ? `http://${url}` : url, escapeText(url)));
          i += url.length;
          continue;
        }
      }
    }
    if (links && i >= emailTried && /[A-Za-z0-9.+-]/.test(c) && !/[A-Za-z0-9.+-]/.test(prev)) {
      EMAIL_LOCAL_PART.lastIndex = i;
      EMAIL_LOCAL_PART.test(src);
      emailTried = EMAIL_LOCAL_PART.lastIndex;
      BARE_EMAIL.lastIndex = i;
      const email = src[emailTried] === '@' ? BARE_EMAIL.exec(src)?.[0] : undefined;
      // The whole address or nothing (a final dot ends the sentence, not the address).
      if (email && !/[A-Za-z0-9]/.test(src[i + email.length] ?? '')) {
        flush();
        nodes.push(link(`mailto:${email}`, escapeText(email)));
        i += email.length;
        continue;
      }
    }
    if (c === '*' || c === '_' || c === '~') {
      let n = 1;
      while (src[i + n] === c) n++;
      if (c === '~' && n > 2) {
        text += c.repeat(n);
        i += n;
        continue;
      }
      const nextCode = src.codePointAt(i + n);
      const next = nextCode === undefined ? '' : String.fromCodePoint(nextCode);
      const nextSpace = WHITESPACE.test(next);
      const prevSpace = WHITESPACE.test(prev);
      const nextPunct = PUNCTUATION.test(next);
      const prevPunct = PUNCTUATION.test(prev);
      const leftFlanking = !nextSpace && (!nextPunct || prevSpace || prevPunct);
      const rightFlanking = !prevSpace && (!prevPunct || nextSpace || nextPunct);
      const delimiter: Delimiter = {
        char: c,
        left: n,
        length: n,
        canOpen: c === '_' ? leftFlanking && (!rightFlanking || prevPunct) : leftFlanking,
        canClose: c === '_' ? rightFlanking && (!leftFlanking || nextPunct) : rightFlanking,
        before: '',
        after: '',
        prev: last,
      };
      if (last) last.next = delimiter;
      else first = delimiter;
      last = delimiter;
      flush();
      nodes.push(delimiter);
      i += n;
      continue;
    }
    text += c;
    i++;
  }
  flush();
  emphasis(first);
  return nodes.map((node) => (typeof node === 'string' ? node : node.before + node.char.repeat(node.left) + node.after)).join('');
}

/** CommonMark's "process emphasis", with GFM's strikethrough (runs of one or two `~`, matched by length). */
function emphasis(first: Delimiter | undefined): void {
  const unlink = (d: Delimiter) => {
    if (d.prev) d.prev.next = d.next;
    if (d.next) d.next.prev = d.prev;
  };
  // Per kind of closer, the delimiter below which no opener can be: keeps hostile text linear.
  const bottoms = new Map<string, Delimiter | undefined>();
  let closer = first;
  while (closer) {
    if (!closer.canClose) {
      closer = closer.next;
      continue;
    }
    const key = closer.char === '~' ? `~${closer.length}` : `${closer.char}${closer.canOpen}${closer.length % 3}`;
    const bottom = bottoms.get(key);
    let opener = closer.prev;
    for (; opener && opener !== bottom; opener = opener.prev) {
      if (opener.char !== closer.char || !opener.canOpen) continue;
      if (closer.char === '~') {
        if (opener.left === closer.left) break;
      } else if (
        !((opener.canClose || closer.canOpen) && (opener.length + closer.length) % 3 === 0 && (opener.length % 3 || closer.length % 3))
      ) {
        break;
      }
    }
    if (!opener || opener === bottom) {
      bottoms.set(key, closer.prev);
      const next = closer.next;
      if (!closer.canOpen) unlink(closer);
      closer = next;
      continue;
    }
    const use = closer.char === '~' ? closer.left : closer.left >= 2 && opener.left >= 2 ? 2 : 1;
    const tag = closer.char === '~' ? 'del' : use === 2 ? 'strong' : 'em';
    opener.left -= use;
    closer.left -= use;
    opener.after = `<${tag}>${opener.after}`;
    closer.before += `</${tag}>`;
    // Runs between the two stay text.
    opener.next = closer;
    closer.prev = opener;
    if (!opener.left) unlink(opener);
    if (!closer.left) {
      const next = closer.next;
      unlink(closer);
      closer = next;
    }
  }
}

// --- blocks ---------------------------------------------------------------------------------

type Block = { paragraph: string } | { html: string };

const BLANK = /^[ \t]*$/;
const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,3})([-+*]|\d{1,9}[.)])(?:([ \t]+)(.*))?$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const TASK = /^\[([ xX])\] +/;
const CLOSING_FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

function fence(line: string): RegExpExecArray | null {
  const m = FENCE.exec(line);
  return m && !(m[2]![0] === '`' && m[3]!.includes('`')) ? m : null;
}

function cells(row: string): string[] {
  const trimmed = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return trimmed.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

function isTableStart(lines: string[], i: number): boolean {
  const header = lines[i]!;
  const delimiter = lines[i + 1] ?? '';
  return (
    header.includes('|') && delimiter.includes('|') && TABLE_DELIMITER.test(delimiter) && cells(header).length === cells(delimiter).length
  );
}

/** A list item that may begin a list in the middle of a paragraph: not empty, and an ordered one only from 1. */
function interruptingItem(line: string): boolean {
  const m = ITEM.exec(line);
  return Boolean(m?.[4]?.trim()) && (/^[-+*]$/.test(m![2]!) || /^1[.)]$/.test(m![2]!));
}

/** Whether a line ends a paragraph by starting another block. */
function startsBlock(lines: string[], i: number): boolean {
  const line = lines[i]!;
  return (
    BLANK.test(line) ||
    ATX.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    fence(line) !== null ||
    interruptingItem(line) ||
    isTableStart(lines, i)
  );
}

/** Indentation in columns: a tab goes to the next multiple of four, as CommonMark counts it. */
function indentOf(line: string): number {
  let column = 0;
  for (const c of line) {
    if (c === ' ') column++;
    else if (c === '\t') column += 4 - (column % 4);
    else break;
  }
  return column;
}

/** The line without its first n columns of indentation; a tab only partly removed leaves spaces. */
function dedent(line: string, n: number): string {
  let column = 0;
  let i = 0;
  for (; column < n && i < line.length; i++) {
    if (line[i] === ' ') column++;
    else if (line[i] === '\t') {
      const width = 4 - (column % 4);
      if (column + width > n) return ' '.repeat(column + width - n) + line.slice(i + 1);
      column += width;
    } else break;
  }
  return line.slice(i);
}

/** The lines of a block quote or list item, and whether a line without its marker may still go on its last paragraph. */
class ContainerLines {
  readonly lines: string[] = [];
  private openFence?: string;

  push(line: string): void {
    this.lines.push(line);
    if (this.openFence === undefined) this.openFence = fence(line)?.[2];
    else {
      const closing = CLOSING_FENCE.exec(line)?.[1];
      if (closing && closing[0] === this.openFence[0] && closing.length >= this.openFence.length) this.openFence = undefined;
    }
  }

  /** "Lazy" continuation: only a paragraph goes on so, not code, a heading or a rule. */
  continuesLazily(lines: string[], i: number): boolean {
    const last = this.lines.at(-1);
    return (
      this.openFence === undefined &&
      last !== undefined &&
      !BLANK.test(last) &&
      indentOf(last) < 4 &&
      !ATX.test(last) &&
      !RULE.test(last) &&
      !ITEM.test(lines[i]!) &&
      !startsBlock(lines, i)
    );
  }
}

/** Quotes and lists nested deeper than this are text: a hostile text cannot exhaust the stack. */
const MAX_NESTING = 16;

function parseBlocks(lines: string[], depth = 0): { blocks: Block[]; blankBetween: boolean } {
  const blocks: Block[] = [];
  let blankBetween = false;
  let sawBlank = false;
  let i = 0;
  const push = (block: Block) => {
    if (sawBlank && blocks.length) blankBetween = true;
    sawBlank = false;
    blocks.push(block);
  };
  while (i < lines.length) {
    const line = lines[i]!;
    let m: RegExpExecArray | null;
    if (BLANK.test(line)) {
      sawBlank = true;
      i++;
    } else if ((m = fence(line))) {
      const [, indent, marker, info] = m;
      const body: string[] = [];
      let closed = false;
      for (i++; i < lines.length && !closed; i++) {
        const closing = CLOSING_FENCE.exec(lines[i]!);
        closed = closing !== null && closing[1]![0] === marker![0] && closing[1]!.length >= marker!.length;
        if (closed) continue;
        body.push(dedent(lines[i]!, Math.min(indent!.length, indentOf(lines[i]!))));
      }
      // A fence left open runs to the end, without the blank lines there.
      while (!closed && body.length && BLANK.test(body.at(-1)!)) body.pop();
      const language = unbackslash(info!.trim().split(/\s+/)[0] ?? '');
      const code = body.length ? `${escapeCode(body.join('\n'))}\n` : '';
      push({ html: `<pre><code${language ? ` class="language-${escapeText(language)}"` : ''}>${code}</code></pre>\n` });
    } else if (indentOf(line) >= 4) {
      const body: string[] = [];
      while (i < lines.length && (indentOf(lines[i]!) >= 4 || BLANK.test(lines[i]!))) body.push(dedent(lines[i++]!, 4));
      while (BLANK.test(body.at(-1)!)) body.pop();
      push({ html: `<pre><code>${escapeCode(body.join('\n'))}\n</code></pre>\n` });
    } else if ((m = ATX.exec(line))) {
      const level = m[1]!.length;
      // "# #" is an empty heading: the second # only closes it.
      const content = (m[2] ?? '').trim().replace(/^#+$/, '');
      push({ html: `<h${level}>${inline(content)}</h${level}>\n` });
      i++;
    } else if (RULE.test(line)) {
      push({ html: '<hr>\n' });
      i++;
    } else if (depth < MAX_NESTING && QUOTE.test(line)) {
      const quoted = new ContainerLines();
      for (; i < lines.length; i++) {
        if (QUOTE.test(lines[i]!)) quoted.push(lines[i]!.replace(QUOTE, ''));
        else if (quoted.continuesLazily(lines, i)) quoted.push(lines[i]!);
        else break;
      }
      push({ html: `<blockquote>\n${render(parseBlocks(quoted.lines, depth + 1).blocks)}</blockquote>\n` });
    } else if (depth < MAX_NESTING && ITEM.test(line)) {
      const list = parseList(lines, i, depth);
      i = list.end;
      push({ html: list.html });
    } else if (isTableStart(lines, i)) {
      const header = cells(line);
      const align = cells(lines[i + 1]!).map((d) =>
        d.startsWith(':') && d.endsWith(':')
          ? ' align="center"'
          : d.endsWith(':')
            ? ' align="right"'
            : d.startsWith(':')
              ? ' align="left"'
              : '',
      );
      const row = (values: string[], tag: string) =>
        `<tr>\n${header.map((_, c) => `<${tag}${align[c]}>${inline(values[c] ?? '')}</${tag}>\n`).join('')}</tr>\n`;
      let html = `<table>\n<thead>\n${row(header, 'th')}</thead>\n`;
      const rows: string[] = [];
      for (i += 2; i < lines.length && !startsBlock(lines, i) && !ITEM.test(lines[i]!); i++) rows.push(row(cells(lines[i]!), 'td'));
      if (rows.length) html += `<tbody>${rows.join('')}</tbody>`;
      push({ html: `${html}</table>\n` });
    } else {
      const paragraph = [line];
      let heading = 0;
      for (i++; i < lines.length; i++) {
        const setext = SETEXT.exec(lines[i]!);
        if (setext) {
          heading = setext[1]![0] === '=' ? 1 : 2;
          i++;
          break;
        }
        if (startsBlock(lines, i)) break;
        paragraph.push(lines[i]!);
      }
      // A paragraph's outer spaces are kept, as marked keeps them (a browser does not show them).
      const content = paragraph.join('\n');
      push(heading ? { html: `<h${heading}>${inline(content.trim())}</h${heading}>\n` } : { paragraph: inline(content) });
    }
  }
  return { blocks, blankBetween };
}

function parseList(lines: string[], start: number, depth: number): { html: string; end: number } {
  const first = ITEM.exec(lines[start]!)!;
  const ordered = /\d/.test(first[2]!);
  const kind = first[2]!.slice(-1);
  const items: Array<{ blocks: Block[]; task?: boolean }> = [];
  let loose = false;
  let i = start;
  let m: RegExpExecArray | null;
  while (i < lines.length && (m = ITEM.exec(lines[i]!)) && m[2]!.slice(-1) === kind && !RULE.test(lines[i]!)) {
    const [, indent, marker, spaces = ' ', rest = ''] = m;
    // Content starts after the marker and its spaces; five or more spaces mean indented code after one.
    const width = spaces.length > 4 || !rest ? 1 : spaces.length;
    const contentIndent = indent!.length + marker!.length + width;
    const item = new ContainerLines();
    item.push(`${spaces.slice(width)}${rest}`);
    for (i++; i < lines.length; i++) {
      const line = lines[i]!;
      if (BLANK.test(line)) item.push('');
      else if (indentOf(line) >= contentIndent) item.push(dedent(line, contentIndent));
      else if (item.continuesLazily(lines, i)) item.push(line);
      else break;
    }
    const content = item.lines;
    let trailingBlank = false;
    while (content.length > 1 && BLANK.test(content.at(-1)!)) {
      content.pop();
      trailingBlank = true;
    }
    content[content.length - 1] = content.at(-1)!.trimEnd();
    if (trailingBlank && i < lines.length) {
      const next = ITEM.exec(lines[i]!);
      if (next && next[2]!.slice(-1) === kind) loose = true;
    }
    // A task checkbox is only ever at the start of the item's first paragraph.
    const task = TASK.exec(content[0]!);
    const afterBox = task ? content[0]!.slice(task[0].length) : '';
    const isTask = task !== null && !ITEM.test(afterBox) && !startsBlock([afterBox], 0);
    if (isTask) content[0] = afterBox;
    const parsed = parseBlocks(content, depth + 1);
    if (parsed.blankBetween) loose = true;
    items.push({ blocks: parsed.blocks, task: isTask ? task[1] !== ' ' : undefined });
  }
  const number = Number.parseInt(first[2]!, 10);
  const open = ordered ? `<ol${number !== 1 ? ` start="${number}"` : ''}>` : '<ul>';
  const body = items
    .map(({ blocks, task }): string => {
      if (task !== undefined) {
        const [head, ...others] = blocks;
        const checkbox = `<input ${task ? 'checked="" ' : ''}disabled="" type="checkbox"> `;
        blocks = [{ paragraph: checkbox + (head && 'paragraph' in head ? head.paragraph : '') }, ...others];
      }
      const inner = loose ? render(blocks) : blocks.map((b) => ('paragraph' in b ? b.paragraph : b.html)).join('');
      return `<li>${inner}</li>\n`;
    })
    .join('');
  return { html: `${open}\n${body}${ordered ? '</ol>' : '</ul>'}\n`, end: i };
}

function render(blocks: Block[]): string {
  return blocks.map((b) => ('paragraph' in b ? `<p>${b.paragraph}</p>\n` : b.html)).join('');
}

export function markdownToHtml(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD').split('\n');
  return render(parseBlocks(lines).blocks).trim();
}

/** Markdown to readable plain text: list markers kept, emphasis and link syntax removed. */
export function markdownToText(markdown: string): string {
  return markdown
    .replace(/\r\n?/g, '\n')
    .replace(/!\[([^\]]*)\]\(([^)\s]+)[^)]*\)/g, '$1 ($2)')
    .replace(/\[([^\]]+)\]\(([^)\s]+)[^)]*\)/g, (_m, text: string, url: string) => (text === url ? url : `${text} (${url})`))
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/^\s*[*+]\s+/gm, '- ')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^*\w])[*_]([^*_\n]+)[*_](?=[^*\w]|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!])/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
