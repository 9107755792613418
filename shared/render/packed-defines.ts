/** What the Lambda bundling gives esbuild's `define`: each renderer's static text, packed (see packed.ts). */
import { DCAT_TABLES_DEFINE, packDcatTables } from './dcat.ts';
import { COLUMN_MEANINGS_DEFINE, packColumnMeanings } from './dictionary.ts';
import { PAGE_STYLE_DEFINE, packPageStyle } from './html.ts';
import { LABELS_DEFINE, packLabels } from './labels.ts';
import { packXlsxParts, XLSX_PARTS_DEFINE } from './xlsx.ts';

/** Define name → JavaScript expression (a string literal). */
export function packedTextDefines(): Record<string, string> {
  return {
    [LABELS_DEFINE]: JSON.stringify(packLabels()),
    [COLUMN_MEANINGS_DEFINE]: JSON.stringify(packColumnMeanings()),
    [PAGE_STYLE_DEFINE]: JSON.stringify(packPageStyle()),
    [DCAT_TABLES_DEFINE]: JSON.stringify(packDcatTables()),
    [XLSX_PARTS_DEFINE]: JSON.stringify(packXlsxParts()),
  };
}
