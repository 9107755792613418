/**
 * Block Markdown (paragraphs, headings, rules, quotes, lists, code, tables) → safe HTML, with
 * inline Markdown inside. Each line is matched by expressions that cannot backtrack
 * super-linearly, against a bounded number of block kinds, once per level of nesting (bounded
 * too), so the work is linear in the text's length.
 */
import { escapeCode, escapeText, inline, unbackslash } from './markdown-inline.ts';

type Block = { paragraph: string } | { html: string };

const BLANK = /^[ \t]*$/;
const FENCE = /^( {0,3})(`{3,}(?!`)|~{3,}(?!~))([\s\S]*)$/;
const ATX = /^ {0,3}(#{1,6})(?=[ \t]|$)/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,3})([-+*]|\d{1,9}[.)])(?:([ \t]+)([^ \t][\s\S]*)?)?$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*(?:\|[ \t]*)?$/;
const TASK = /^\[([ xX])\] +/;
const CLOSING_FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

function fence(line: string): RegExpExecArray | null {
  const m = FENCE.exec(line);
  return m && !(m[2]![0] === '`' && m[3]!.includes('`')) ? m : null;
}

/** Where the line ends without its trailing spaces and tabs, from `start` on. */
function endWithoutBlanks(line: string, start: number, end = line.length): number {
  while (end > start && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  return end;
}

/** An ATX heading's content: without the closing run of #, which needs a space or tab before it. */
function atxContent(line: string, opening: string): string {
  const start = opening.length;
  let end = endWithoutBlanks(line, start);
  let hashes = end;
  while (hashes > start && line[hashes - 1] === '#') hashes--;
  if (hashes < end && (hashes === start || line[hashes - 1] === ' ' || line[hashes - 1] === '\t'))
    end = endWithoutBlanks(line, start, hashes);
  return line.slice(start, end);
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

export function parseBlocks(lines: string[], depth = 0): { blocks: Block[]; blankBetween: boolean } {
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
      const content = atxContent(line, m[0]).trim().replace(/^#+$/, '');
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

export function render(blocks: Block[]): string {
  return blocks.map((b) => ('paragraph' in b ? `<p>${b.paragraph}</p>\n` : b.html)).join('');
}
