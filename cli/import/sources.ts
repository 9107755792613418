/**
 * The one way in for a spreadsheet: a CSV or an XLSX file (told apart by content, not by name)
 * → rows of import fields, through a given column mapping or one recognised from the headers
 * (the project's own commitments.csv, a city's sheet with the usual headers, Decidim's
 * accountability results), with `--default` values in empty cells, HTML cells made Markdown
 * (observations) or plain text (everything else), and priorities and commitments without a
 * number numbered. `mandat import` reads files with `readSource`; a reader of other fields
 * (a history's dates) takes `readTable`, `columnIndex` (a --map name → column) and `cellFor`.
 */
import { readFileSync } from 'node:fs';
import { CliError, EXIT } from '../output.ts';
import { type Field, fieldName, fieldOf, normalise } from './columns.ts';
import { decidimColumns, decidimRows } from './decidim.ts';
import { htmlLinks, htmlToMarkdown, htmlToText } from './html.ts';
import { type ColumnMap, columnMapFrom, describeMapping, parseDefaults, parseMapOptions } from './mapping.ts';
import { readCsvTable, type SourceRow, type Table } from './read-rows.ts';
import { isZip, readXlsxTable } from './read-xlsx.ts';

export interface ReadOptions {
  /** `--map` values: inline `field=Column,…` or a JSON file. */
  map?: string[];
  /** `--default field=value` values. */
  defaults?: string[];
  /** An XLSX sheet's name (default: the first). */
  sheet?: string;
  /** The plan's language: which of a multilingual export's columns to read first. */
  language?: string;
}

export interface SourceRead {
  rows: SourceRow[];
  /** Columns no field is read from. */
  unknownHeaders: string[];
  /** The fields the rows can have (mapped, or given a default). */
  fields: Field[];
  /** The mapping used, field name → column name (several, " | ", when the first non-empty one wins). */
  mapping: Record<string, string>;
  /** Field name → the value put in its empty cells. */
  defaults: Record<string, string>;
  format: 'csv' | 'xlsx';
  /** How the columns were told: given with --map, by their header names, or as a Decidim export. */
  recognisedAs: 'map' | 'headers' | 'decidim';
  /** What a row's `line` counts: a CSV file's line, or a sheet's row. */
  unit: 'line' | 'row';
  /** Things the reader did that the report should say (e.g. parent results read as priorities). */
  notes: string[];
}

const TEXT_FIELDS: Field[] = [
  'planId',
  'priorityNumber',
  'priorityTitle',
  'commitmentId',
  'commitmentNumber',
  'commitmentTitle',
  'area',
  'areaSlug',
  'status',
  'statusLabel',
  'progress',
];

/** Makes a cell what its field holds: Markdown for observations, link lines for links, one line of text otherwise. */
export function cellFor(field: Field, value: string): string {
  if (field === 'observations') return htmlToMarkdown(value);
  if (field === 'links') return htmlLinks(value);
  return TEXT_FIELDS.includes(field) ? htmlToText(value) : value;
}

/** A CSV or XLSX file's header and rows, before any column has a meaning (for readers of other fields, e.g. dates). */
export async function readTable(file: string, sheet?: string): Promise<{ table: Table; format: 'csv' | 'xlsx' }> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  const named = /\.(xlsx|xlsm|xls)$/i.test(file);
  if (isZip(bytes) || named) return { table: await readXlsxTable(file, bytes, sheet), format: 'xlsx' };
  if (sheet !== undefined) throw new CliError(`--sheet is for XLSX workbooks; ${file} is not one`, EXIT.usage);
  return { table: readCsvTable(bytes.toString('utf8')), format: 'csv' };
}

