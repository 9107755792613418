/**
 * The files of a plan, named once: the publisher writes them, and the Data Package, the DCAT
 * catalog, the README and the dashboard link them from this same list.
 */

import type { Labels } from './labels.ts';
import { type AreaSummary, historyMonths, historyPath, monthPartCount, type PlanSnapshot } from './snapshot.ts';

export const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  jsonFeed: 'application/feed+json; charset=utf-8',
  jsonld: 'application/ld+json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

export type FileFormat = keyof typeof CONTENT_TYPES;

/** The media type without parameters, as DCAT's mediaType and the Data Package's mediatype want it. */
export const mediaType = (format: FileFormat) => CONTENT_TYPES[format].split(';')[0]!;

/**
 * The IANA-registered media type of each format, for DCAT's dcat:mediaType (an IANA registry
 * IRI). RSS and JSON Feed have none of their own (application/rss+xml and application/feed+json
 * were never registered), so the catalog names the registered type they are written in.
 */
export const IANA_MEDIA_TYPES: Record<FileFormat, string> = {
  csv: 'text/csv',
  json: 'application/json',
  rss: 'application/xml',
  atom: 'application/atom+xml',
  jsonFeed: 'application/json',
  jsonld: 'application/ld+json',
  html: 'text/html',
  markdown: 'text/markdown',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Codes of the EU Publications Office file-type authority table, for dct:format (Markdown is text: TXT). */
export const EU_FILE_TYPES: Record<FileFormat, string> = {
  csv: 'CSV',
  json: 'JSON',
  rss: 'RSS',
  atom: 'ATOM',
  jsonFeed: 'JSON',
  jsonld: 'JSON_LD',
  html: 'HTML',
  markdown: 'TXT',
  xlsx: 'XLSX',
};

export type PlanFileKind = keyof Labels['files'];

export interface PlanFile {
  /** Path under plans/{planId}/. */
  path: string;
  kind: PlanFileKind;
  format: FileFormat;
  /** For the monthly history files updates/{YYYY}/{MM}.*: the month, `YYYY-MM`. */
  month?: string;
  /** For a month longer than one file: which part (from 1) of how many. */
  part?: { index: number; of: number };
  /** The CSV table it holds, if any. */
  table?: 'commitments' | 'updates';
}

export const FEED_FILES = [
  { file: 'feed.rss', kind: 'rss', format: 'rss' },
  { file: 'feed.atom', kind: 'atom', format: 'atom' },
  { file: 'feed.json', kind: 'jsonFeed', format: 'jsonFeed' },
] as const satisfies ReadonlyArray<{ file: string; kind: PlanFileKind; format: FileFormat }>;

/**
 * An area's and a commitment's feeds: Atom only (the plan keeps all three). Each feed format
 * is one more object rewritten with every update, and readers of a narrow scope subscribe
 * from a feed reader, which reads Atom.
 */
export const SCOPE_FEED_FILES = [FEED_FILES[1]];

/** Every plan-level file, in the order people should meet them. */
export function planFiles(snapshot: Pick<PlanSnapshot, 'history'>): PlanFile[] {
  const months = historyMonths(snapshot);
  return [
    { path: 'index.html', kind: 'dashboard', format: 'html' },
    { path: 'commitments.csv', kind: 'commitmentsCsv', format: 'csv', table: 'commitments' },
    { path: 'commitments.xlsx', kind: 'commitmentsXlsx', format: 'xlsx' },
    { path: 'commitments.json', kind: 'commitmentsJson', format: 'json' },
    ...months.flatMap((month): PlanFile[] => {
      const of = monthPartCount(snapshot.history.months?.get(month)?.count ?? 0);
      return Array.from({ length: of }, (_, i): PlanFile[] => {
        const part = of > 1 ? { part: { index: i + 1, of } } : {};
        return [
          { path: historyPath(month, 'csv', i + 1), kind: 'updatesCsv', format: 'csv', month, table: 'updates', ...part },
          { path: historyPath(month, 'json', i + 1), kind: 'updatesJson', format: 'json', month, ...part },
        ];
      }).flat();
    }),
    ...FEED_FILES.map(({ file, kind, format }): PlanFile => ({ path: file, kind, format })),
    { path: 'datapackage.json', kind: 'datapackage', format: 'json' },
    { path: 'README.md', kind: 'readme', format: 'markdown' },
  ];
}

export function fileTitle(file: PlanFile, words: Labels): string {
  const base = words.files[file.kind];
  if (file.month === undefined) return base;
  return file.part ? `${base} (${file.month}, ${file.part.index}/${file.part.of})` : `${base} (${file.month})`;
}

export const areaFeedPath = (area: AreaSummary, file: string) => `areas/${area.slug}/${file}`;
export const commitmentFeedPath = (commitmentId: string, file: string) => `commitments/${commitmentId}/${file}`;
