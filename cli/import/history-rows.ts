/**
 * Reading a file of past updates (commitment, date, status, observations, links) into the items
 * of `POST …/history`, or the reason a row cannot be one. The project's own updates/{YYYY}/{MM}.csv
 * is such a file, read as published. Other readers (a sheet, a mapping) plug in by producing
 * the same `HistoryRow`s from their cells: `historyRowsOf`.
 */
import type { StatusDefinition } from '#shared/domain/model';
import { slugSchema } from '#shared/domain/model';
import { CliError, EXIT } from '../output.ts';
import { normalise } from './columns.ts';
import { statusCodeOf } from './definitions.ts';
import { parseLinks, readCsvTable } from './read-rows.ts';

export type HistoryField = 'planId' | 'commitment' | 'date' | 'status' | 'observations' | 'links' | 'progress';

/** Header names (normalised) of each field, in Catalan, Spanish and English, and the published CSV's. */
const HEADERS: Record<HistoryField, string[]> = {
  planId: ['plan id'],
  commitment: ['commitment id', 'commitment', 'compromis', 'compromiso', 'id', 'commitment number', 'compromis num', 'compromiso n'],
  date: ['reported at', 'date', 'data', 'fecha', 'reported', 'data de l informe', 'fecha del informe'],
  status: ['status', 'estat', 'estado', 'estat de compliment', 'estado de cumplimiento'],
  observations: ['observations', 'observacions', 'observaciones'],
  links: ['links', 'enllacos', 'enlaces', 'informacio relacionada', 'informacion relacionada', 'related information'],
  progress: ['progress', 'progres', 'progreso'],
};

export interface HistoryRow {
  /** Line (or sheet row) where the row starts. */
  line: number;
  /** The item to send, when the row could be read. */
  item?: {
    commitmentId: string;
    reportedAt: string;
    status: string;
    observations: string;
    links: Array<{ title: string; url: string }>;
    progress?: number;
  };
  /** Why the row cannot be sent. */
  reason?: string;
  /** Its date cell holds no date: the whole file is refused (a usage error), not only the row. */
  notADate?: string;
}

/** A date as people write it, as an instant: ISO 8601 (with its offset), YYYY-MM-DD or DD/MM/YYYY (midnight UTC). */
export function instantOf(value: string): string | undefined {
  const text = value.trim();
  let iso: string | undefined;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) iso = text;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) iso = `${text}T00:00:00Z`;
  else {
    const dmy = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
    if (dmy) iso = `${dmy[3]}-${dmy[2]!.padStart(2, '0')}-${dmy[1]!.padStart(2, '0')}T00:00:00Z`;
  }
  if (!iso) return undefined;
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  // 2019-02-30 would parse as 2019-03-02: a day that does not exist is not a date.
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return undefined;
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return undefined;
  const instant = new Date(time).toISOString();
  return instant;
}

/** Rows of named cells → history items, or why not. */
export function historyRowsOf(
  cells: Array<{ line: number; cells: Partial<Record<HistoryField, string>> }>,
  options: { planId: string; statuses: StatusDefinition[]; now: Date },
): HistoryRow[] {
  return cells.map(({ line, cells: c }) => {
    const reasons: string[] = [];
    if (c.planId && c.planId !== options.planId) return { line, reason: `plan_id is ${c.planId}, not ${options.planId}` };
    const commitment = (c.commitment ?? '').trim();
    const commitmentId = /^\d{1,6}$/.test(commitment) ? `c${Number(commitment)}` : commitment;
    if (!commitment) reasons.push('no commitment');
    else if (!slugSchema.safeParse(commitmentId).success)
      reasons.push(`commitment "${commitment}" is not a commitment id (such as c4) or number`);
    const reportedAt = c.date ? instantOf(c.date) : undefined;
    if (!c.date?.trim()) reasons.push('no date');
    else if (!reportedAt) reasons.push(`date "${c.date}" is not a date (2019-06-30, 30/06/2019 or an ISO 8601 instant)`);
    else if (Date.parse(reportedAt) > options.now.getTime()) reasons.push(`date "${c.date}" is in the future`);
    const status = c.status ? statusCodeOf(c.status, options.statuses) : undefined;
    if (!c.status?.trim()) reasons.push('no status');
    else if (!status) reasons.push(`status "${c.status}" is none of ${options.statuses.map((s) => s.code).join(', ')}`);
    let progress: number | undefined;
    if (c.progress?.trim()) {
      progress = Number(c.progress.replace(/%$/, '').trim());
      if (!Number.isInteger(progress) || progress < 0 || progress > 100)
        reasons.push(`progress "${c.progress}" is not a whole number from 0 to 100`);
    }
    if (reasons.length > 0) return { line, reason: reasons.join('; '), ...(c.date?.trim() && !reportedAt ? { notADate: c.date } : {}) };
    return {
      line,
      item: {
        commitmentId,
        reportedAt: reportedAt!,
        status: status!,
        observations: c.observations ?? '',
        links: c.links ? parseLinks(c.links) : [],
        ...(progress !== undefined ? { progress } : {}),
      },
    };
  });
}

/** A CSV of past updates: its rows with their lines, by header name; a file without the needed columns is a usage error. */
export function readHistoryCsv(text: string, options: { planId: string; statuses: StatusDefinition[]; now: Date }): HistoryRow[] {
  const table = readCsvTable(text);
  const header = table.header.map(normalise);
  const column = (field: HistoryField) => {
    for (const name of HEADERS[field]) {
      const index = header.indexOf(name);
      if (index >= 0) return index;
    }
    return -1;
  };
  const columns = Object.fromEntries((Object.keys(HEADERS) as HistoryField[]).map((f) => [f, column(f)])) as Record<HistoryField, number>;
  for (const needed of ['commitment', 'date', 'status'] as const) {
    if (columns[needed] < 0) {
      throw new CliError(
        `the file has no ${needed} column (e.g. ${HEADERS[needed].slice(0, 3).join(', ')}); see "mandat import-history --help"`,
        EXIT.usage,
      );
    }
  }
  const rows = table.records.map(({ line, values }) => {
    const cells: Partial<Record<HistoryField, string>> = {};
    for (const [field, index] of Object.entries(columns) as Array<[HistoryField, number]>) {
      if (index >= 0 && values[index] !== undefined) cells[field] = values[index];
    }
    return { line, cells };
  });
  return historyRowsOf(rows, options);
}
