/** Reading a spreadsheet saved as CSV, and the links.csv of a plan published before its links became a column, into rows. */
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Link } from '#shared/domain/model';
import { CliError, EXIT } from '../output.ts';
import { type Field, fieldOf } from './columns.ts';

export interface SourceRow {
  line: number;
  cells: Partial<Record<Field, string>>;
}

/** Undoes the spreadsheet-formula neutralisation of our own CSV export (a leading apostrophe). */
export const unneutralise = (value: string) => (/^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value);

/**
 * A sheet as read, before its columns are given meaning: the header row and every data row
 * with the number a spreadsheet user sees (a CSV line, or a sheet row).
 */
export interface Table {
  header: string[];
  records: Array<{ line: number; values: string[] }>;
  /** What `line` counts: "line" in a CSV file, "row" in a sheet. */
  unit: 'line' | 'row';
}

export function readCsvTable(text: string): Table {
  // One line ending, so line numbers count what a spreadsheet user sees.
  const source = text.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n');
  const firstLine = source.slice(0, source.indexOf('\n') < 0 ? undefined : source.indexOf('\n'));
  const delimiter = [';', '\t', ','].map((d) => [d, firstLine.split(d).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  let records: Array<{ record: string[]; raw: string; info: { bytes: number } }>;
  try {
    records = parseCsv(source, {
      delimiter,
      info: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw new CliError(`the file is not valid CSV: ${(error as Error).message}`, EXIT.usage);
  }
  if (records.length === 0) throw new CliError('the file is empty', EXIT.usage);
  const buffer = Buffer.from(source);
  // Records come in order: count the line feeds since the previous record's start, not from the top each time.
  let counted = 0;
  let line = 1;
  const lineOf = (entry: (typeof records)[number]) => {
    const start = entry.info.bytes - Buffer.byteLength(entry.raw) + (entry.raw.match(/^\n*/)?.[0].length ?? 0);
    for (; counted < start; counted++) if (buffer[counted] === 0x0a) line++;
    return line;
  };
  return {
    header: records[0]!.record.map((h) => h.trim()),
    records: records.slice(1).map((entry) => ({ line: lineOf(entry), values: entry.record.map((v) => unneutralise(v.trim())) })),
    unit: 'line',
  };
}

/** A CSV with the project's own or a city's usual headers (recognised by name), as rows. */
export function readCsv(text: string): { rows: SourceRow[]; unknownHeaders: string[]; fields: Field[] } {
  const table = readCsvTable(text);
  const fields = table.header.map(fieldOf);
  const unknownHeaders = table.header.filter((h, i) => fields[i] === undefined && h !== '');
  const rows = table.records.map(({ line, values }) => {
    const cells: SourceRow['cells'] = {};
    values.forEach((value, i) => {
      const field = fields[i];
      if (field && cells[field] === undefined) cells[field] = value;
    });
    return { line, cells };
  });
  return {
    rows: rows.filter((row) => Object.values(row.cells).some((v) => v !== '')),
    unknownHeaders,
    fields: fields.filter((f): f is Field => f !== undefined),
  };
}

/**
 * A line as our own CSVs write a link ("title <url>", the title as it was): read exactly, so a
 * title with brackets or parentheses survives an export and import. Found from the end, in
 * linear time: the url holds no space or angle bracket.
 */
function ownLinkLine(line: string): Link | undefined {
  const at = line.lastIndexOf(' <');
  if (at < 1 || !line.endsWith('>')) return undefined;
  const url = line.slice(at + 2, -1);
  if (!/^https?:\/\/[^\s<>]+$/i.test(url)) return undefined;
  return { title: line.slice(0, at).trim(), url };
}

/** "Title <url>", "Title | url", "[Title](url)", "Title: url", a title line then a url line, or a url. */
export function parseLinks(cell: string): Link[] {
  const links: Link[] = [];
  let pendingTitle = '';
  // Our own line first, whole (its title may hold " || "), unless its title holds an address:
  // then it is the foreign "title | url || title | url" form.
  const pieces = (line: string) => {
    const own = ownLinkLine(line.trim());
    return own && !own.title.includes('://') ? [line] : line.split(/\s\|\|\s/);
  };
  for (const rawLine of cell.split('\n').flatMap(pieces)) {
    const line = rawLine.trim();
    if (!line) continue;
    const own = ownLinkLine(line);
    if (own) {
      links.push(own);
      pendingTitle = '';
      continue;
    }
    const markdown = /^\[([^\]]*)\]\((\S+)\)$/.exec(line);
    const found = markdown ? { title: markdown[1]!, url: markdown[2]! } : undefined;
    const url =
      found?.url ??
      /(?<![a-z0-9+.-])[0-9+.-]*([a-z][a-z0-9+.-]*:\/\/[^\s<>|]+)|((?:javascript|data|mailto):[^\s<>|]+)/i
        .exec(line)
        ?.slice(1)
        .find(Boolean);
    if (!url) {
      pendingTitle = pendingTitle ? `${pendingTitle} ${line}` : line;
      continue;
    }
    const title =
      (found?.title ??
        line
          .replace(url, '')
          .replace(/[<>[\]()]/g, ' ')
          .replace(/(?<!\s)\s*[|:–-]\s*$/, '')
          .replace(/^\s*[|:–-]\s*/, '')
          .trim()) ||
      pendingTitle ||
      url;
    links.push({ title, url: url.replace(/\\_/g, '_') });
    pendingTitle = '';
  }
  return links;
}

export function readLinksCsv(file: string, planId: string): Map<string, Link[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  const records = parseCsv(text.replace(/^\ufeff/, ''), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  const byCommitment = new Map<string, Array<Link & { position: number }>>();
  for (const record of records) {
    if (record.plan_id && record.plan_id !== planId) continue;
    if (!record.commitment_id || !record.url)
      throw new CliError(`${file} must have the columns of links.csv: plan_id, commitment_id, position, title, url`, EXIT.usage);
    const list = byCommitment.get(record.commitment_id) ?? [];
    list.push({
      title: unneutralise(record.title ?? '') || record.url,
      url: record.url,
      position: Number(record.position) || list.length + 1,
    });
    byCommitment.set(record.commitment_id, list);
  }
  return new Map(
    [...byCommitment].map(([id, list]) => [id, list.sort((a, b) => a.position - b.position).map(({ title, url }) => ({ title, url }))]),
  );
}
