/**
 * Runs every text transform on the texts it is sent, in a worker thread, so that the test can
 * stop it (a transform that hangs cannot be interrupted on the test's own thread) and fail.
 */
import { parentPort } from 'node:worker_threads';
import { htmlToMarkdown, htmlToText } from '../../cli/import/html.ts';
import { parseLinks, readCsv } from '../../cli/import/read-rows.ts';
import { slugify } from '../../shared/domain/model.ts';
import { neutraliseCell, toCsv } from '../../shared/render/csv.ts';
import { markdownToHtml, markdownToText } from '../../shared/render/markdown.ts';
import { cdata, escapeXml } from '../../shared/render/xml.ts';

export const TRANSFORMS = {
  markdownToHtml,
  markdownToText,
  escapeXml,
  cdata,
  slugify,
  neutraliseCell,
  toCsv: (text: string) => toCsv(['observations'], [[text]]),
  parseLinks: (text: string) => JSON.stringify(parseLinks(text)),
  htmlToMarkdown,
  htmlToText,
  readCsv: (text: string) => {
    const quoted = `"${text.replace(/"/g, '""')}"`;
    return JSON.stringify(readCsv(`commitment_title;observations;links\nt;${quoted};${quoted}\n`).rows);
  },
} satisfies Record<string, (text: string) => string>;

export type TransformName = keyof typeof TRANSFORMS;
export type TransformOutputs = Record<TransformName, string>;

parentPort?.on('message', ({ id, text }: { id: number; text: string }) => {
  try {
    const outputs = Object.fromEntries(Object.entries(TRANSFORMS).map(([name, transform]) => [name, transform(text)]));
    parentPort!.postMessage({ id, outputs });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).stack ?? String(error) });
  }
});
