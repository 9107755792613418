/**
 * Inline Markdown (emphasis, code spans, links, autolinks, escapes, hard breaks) → safe HTML.
 *
 * Linear in the length of the text, whatever it holds: every scan either consumes what it read
 * or is remembered so that it is not repeated (the closing backtick run of each length, the
 * title quotes with no closing one, the local part of an address), link destinations are
 * bounded, and emphasis follows CommonMark's "process emphasis" with its openers-bottom table.
 */
import { type Delimiter, delimiterRun, emphasis } from './markdown-emphasis.ts';
import { escapeXml } from './xml.ts';

const SAFE_LINK = /^(https?:|mailto:)/i;

/** As marked escapes text: an entity reference the official typed (&amp;, &eacute;) stays one. */
export const escapeText = (s: string) =>
  s.replace(/[<>"']|&(?!(#\d{1,7}|#[Xx][a-fA-F0-9]{1,6}|\w+);)/g, (c) => TEXT_ENTITIES[c as keyof typeof TEXT_ENTITIES]);
export const escapeCode = (s: string) => s.replace(/[&<>"']/g, (c) => TEXT_ENTITIES[c as keyof typeof TEXT_ENTITIES]);
const TEXT_ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function link(href: string, inner: string, title?: string): string {
  if (!SAFE_LINK.test(href.trim())) return inner;
  return `<a href="${escapeXml(href)}"${title ? ` title="${escapeXml(title)}"` : ''} rel="nofollow noopener">${inner}</a>`;
}

const ESCAPABLE = /^[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]$/;
const AUTOLINK = /<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/y;
const AUTOLINK_EMAIL =
  /<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>/y;
// GFM's bare links: a domain character after the prefix, then up to a space or <.
const BARE_URL = /(?:https?:\/\/|www\.)[a-zA-Z0-9-][^\s<]*/iy;
/** Punctuation that ends a sentence rather than a bare URL (GFM's list, with marked's ; ' " and unmatched `)`). */
const URL_PUNCTUATION = new Set(['?', '!', '.', ',', ':', ';', '*', '_', "'", '"', '~', ')']);
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

/**
 * A bare URL without what ends the sentence around it, as marked cut it: it repeated
 * /(?:[^?!.,:;*_'"~()&]+|\([^)]*\)|&(?![a-zA-Z0-9]+;$)|[?!.,:;*_'"~)]+(?!$))+/ on the URL until
 * it stopped shrinking (quadratic on a run of trailing punctuation). The same result in one
 * pass: split the URL into that expression's tokens once, then drop from the end what each
 * repetition would.
 */
function trimBareUrl(url: string): string {
  // Token starts, and for a parenthesised token its end (exclusive); 0 for the others.
  const starts: number[] = [];
  const groupEnds: number[] = [];
  let end = url.length;
  let closing = -1;
  for (let i = 0; i < url.length; ) {
    const c = url[i]!;
    starts.push(i);
    if (c === '(') {
      if (closing <= i) closing = url.indexOf(')', i);
      if (closing < 0) {
        // An opening parenthesis never closed ends the URL; the last token is the one before it.
        starts.pop();
        end = i;
        break;
      }
      groupEnds.push(closing + 1);
      i = closing + 1;
      continue;
    }
    groupEnds.push(0);
    const run = c === '&' ? undefined : URL_PUNCTUATION.has(c);
    i++;
    if (run !== undefined) while (i < url.length && url[i] !== '(' && url[i] !== '&' && URL_PUNCTUATION.has(url[i]!) === run) i++;
  }
  for (let last = starts.length - 1; end > 0; ) {
    while (starts[last]! >= end) last--;
    const start = starts[last]!;
    if (groupEnds[last]! > end) {
      end = start; // its closing parenthesis was cut off
      continue;
    }
    if (url[end - 1] === ';') {
      let k = end - 2;
      while (k >= 0 && /[a-zA-Z0-9]/.test(url[k]!)) k--;
      if (k < end - 2 && url[k] === '&' && starts[last - 2] === k) {
        end = k; // a final entity reference
        continue;
      }
    }
    if (groupEnds[last] === 0 && URL_PUNCTUATION.has(url[start]!)) end--;
    else break;
  }
  return url.slice(0, end);
}

/** Start positions of the runs of backticks in the text, by run length, in order. */
function backtickRuns(src: string): Map<number, number[]> {
  const runs = new Map<number, number[]>();
  for (let i = src.indexOf('`'); i >= 0; i = src.indexOf('`', i)) {
    let n = 1;
    while (src[i + n] === '`') n++;
    const list = runs.get(n);
    if (list) list.push(i);
    else runs.set(n, [i]);
    i += n;
  }
  return runs;
}

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

export const unbackslash = (s: string) => s.replace(/\\([!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~])/g, '$1');

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
export function inline(src: string, links = true): string {
  const nodes: Array<string | Delimiter> = [];
  let text = '';
  const flush = () => {
    if (text) nodes.push(escapeText(text));
    text = '';
  };
  const brackets = matchBrackets(src);
  let first: Delimiter | undefined;
  let last: Delimiter | undefined;
  // A code span closes at the next run of as many backticks: each length's runs are passed once.
  let runs: Map<number, number[]> | undefined;
  const passedRuns = new Map<number, number>();
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
      if (text.endsWith('  ')) {
        let end = text.length;
        while (text[end - 1] === ' ') end--;
        text = text.slice(0, end);
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
      runs ??= backtickRuns(src);
      const candidates = runs.get(n) ?? [];
      let next = passedRuns.get(n) ?? 0;
      while (next < candidates.length && candidates[next]! <= i) next++;
      passedRuns.set(n, next);
      const close = candidates[next] ?? -1;
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
        const url = trimBareUrl(found[0]);
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
      const delimiter = delimiterRun(c, n, prev, src, i + n, last);
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
