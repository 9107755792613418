/**
 * RFC 4180 CSV (UTF-8, CRLF, header row, stable column order). Cells that a spreadsheet would
 * run as a formula are neutralised.
 *
 * Written here rather than with csv-stringify (11 KB of the publish bundle, which has a 150 KB
 * budget) because all it takes is RFC 4180's one quoting rule; a property test holds it
 * byte-equal to csv-stringify with the options used before.
 */
import type { Commitment, Link, Plan, StatusUpdate } from '../domain/model.ts';
import { statusLabel } from '../domain/vocabulary.ts';
import { observationsText, observationsTextOrFallback } from './observations.ts';
import { rememberedRow } from './update-rows.ts';

/**
 * OWASP's advice for CSV injection: a cell starting with = + - @ (or tab / CR) gets a leading
 * apostrophe, which spreadsheets show as text. Numbers we write ourselves are left alone.
 */
export function neutraliseCell(value: string): string {
  return dangerousStart(value) ? `'${value}` : value;
}

function dangerousStart(value: string): boolean {
  const c = value.charCodeAt(0);
  // = + - @ tab CR
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A field with a comma, a quote or a line break is quoted, its quotes doubled (RFC 4180, 2.6–2.7). */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

type Cell = string | number | undefined;

/** One record with its CRLF: strings neutralised, then every field quoted as it needs. */
export function csvLine(row: readonly Cell[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) {
    const cell = row[i];
    const text = typeof cell === 'string' ? (dangerousStart(cell) ? `'${cell}` : cell) : cell === undefined ? '' : String(cell);
    line += i === 0 ? csvField(text) : `,${csvField(text)}`;
  }
  return `${line}\r\n`;
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  let text = '';
  for (let i = 0; i < header.length; i++) text += i === 0 ? csvField(header[i]!) : `,${csvField(header[i]!)}`;
  text += '\r\n';
  for (const row of rows) text += csvLine(row);
  return text;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The digits at `from`…`from + length` of `s` as a number, or -1 if any is not a digit. */
function digits(s: string, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Whether `iso` is an instant as stored (`YYYY-MM-DDTHH:MM:SS.sssZ`) that Date would give back
 * unchanged: Date rolls an impossible day over (February 30th is March 2nd), so those go to it.
 */
export function isStoredInstant(iso: string): boolean {
  if (iso.length !== 24 || iso[4] !== '-' || iso[7] !== '-' || iso[10] !== 'T' || iso[13] !== ':' || iso[16] !== ':') return false;
  if (iso[19] !== '.' || iso[23] !== 'Z' || digits(iso, 20, 3) < 0) return false;
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 2);
  const day = digits(iso, 8, 2);
  const hour = digits(iso, 11, 2);
  const minute = digits(iso, 14, 2);
  const second = digits(iso, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

/**
 * Datetimes at whole seconds (`2019-06-30T10:00:00Z`): the Table Schema default datetime format,
 * which Frictionless validators and portals' type inference read; the JSON files keep milliseconds.
 * The instants stored are cut as they are (thousands per dense month); anything else goes through Date.
 */
export function csvDateTime(iso: string): string {
  if (typeof iso === 'string' && isStoredInstant(iso)) return `${iso.slice(0, 19)}Z`;
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const COMMITMENT_COLUMNS = [
  'plan_id',
  'priority_number',
  'priority_title',
  'commitment_id',
  'commitment_number',
  'commitment_title',
  'area',
  'area_slug',
  'status',
  'status_label',
  'progress',
  'observations',
  'links_count',
  'reported_at',
  'updated_at',
  'revision',
  'last_update_id',
  // Appended (columns are never reordered): the links once kept in links.csv, one per line.
  'links',
] as const;

/**
 * Links as "title <url>" lines, in the commitments' and the history's CSV alike. One cell, not a
 * file of their own: a links.csv was one more object to rewrite on every update that touched
 * links (issue 18's cost), and a spreadsheet reader sees them beside the commitment.
 */
export const linkLines = (links: readonly Link[]) => links.map((l) => `${l.title} <${l.url}>`).join('\n');

/** A commitment's row under COMMITMENT_COLUMNS: the CSV and the xlsx show the same values. */
export function commitmentRow(plan: Plan, c: Commitment): Array<string | number | undefined> {
  return [
    c.planId,
    c.priority.number,
    c.priority.title,
    c.commitmentId,
    c.number,
    c.title,
    c.area,
    c.areaSlug,
    c.status,
    statusLabel(plan.statuses, c.status, plan.language),
    c.progress,
    observationsText(c.observations, `commitment ${c.commitmentId}`),
    c.links.length,
    csvDateTime(c.reportedAt),
    csvDateTime(c.updatedAt),
    c.revision,
    c.lastUpdateId,
    linkLines(c.links),
  ];
}

export function renderCommitmentsCsv(plan: Plan, commitments: Commitment[]): string {
  return toCsv(
    COMMITMENT_COLUMNS,
    commitments.map((c) => commitmentRow(plan, c)),
  );
}

export const UPDATE_COLUMNS = [
  'plan_id',
  'update_id',
  'reported_at',
  'received_at',
  'commitment_id',
  'commitment_number',
  'commitment_title',
  'area',
  'area_slug',
  'previous_status',
  'status',
  'status_label',
  'progress',
  'observations',
  'links',
  'revision',
  'plan_revision',
  'key_id',
  'imported',
] as const;

/** History rows, oldest first. Links are "title <url>" lines: history rows are immutable records. */
export function renderUpdatesCsv(plan: Plan, updates: StatusUpdate[]): string {
  let text = toCsv(UPDATE_COLUMNS, []);
  for (const u of updates) {
    const label = statusLabel(plan.statuses, u.status, plan.language);
    text += rememberedRow('csv', u, label, () => updateCsvLine(u, label));
  }
  return text;
}

function updateCsvLine(u: StatusUpdate, label: string): { text: string; keep: boolean } {
  const observations = observationsTextOrFallback(u.observations, `update ${u.updateId}`);
  const text = csvLine([
    u.planId,
    u.updateId,
    csvDateTime(u.reportedAt),
    csvDateTime(u.receivedAt),
    u.commitmentId,
    u.commitmentNumber,
    u.commitmentTitle,
    u.area,
    u.areaSlug,
    u.previousStatus,
    u.status,
    label,
    u.progress,
    observations.text,
    linkLines(u.links),
    u.revision,
    u.planRevision,
    u.keyId,
    u.imported === true ? 'true' : 'false',
  ]);
  return { text, keep: !observations.fellBack };
}

export type ColumnName = (typeof COMMITMENT_COLUMNS)[number] | (typeof UPDATE_COLUMNS)[number];

/** How a column's cells are written: the Table Schema of datapackage.json is built from this. */
export interface ColumnType {
  type: 'string' | 'integer' | 'datetime' | 'boolean';
  /** Never empty. */
  required?: boolean;
  minimum?: number;
  maximum?: number;
  /** Values are codes of the plan's status vocabulary. */
  statusCode?: boolean;
}

export const COLUMN_TYPES: Record<ColumnName, ColumnType> = {
  plan_id: { type: 'string', required: true },
  priority_number: { type: 'integer', required: true, minimum: 1 },
  priority_title: { type: 'string', required: true },
  commitment_id: { type: 'string', required: true },
  commitment_number: { type: 'integer', required: true, minimum: 1 },
  commitment_title: { type: 'string', required: true },
  area: { type: 'string', required: true },
  area_slug: { type: 'string', required: true },
  status: { type: 'string', required: true, statusCode: true },
  status_label: { type: 'string', required: true },
  progress: { type: 'integer', minimum: 0, maximum: 100 },
  observations: { type: 'string' },
  links_count: { type: 'integer', required: true, minimum: 0 },
  reported_at: { type: 'datetime', required: true },
  updated_at: { type: 'datetime', required: true },
  revision: { type: 'integer', required: true, minimum: 1 },
  last_update_id: { type: 'string' },
  update_id: { type: 'string', required: true },
  received_at: { type: 'datetime', required: true },
  previous_status: { type: 'string', required: true, statusCode: true },
  links: { type: 'string' },
  plan_revision: { type: 'integer', required: true, minimum: 1 },
  key_id: { type: 'string', required: true },
  imported: { type: 'boolean', required: true },
};

/** The CSV files of a plan: name, columns, keys. One list for the renderer, the Data Package and the README. */
export const CSV_TABLES = {
  commitments: { columns: COMMITMENT_COLUMNS, primaryKey: ['commitment_id'] },
  updates: { columns: UPDATE_COLUMNS, primaryKey: ['update_id'] },
} as const satisfies Record<string, { columns: readonly ColumnName[]; primaryKey: readonly ColumnName[] }>;
