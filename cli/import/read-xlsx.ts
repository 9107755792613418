/**
 * Reading the first sheet (or a named one) of an Office Open XML workbook (.xlsx) with
 * read-excel-file, cells as the sheet shows them: 1 stays "1", a date cell is a date
 * (2024-03-05), not a serial number; rows keep their sheet row number.
 */
import { CliError, EXIT } from '../output.ts';
import type { Table } from './read-rows.ts';

/** Every .xlsx is a zip file: "PK\x03\x04". */
export const isZip = (bytes: Uint8Array) =>
  bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
/** The old binary .xls (and .doc): an OLE2 compound file. */
const isOle2 = (bytes: Uint8Array) => bytes.length >= 4 && bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0;

const pad = (n: number) => String(n).padStart(2, '0');

/** A cell's value as text, as a spreadsheet shows it (dates in ISO 8601, numbers without float noise). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return '';
    const day = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
    const seconds = value.getUTCHours() * 3600 + value.getUTCMinutes() * 60 + value.getUTCSeconds();
    return seconds === 0 ? day : `${day} ${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}`;
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return String(value).replace(/\r\n?/g, '\n').trim();
}

export async function readXlsxTable(file: string, bytes: Buffer, sheet?: string): Promise<Table> {
  if (isOle2(bytes)) throw new CliError(`${file} is an old Excel .xls workbook: save it as .xlsx or CSV`, EXIT.usage);
  if (!isZip(bytes)) throw new CliError(`${file} is not an XLSX workbook (not a zip file)`, EXIT.usage);
  // Loaded only for a workbook, so reading a CSV does not pay for it.
  const { InvalidInputError, readSheet, SheetNotFoundError } = await import('read-excel-file/node');
  let data: unknown[][];
  try {
    data = (await (sheet === undefined ? readSheet(bytes) : readSheet(bytes, sheet))) as unknown[][];
  } catch (error) {
    if (error instanceof SheetNotFoundError) throw new CliError(`${file}: ${(error as Error).message}`, EXIT.usage);
    const why = error instanceof InvalidInputError ? error.code : (error as Error).message;
    throw new CliError(`${file} is not a readable XLSX workbook (${why})`, EXIT.usage);
  }
  const rows = data.map((row, index) => ({ line: index + 1, values: row.map(cellText) }));
  const filled = rows.filter((row) => row.values.some((v) => v !== ''));
  if (filled.length === 0) throw new CliError(`${file}: the sheet is empty`, EXIT.usage);
  const [header, ...records] = filled;
  return { header: header!.values, records, unit: 'row' };
}
