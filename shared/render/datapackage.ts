/**
 * Frictionless Data Package (https://specs.frictionlessdata.io/data-package/): one resource per
 * CSV and JSON file, each CSV with a Table Schema built from the very column list the CSV
 * renderer writes, so the two cannot disagree.
 */

import { COLUMN_TYPES, type ColumnName, CSV_TABLES } from './csv.ts';
import { columnMeaning } from './dictionary.ts';
import { fileTitle, mediaType, type PlanFile, planFiles } from './files.ts';
import { labelsFor } from './labels.ts';
import { dashboardUrl, type PlanSnapshot, planUrl } from './snapshot.ts';

export const DATAPACKAGE_FILE = 'datapackage.json';

export interface TableSchemaField {
  name: string;
  type: 'string' | 'integer' | 'datetime' | 'boolean';
  format?: string;
  description: string;
  constraints?: { required?: boolean; minimum?: number; maximum?: number; enum?: string[] };
}

export interface TableSchema {
  fields: TableSchemaField[];
  missingValues: string[];
  primaryKey: string[];
  foreignKeys?: Array<{ fields: string[]; reference: { resource: string; fields: string[] } }>;
}

export function tableSchema(snapshot: PlanSnapshot, table: keyof typeof CSV_TABLES): TableSchema {
  const { plan } = snapshot;
  const statusCodes = plan.statuses.map((s) => s.code);
  const fields = (CSV_TABLES[table].columns as readonly ColumnName[]).map((name): TableSchemaField => {
    const spec = COLUMN_TYPES[name];
    const constraints: NonNullable<TableSchemaField['constraints']> = {};
    if (spec.required) constraints.required = true;
    if (spec.minimum !== undefined) constraints.minimum = spec.minimum;
    if (spec.maximum !== undefined) constraints.maximum = spec.maximum;
    // History keeps codes a plan may since have dropped from its vocabulary: only the current state is constrained.
    if (spec.statusCode && table === 'commitments') constraints.enum = statusCodes;
    return {
      name,
      type: spec.type,
      description: columnMeaning(name, plan.language),
      ...(Object.keys(constraints).length > 0 ? { constraints } : {}),
    };
  });
  return {
    fields,
    missingValues: [''],
    primaryKey: [...CSV_TABLES[table].primaryKey],
    ...(table === 'commitments'
      ? {}
      : { foreignKeys: [{ fields: ['commitment_id'], reference: { resource: 'commitments', fields: ['commitment_id'] } }] }),
  };
}

/** Resource names: lowercase, unique, stable ("commitments", "updates-2019", "updates-2019-json"). */
function resourceName(file: PlanFile): string {
  const stem = file.path.replace(/\.(csv|json)$/, '').replace(/[^a-z0-9]+/g, '-');
  return file.format === 'csv' ? stem : `${stem}-json`;
}

export function renderDatapackage(snapshot: PlanSnapshot): string {
  const { plan } = snapshot;
  const words = labelsFor(plan.language);
  const dataFiles = planFiles(snapshot).filter((f) => f.kind !== 'datapackage' && (f.format === 'csv' || f.format === 'json'));
  const resources = dataFiles.map((file) => ({
    name: resourceName(file),
    path: file.path,
    title: fileTitle(file, words),
    profile: file.table ? 'tabular-data-resource' : 'data-resource',
    format: file.format,
    mediatype: mediaType(file.format),
    encoding: 'utf-8',
    ...(file.table
      ? {
          dialect: { delimiter: ',', lineTerminator: '\r\n', quoteChar: '"', doubleQuote: true, header: true },
          schema: tableSchema(snapshot, file.table),
        }
      : {}),
  }));
  const descriptor = {
    profile: 'data-package',
    name: plan.planId,
    id: planUrl(snapshot),
    title: `${plan.municipality}: ${plan.title}`,
    ...(plan.description ? { description: plan.description } : {}),
    homepage: dashboardUrl(snapshot),
    keywords: [plan.municipality, `${plan.period.start}-${plan.period.end}`],
    licenses: [{ name: plan.license.id, path: plan.license.url, title: plan.license.title || plan.license.id }],
    sources: plan.source ? [{ title: plan.source.title, path: plan.source.url }] : [],
    contributors: [
      {
        title: plan.publisher.name,
        ...(plan.publisher.url ? { path: plan.publisher.url } : {}),
        ...(plan.publisher.email ? { email: plan.publisher.email } : {}),
        role: 'publisher',
      },
    ],
    resources,
  };
  return JSON.stringify(descriptor, null, 2) + '\n';
}
