/**
 * Observations (the only Markdown officials write) as the files show them. A text the Markdown
 * renderer fails on must not stop its plan's publication: the stream would retry the batch,
 * fail again, and every later update of the plan would wait behind it. So such a text goes out
 * as escaped plain text instead, and the failure is recorded for the publisher to report
 * (an ERROR log line and a metric): the update is public, readable, and someone is told.
 */
import { markdownToHtml, markdownToText } from './markdown.ts';
import { escapeXml } from './xml.ts';

export interface RenderFallback {
  /** Whose observations: `update {updateId}` or `commitment {commitmentId}`. */
  subject: string;
  format: 'html' | 'text';
  error: string;
}

/** Fallbacks of the rendering running now (rendering is synchronous, so one collector at a time is enough). */
let collector: Map<string, RenderFallback> | undefined;

/** Runs `render` and returns what it rendered with the observations it had to show as plain text. */
export function collectRenderFallbacks<T>(render: () => T): { result: T; fallbacks: RenderFallback[] } {
  const outer = collector;
  const fallbacks = new Map<string, RenderFallback>();
  collector = fallbacks;
  try {
    return { result: render(), fallbacks: [...fallbacks.values()] };
  } finally {
    collector = outer;
  }
}

function fallBack(subject: string, format: RenderFallback['format'], error: unknown): void {
  collector?.set(`${format} ${subject}`, { subject, format, error: error instanceof Error ? error.message : String(error) });
}

/**
 * Rendered observations, by text, across the publishes of a warm function: a publish after one
 * update renders the same texts again (the month's history, the newest 100 of each feed), and an
 * update's text never changes. Only successful renders are kept, so a fallback is reported every
 * time. Bounded by the characters held; cleared when full.
 */
const MEMO_CHARACTERS = 16_000_000;
const memo = { html: new Map<string, string>(), text: new Map<string, string>(), characters: 0 };

function remembered(kind: 'html' | 'text', markdown: string, render: (markdown: string) => string): string {
  const known = memo[kind].get(markdown);
  if (known !== undefined) return known;
  const rendered = render(markdown);
  if (memo.characters > MEMO_CHARACTERS) {
    memo.html.clear();
    memo.text.clear();
    memo.characters = 0;
  }
  memo[kind].set(markdown, rendered);
  memo.characters += markdown.length + rendered.length;
  return rendered;
}

/** The observations as safe HTML; as escaped text in one paragraph if the renderer fails on them. */
export function observationsHtml(markdown: string, subject: string): string {
  try {
    return remembered('html', markdown, markdownToHtml);
  } catch (error) {
    fallBack(subject, 'html', error);
    return markdown.trim() ? `<p>${escapeXml(markdown.trim()).replace(/\r\n?|\n/g, '<br>\n')}</p>` : '';
  }
}

/** The observations as plain text; as written if the renderer fails on them. */
export function observationsText(markdown: string, subject: string): string {
  return observationsTextOrFallback(markdown, subject).text;
}

/** The same, telling whether it fell back: a text that did is not kept by callers' own memos, so it is reported each time. */
export function observationsTextOrFallback(markdown: string, subject: string): { text: string; fellBack: boolean } {
  try {
    return { text: remembered('text', markdown, markdownToText), fellBack: false };
  } catch (error) {
    fallBack(subject, 'text', error);
    return { text: markdown.trim(), fellBack: true };
  }
}
