/**
 * Decidim's accountability results export, recognised by its column names. Decidim flattens
 * nested values with "/" (`title/ca`, `status/name/es`, `parent/id`); re-saved sheets often
 * spell them with "_" (`title_ca`, `parent_id`): both are read. The columns (ResultSerializer):
 * id, parent/id, title/{lang}, description/{lang}, start_date, end_date, status/id, status/key,
 * status/name/{lang}, progress, url, reference, and others that are not read here.
 *
 * Rows come with their cells already made text or Markdown. A result's title in the plan's language, else Catalan, Spanish, English, then any other; its
 * description (HTML) is the observations, with its dates as a last line; a result that other
 * results name as their parent is their priority (numbered in order of first appearance), not a
 * commitment; the result's id is the commitment's number (so its id is c{id}, stable across
 * exports); its status by name or key in the plan's vocabulary, else from its progress.
 */
import type { Field } from './columns.ts';
import { htmlToText } from './html.ts';
import type { ColumnMap } from './mapping.ts';
import type { SourceRow, Table } from './read-rows.ts';

/** `title_ca`, `Title/CA`, `status.name.es` → `title/ca`, `status/name/es`. */
const key = (header: string) =>
  header
    .trim()
    .toLowerCase()
    .replace(/[_./\s-]+/g, '/');

const FALLBACK_LANGUAGES = ['ca', 'es', 'en'];

export interface DecidimColumns {
  map: ColumnMap;
  id: number;
  parent?: number;
  start?: number;
  end?: number;
  /** Columns whose titles (in language order) name a parent result. */
  titles: number[];
}

export function decidimColumns(header: string[], language = 'ca'): DecidimColumns | undefined {
  const keys = header.map(key);
  const at = (name: string) => {
    const i = keys.indexOf(name);
    return i < 0 ? undefined : i;
  };
  const id = at('id');
  const byLanguage = (prefix: string) => {
    const found = keys.flatMap((k, i) =>
      k.startsWith(`${prefix}/`) && /^[a-z]{2,3}(?:\/[a-z]{2,8})?$/.test(k.slice(prefix.length + 1))
        ? [[k.slice(prefix.length + 1), i] as const]
        : [],
    );
    const order = [language, ...FALLBACK_LANGUAGES];
    return found
      .map(([lang, i]) => ({ i, rank: order.indexOf(lang.replace('/', '-')) < 0 ? order.length : order.indexOf(lang.replace('/', '-')) }))
      .sort((a, b) => a.rank - b.rank || a.i - b.i)
      .map((entry) => entry.i);
  };
  const titles = byLanguage('title');
  const parent = at('parent/id');
  const progress = at('progress');
  const statusNames = byLanguage('status/name');
  if (id === undefined || titles.length === 0 || (parent === undefined && progress === undefined && statusNames.length === 0))
    return undefined;
  const list = (...indexes: Array<number | undefined>) => indexes.filter((i): i is number => i !== undefined);
  const map: ColumnMap = { commitmentTitle: titles, commitmentNumber: [id] };
  const set = (field: Field, columns: number[]) => {
    if (columns.length > 0) map[field] = columns;
  };
  set('observations', byLanguage('description'));
  set('status', [...statusNames, ...list(at('status/key'))]);
  set('progress', list(progress));
  set('area', [...byLanguage('category/name'), ...byLanguage('scope/name'), ...byLanguage('taxonomies/name')]);
  set('links', list(at('url')));
  return { map, id, parent, start: at('start/date'), end: at('end/date'), titles };
}

const DATE_LABELS: Record<string, [string, string]> = { ca: ['Inici', 'Final'], es: ['Inicio', 'Fin'], en: ['Start', 'End'] };

/**
 * The results that are some result's parent become the priority of their children, and are not
 * commitments themselves; the dates go at the end of the observations.
 */
export function decidimRows(
  table: Table,
  columns: DecidimColumns,
  rows: SourceRow[],
  language = 'ca',
): { rows: SourceRow[]; parents: number } {
  const first = (values: string[], indexes: number[]) => indexes.map((i) => values[i] ?? '').find((v) => v !== '') ?? '';
  const titleById = new Map<string, string>();
  const parentIds = new Set<string>();
  const byLine = new Map<number, string[]>();
  for (const { line, values } of table.records) {
    byLine.set(line, values);
    titleById.set(values[columns.id] ?? '', first(values, columns.titles));
    if (columns.parent !== undefined && values[columns.parent]) parentIds.add(values[columns.parent]!);
  }
  const [startLabel, endLabel] = DATE_LABELS[language.slice(0, 2)] ?? DATE_LABELS.ca!;
  const kept = rows.flatMap((row) => {
    const values = byLine.get(row.line) ?? [];
    if (parentIds.has(values[columns.id] ?? '')) return [];
    const cells = { ...row.cells };
    const parent = columns.parent === undefined ? '' : (values[columns.parent] ?? '');
    if (parent) cells.priorityTitle = htmlToText(titleById.get(parent) ?? '') || cells.priorityTitle || `#${parent}`;
    const dates = [
      columns.start !== undefined && values[columns.start] ? `${startLabel}: ${values[columns.start]!.slice(0, 10)}` : '',
      columns.end !== undefined && values[columns.end] ? `${endLabel}: ${values[columns.end]!.slice(0, 10)}` : '',
    ].filter(Boolean);
    if (dates.length > 0) cells.observations = [cells.observations, dates.join(' · ')].filter(Boolean).join('\n\n');
    return [{ ...row, cells }];
  });
  return { rows: kept, parents: rows.length - kept.length };
}
