/**
 * commitments.xlsx: the current state as a spreadsheet for people. Double-clicking the CSV
 * (UTF-8 without BOM, as RFC 4180 portals want it) garbles accents in Excel; an Office Open XML
 * workbook (ECMA-376) has no encoding to guess. Same columns and rows as commitments.csv;
 * numbers are numbers, text is inline text (a cell never becomes a formula, so no apostrophe is
 * needed), the header row is bold and stays in view.
 *
 * The parts are zipped with node:zlib's deflate. They are written here rather than by a spreadsheet library:
 * the smallest maintained one (write-excel-file) adds 61 KB to the publish bundle, 48% of it,
 * for one sheet of text and whole numbers. Every zip entry is stamped with the plan's last
 * change instead of the clock, so an unchanged plan keeps its bytes and its ETag.
 */
import type { Commitment, Plan } from '../domain/model.ts';
import { COMMITMENT_COLUMNS, commitmentRow } from './csv.ts';
import { packJson, unpackJson } from './packed.ts';
import { escapeXml } from './xml.ts';
import { zip } from './zip.ts';

export const XLSX_FILE = 'commitments.xlsx';

/** Excel's limit on a cell's text. */
const MAX_CELL_TEXT = 32_767;

const WIDTHS: Partial<Record<(typeof COMMITMENT_COLUMNS)[number], number>> = {
  priority_title: 40,
  commitment_title: 50,
  area: 30,
  status_label: 30,
  observations: 80,
  reported_at: 21,
  updated_at: 21,
  last_update_id: 38,
};

type Cell = string | number | undefined;

/** A1-style column name: 0 → A, 25 → Z, 26 → AA. */
function column(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function cellXml(value: Cell, ref: string, style: number): string {
  const s = style ? ` s="${style}"` : '';
  if (value === undefined || value === '') return '';
  if (typeof value === 'number') return `<c r="${ref}"${s}><v>${value}</v></c>`;
  const text = escapeXml(value.length > MAX_CELL_TEXT ? value.slice(0, MAX_CELL_TEXT) : value);
  return `<c r="${ref}"${s} t="inlineStr"><is><t xml:space="preserve">${text}</t></is></c>`;
}

function sheetXml(rows: Cell[][]): string {
  const body = rows
    .map((row, r) => `<row r="${r + 1}">${row.map((value, c) => cellXml(value, `${column(c)}${r + 1}`, r === 0 ? 1 : 0)).join('')}</row>`)
    .join('');
  const cols = COMMITMENT_COLUMNS.map((name, i) => `<col min="${i + 1}" max="${i + 1}" width="${WIDTHS[name] ?? 14}" customWidth="1"/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>',
    `<cols>${cols.join('')}</cols>`,
    `<sheetData>${body}</sheetData>`,
    '</worksheet>',
  ].join('');
}

/**
 * The workbook's parts that never change (and the workbook's head), packed in the Lambda bundles.
 * Literals joined with `+`, not Array.join: esbuild drops only what it knows has no side effects.
 */
const PART_SOURCE = {
  contentTypes:
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
    '</Types>',
  rootRels:
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
    '</Relationships>',
  workbookRels:
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' +
    '</Relationships>',
  /** Two cell formats: 0 plain, 1 bold (the header). */
  styles:
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>' +
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>' +
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
    '</styleSheet>',
  workbookHead:
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
};

/** Replaced by esbuild's `define` in the Lambda bundles (`packXlsxParts()`); absent (undefined) when run from source. */
declare const MANDAT_XLSX_PARTS: string | undefined;

/** The name the bundling defines. */
export const XLSX_PARTS_DEFINE = 'MANDAT_XLSX_PARTS';

export function packXlsxParts(): string {
  return packJson(PART_SOURCE);
}

const PARTS = typeof MANDAT_XLSX_PARTS === 'string' ? unpackJson<typeof PART_SOURCE>(MANDAT_XLSX_PARTS) : PART_SOURCE;

/** Sheet names: at most 31 characters, none of : \ / ? * [ ]. */
const sheetName = (planId: string) => planId.replace(/[:\\/?*[\]]/g, '-').slice(0, 31) || 'commitments';

export function renderCommitmentsXlsx(plan: Plan, commitments: Commitment[], generatedAt: string): Uint8Array {
  const rows: Cell[][] = [[...COMMITMENT_COLUMNS], ...commitments.map((c) => commitmentRow(plan, c))];
  const workbook = [
    PARTS.workbookHead,
    `<sheets><sheet name="${escapeXml(sheetName(plan.planId))}" sheetId="1" r:id="rId1"/></sheets>`,
    '</workbook>',
  ].join('');
  const encode = (xml: string) => new TextEncoder().encode(xml);
  return zip(
    {
      '[Content_Types].xml': encode(PARTS.contentTypes),
      '_rels/.rels': encode(PARTS.rootRels),
      'xl/workbook.xml': encode(workbook),
      'xl/_rels/workbook.xml.rels': encode(PARTS.workbookRels),
      'xl/styles.xml': encode(PARTS.styles),
      'xl/worksheets/sheet1.xml': encode(sheetXml(rows)),
    },
    new Date(generatedAt),
  );
}
