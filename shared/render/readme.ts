/**
 * README.md: the data dictionary of a plan's files, in the plan's language. Column meanings
 * and types come from the same definitions as the CSV writer and the Data Package.
 */

import { statusLabel } from '../domain/vocabulary.ts';
import { COLUMN_TYPES, type ColumnName, CSV_TABLES } from './csv.ts';
import { columnMeaning } from './dictionary.ts';
import { fileTitle, type PlanFile, planFiles } from './files.ts';
import { labelsFor } from './labels.ts';
import { dashboardUrl, type PlanSnapshot, planAreas } from './snapshot.ts';

export const README_FILE = 'README.md';

/** Markdown table cells: no pipes or line breaks may leak out of a cell. */
function cell(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1').replace(/\r?\n/g, ' ');
}

/** Escapes Markdown syntax in user-written text used outside tables (titles, names). */
function inline(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+!<>|~])/g, '\\$1').replace(/\r?\n/g, ' ');
}

export function rowCounts(snapshot: PlanSnapshot): Map<string, number> {
  const counts = new Map<string, number>([
    ['commitments.csv', snapshot.commitments.length],
    ['commitments.json', snapshot.commitments.length],
  ]);
  // Only counts that move with definitions. Not the monthly history files (every update adds a
  // row): the README would be rewritten with each update (a PUT) for a number the files tell.
  return counts;
}

export function renderReadme(snapshot: PlanSnapshot): string {
  const { plan } = snapshot;
  const words = labelsFor(plan.language);
  const counts = rowCounts(snapshot);
  const files = planFiles(snapshot);
  const lines: string[] = [
    `# ${inline(plan.municipality)}: ${inline(plan.title)} — ${words.dataDictionary}`,
    '',
    words.readmeIntro,
    '',
    // The day, not the instant: the README then changes with the files and definitions, not with every update.
    `- ${words.generated}: ${snapshot.generatedAt.slice(0, 10)}`,
    `- ${words.period}: ${plan.period.start}–${plan.period.end}`,
    `- ${words.publisher}: ${inline(plan.publisher.name)}`,
    `- ${words.license}: [${inline(plan.license.title || plan.license.id)}](${plan.license.url})`,
    ...(plan.source ? [`- ${words.source}: [${inline(plan.source.title)}](${plan.source.url})`] : []),
    `- ${words.downloads}: ${dashboardUrl(snapshot)}`,
    '',
    `## ${words.dataFiles}`,
    '',
    `| ${words.file} | ${words.meaning} | ${words.rows} |`,
    '|---|---|---:|',
    ...files.map((f: PlanFile) => `| [${cell(f.path)}](${f.path}) | ${cell(fileTitle(f, words))} | ${counts.get(f.path) ?? ''} |`),
    '',
    `${words.feedsNote}`,
    '',
    `- ${words.areaFeedsNote}: \`areas/{area_slug}/feed.atom\` (${planAreas(snapshot).length})`,
    `- ${words.commitmentFeedsNote}: \`commitments/{commitment_id}/feed.atom\` (${snapshot.commitments.length})`,
    '',
  ];
  const tables: Array<[string, keyof typeof CSV_TABLES]> = [
    ['commitments.csv', 'commitments'],
    ['updates/{YYYY}/{MM}.csv', 'updates'],
  ];
  for (const [name, table] of tables) {
    lines.push(`## ${name}`, '', `| ${words.column} | ${words.type} | ${words.meaning} |`, '|---|---|---|');
    for (const column of CSV_TABLES[table].columns as readonly ColumnName[]) {
      const spec = COLUMN_TYPES[column];
      lines.push(`| \`${column}\` | ${spec.type} | ${cell(columnMeaning(column, plan.language))} |`);
    }
    lines.push('');
  }
  lines.push(
    `## ${words.statusVocabulary}`,
    '',
    `| ${words.code} | ${words.label} |`,
    '|---|---|',
    ...plan.statuses.map((s) => `| \`${s.code}\` | ${cell(statusLabel(plan.statuses, s.code, plan.language))} |`),
    '',
    `## ${words.notes}`,
    '',
    ...words.csvNotes.map((note) => `- ${note}`),
    '',
  );
  return lines.join('\n');
}