const integerText = /^\s*\d{1,6}\s*$/;
const leadingNumber = /^\s*(?:n[uú]m\.?\s*|no\.?\s*|#)?\d{1,6}(?:\s*[.:)\-–]|\s)\s*\S/i;

/**
 * Priorities without a number get one by their title's first appearance (after the highest
 * number given); commitments without one take an integer commitment id, else — when the file
 * has no commitment number at all — their row's position among the rows read.
 */
export function numberRows(rows: SourceRow[], commitmentNumbersGiven: boolean): void {
  const priorityNumbers = new Map<string, number>();
  let highest = 0;
  for (const { cells } of rows) {
    const n = cells.priorityNumber && integerText.test(cells.priorityNumber) ? Number(cells.priorityNumber) : undefined;
    if (n !== undefined) highest = Math.max(highest, n);
    if (n !== undefined && cells.priorityTitle && !priorityNumbers.has(normalise(cells.priorityTitle)))
      priorityNumbers.set(normalise(cells.priorityTitle), n);
    const prefixed =
      cells.priorityTitle && leadingNumber.test(cells.priorityTitle) ? Number(/\d{1,6}/.exec(cells.priorityTitle)![0]) : undefined;
    if (prefixed !== undefined) highest = Math.max(highest, prefixed);
  }
  rows.forEach(({ cells }, index) => {
    if (!cells.priorityNumber && cells.priorityTitle && !leadingNumber.test(cells.priorityTitle)) {
      const title = normalise(cells.priorityTitle) || cells.priorityTitle;
      let n = priorityNumbers.get(title);
      if (n === undefined) {
        n = ++highest;
        priorityNumbers.set(title, n);
      }
      cells.priorityNumber = String(n);
    }
    if (!cells.commitmentNumber && !(cells.commitmentTitle && leadingNumber.test(cells.commitmentTitle))) {
      if (cells.commitmentId && integerText.test(cells.commitmentId)) cells.commitmentNumber = cells.commitmentId.trim();
      else if (!commitmentNumbersGiven) cells.commitmentNumber = String(index + 1);
    }
  });
}

export async function readSource(file: string, options: ReadOptions = {}): Promise<SourceRead> {
  const given = parseMapOptions(options.map ?? []);
  const defaults = parseDefaults(options.defaults ?? []);
  const { table, format } = await readTable(file, options.sheet);
  const { header } = table;
  const notes: string[] = [];

  let map: ColumnMap;
  let recognisedAs: SourceRead['recognisedAs'];
  const decidim = given.size === 0 ? decidimColumns(header, options.language) : undefined;
  if (given.size > 0) {
    map = columnMapFrom(header, given, file);
    recognisedAs = 'map';
  } else if (decidim) {
    map = decidim.map;
    recognisedAs = 'decidim';
  } else {
    map = {};
    header.forEach((name, i) => {
      const field = fieldOf(name);
      if (field && !map[field]) map[field] = [i];
    });
    recognisedAs = 'headers';
  }

  const read = new Set(Object.values(map).flat());
  const unknownHeaders = header.filter((name, i) => !read.has(i) && name !== '');
  const entries = Object.entries(map) as Array<[Field, number[]]>;
  let rows: SourceRow[] = table.records.map(({ line, values }) => {
    const cells: SourceRow['cells'] = {};
    for (const [field, columns] of entries) {
      const value = columns.map((i) => values[i] ?? '').find((v) => v.trim() !== '');
      if (value !== undefined) cells[field] = value;
    }
    return { line, cells };
  });
  rows = rows.filter((row) => Object.values(row.cells).some((v) => v.trim() !== ''));
  for (const row of rows)
    for (const field of Object.keys(row.cells) as Field[]) row.cells[field] = cellFor(field, row.cells[field]!).trim();
  if (decidim) {
    const result = decidimRows(table, decidim, rows, options.language);
    rows = result.rows;
    if (result.parents > 0) notes.push(`${result.parents} result(s) that others name as their parent read as priorities, not commitments`);
  }
  for (const row of rows) for (const [field, value] of defaults) if (!row.cells[field]) row.cells[field] = cellFor(field, value);
  const fields = [
    ...new Set([...entries.map(([f]) => f), ...defaults.keys(), ...(decidim?.parent !== undefined ? (['priorityTitle'] as Field[]) : [])]),
  ];
  numberRows(rows, fields.includes('commitmentNumber'));
  return {
    rows,
    unknownHeaders,
    fields,
    mapping: describeMapping(header, map),
    defaults: Object.fromEntries([...defaults].map(([f, v]) => [fieldName(f), v])),
    format,
    recognisedAs,
    unit: table.unit,
    notes,
  };
}
