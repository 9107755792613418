/**
 * Officials write observations in Markdown. Feeds and pages get safe HTML, CSV gets plain text.
 *
 * The HTML is made here rather than by a library, because the libraries that parse Markdown
 * completely were the largest part of the publish function's bundle, and so of its cold start:
 * marked is 50 KB minified, markdown-it 97 KB, micromark 87 KB (110 KB with GFM), commonmark.js
 * 156 KB; most of that is for the corners of the full specification and, in the last three, a
 * table of HTML entity names. The tiny ones (snarkdown, 2 KB) are a few regular expressions that
 * let raw HTML and javascript: links through and do not follow CommonMark's paragraphs and lists.
 * Measured again for hostile text (issue #12): markdown-it is linear but would take the publish
 * bundle to about 230 KB, past its 200 KB budget; micromark took 3.7 s on 20,000 characters of
 * nested emphasis.
 *
 * Safety does not depend on the parser being right: every character of the observation goes out
 * escaped, and the only markup is what this file writes. So raw HTML is shown as text, links go
 * only to http(s)/mailto (with rel="nofollow noopener"), images become links (readers should not
 * fetch third-party URLs by opening a feed), and no attribute can be broken out of.
 *
 * What is rendered (GitHub Flavored Markdown, as marked rendered it; the unit tests
 * has an example of each): paragraphs, hard line breaks, ATX and setext headings, thematic
 * breaks, block quotes, bullet and ordered lists (nested, tight or loose, task checkboxes),
 * fenced and indented code, pipe tables with alignment, emphasis, strong emphasis,
 * strikethrough, code spans, backslash escapes, inline links and images, <autolinks>, and bare
 * URLs and e-mail addresses. Where marked strayed from CommonMark in the corners (emphasis next
 * to punctuation, lazy lines after code), this follows CommonMark. Left out, and shown as the
 * text they are: reference-style links and their definitions, HTML blocks (a paragraph of text,
 * where marked left them outside any paragraph) and footnotes.
 *
 * Every transform here is linear in the text's length (the block, inline and emphasis modules
 * say why for theirs; `npm run lint` rejects a regular expression that could backtrack
 * super-linearly), so an observation at the length limit costs milliseconds to publish. Making
 * them so changed two outputs, both towards CommonMark: a line holding U+2028 or U+2029 can be
 * a heading, list item or fence (only \n and \r end lines), and in the plain text a heading or
 * bullet marker no longer swallows the line breaks around it.
 */
import { parseBlocks, render } from './markdown-block.ts';

export function markdownToHtml(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD').split('\n');
  return render(parseBlocks(lines).blocks).trim();
}

/**
 * Every `![text](destination …)` or `[text](destination …)` replaced, as the regular expression
 * /!?\[([^\]]*)\]\(([^)\s]+)[^)]*\)/g would (the link's text not empty), but in one pass: the
 * next `]` and `)` are looked up once for every position after them, not once per `[`.
 */
function replaceLinks(src: string, image: boolean, replacement: (text: string, destination: string) => string): string {
  const opener = image ? '![' : '[';
  const out: string[] = [];
  let copied = 0;
  // The first `]` and `)` at or after the position they were last looked up from (-1: none left).
  let bracket = 0;
  let parenthesis = 0;
  for (let i = src.indexOf(opener); i >= 0; i = src.indexOf(opener, i)) {
    const textStart = i + opener.length;
    if (bracket < textStart) bracket = src.indexOf(']', textStart);
    if (bracket < 0) break;
    const destinationStart = bracket + 2;
    const first = src[destinationStart];
    if ((!image && bracket === textStart) || src[bracket + 1] !== '(' || first === undefined || first === ')' || /\s/.test(first)) {
      i++;
      continue;
    }
    if (parenthesis < destinationStart) parenthesis = src.indexOf(')', destinationStart);
    if (parenthesis < 0) break;
    let destinationEnd = destinationStart;
    while (destinationEnd < parenthesis && !/\s/.test(src[destinationEnd]!)) destinationEnd++;
    out.push(src.slice(copied, i), replacement(src.slice(textStart, bracket), src.slice(destinationStart, destinationEnd)));
    copied = i = parenthesis + 1;
  }
  out.push(src.slice(copied));
  return out.join('');
}

/** Markdown to readable plain text: list markers kept, emphasis and link syntax removed. */
export function markdownToText(markdown: string): string {
  let text = markdown.replace(/\r\n?/g, '\n');
  // A backslash-escaped character is text, not syntax: it is set aside as a private-use
  // character (when the text has none of its own) while emphasis and links are removed.
  const protect = !PROTECTED.test(text);
  if (protect) text = text.replace(/\\([\\`*_{}[\]()#+\-.!<>~|])/g, (_, c: string) => String.fromCharCode(PRIVATE_USE + c.charCodeAt(0)));
  text = replaceLinks(text, true, (alt, url) => `${alt} (${url})`);
  text = replaceLinks(text, false, (label, url) => (label === url ? url : `${label} (${url})`));
  text = text
    .replace(/^#{1,6}[ \t]+/gm, '')
    .replace(/^[ \t]*[*+][ \t]+/gm, '- ')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^*\w])[*_]([^*_\n]+)[*_](?=[^*\w]|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!])/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return protect ? text.replace(PROTECTED_ALL, (c) => String.fromCharCode(c.charCodeAt(0) - PRIVATE_USE)) : text;
}

/** Escaped ASCII punctuation is carried through markdownToText as U+E000 plus its code. */
const PRIVATE_USE = 0xe000;
const PROTECTED = /[\ue000-\ue07f]/;
const PROTECTED_ALL = /[\ue000-\ue07f]/g;
