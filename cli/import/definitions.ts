/** Rows read from a sheet → commitment and plan definitions, or the reason a row cannot be one. */
import { canonicalJson } from '#shared/domain/canonical-json';
import {
  type Commitment,
  type CommitmentDefinition,
  commitmentDefinitionSchema,
  type Link,
  type Plan,
  type PlanDefinition,
  planDefinitionSchema,
  type StatusDefinition,
  slugify,
  slugSchema,
} from '#shared/domain/model';
import { CliError, EXIT } from '../output.ts';
import { normalise } from './columns.ts';
import { parseLinks, type SourceRow } from './read-rows.ts';

function splitNumbered(text: string | undefined): { number?: number; title?: string } {
  if (!text) return {};
  const match = /^\s*(?:n[uú]m\.?\s*|no\.?\s*|#)?(\d{1,6})(?:\s*[.:)\-–]|\s)\s*(\S.*)$/is.exec(text);
  if (match) return { number: Number(match[1]), title: match[2]!.trim() };
  if (/^\s*\d{1,6}\s*$/.test(text)) return { number: Number(text) };
  return { title: text.trim() };
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const cleaned = text.replace(/[^\d-]/g, '');
  const value = Number(cleaned);
  return cleaned !== '' && Number.isInteger(value) ? value : Number.NaN;
}

export function statusCodeOf(value: string, statuses: StatusDefinition[]): string | undefined {
  const wanted = normalise(value);
  for (const status of statuses) {
    if (normalise(status.code) === wanted) return status.code;
    if (Object.values(status.labels).some((label) => normalise(label) === wanted)) return status.code;
  }
  return undefined;
}

/** A progress cell: a whole or decimal percentage ("45", "45,5", "45.5 %"), rounded; NaN when it is none. */
export function progressOf(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const match = /^(\d{1,3}(?:[.,]\d+)?)\s*%?$/.exec(text.trim());
  return match ? Math.round(Number(match[1]!.replace(',', '.'))) : Number.NaN;
}

/**
 * The status a platform's progress implies, in the plan's vocabulary, when its own status has
 * no equal there: 100 → completed (or on_track), more than 0 → on_track, 0 → pending; none
 * when the vocabulary has no such code.
 */
export function statusFromProgress(progress: number | undefined, statuses: StatusDefinition[]): string | undefined {
  if (progress === undefined || Number.isNaN(progress)) return undefined;
  const has = (code: string) => statuses.some((s) => s.code === code);
  const wanted = progress >= 100 ? ['completed', 'on_track'] : progress > 0 ? ['on_track'] : ['pending', 'not_started'];
  return wanted.find(has);
}

export interface RowDefinition {
  line: number;
  commitmentId: string;
  definition: CommitmentDefinition;
}

export interface RejectedRow {
  line: number;
  reason: string;
}

/** Turns rows into commitment definitions, or the reason each row cannot be one. */
export function toDefinitions(
  rows: SourceRow[],
  options: {
    planId: string;
    statuses: StatusDefinition[];
    linksByCommitment?: Map<string, Link[]>;
    /** A status that is not in the vocabulary is taken from the progress instead (an export of another platform's statuses). */
    statusFromProgress?: boolean;
    /** What a row's line counts, for the messages: a CSV line or a sheet row. */
    unit?: 'line' | 'row';
  },
): { definitions: RowDefinition[]; rejected: RejectedRow[] } {
  const definitions: RowDefinition[] = [];
  const rejected: RejectedRow[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of rows) {
    const problems: string[] = [];
    if (cells.planId && cells.planId !== options.planId) {
      rejected.push({ line, reason: `plan_id is ${cells.planId}, not ${options.planId}` });
      continue;
    }
    const priority = splitNumbered(cells.priorityTitle);
    const priorityNumber = integer(cells.priorityNumber) ?? priority.number;
    const commitment = splitNumbered(cells.commitmentTitle);
    const commitmentNumber = integer(cells.commitmentNumber) ?? commitment.number;
    if (Number.isNaN(priorityNumber)) problems.push(`priority number "${cells.priorityNumber}" is not a whole number`);
    if (Number.isNaN(commitmentNumber)) problems.push(`commitment number "${cells.commitmentNumber}" is not a whole number`);
    if (priorityNumber === undefined) problems.push('no priority number');
    if (!priority.title) problems.push('no priority title');
    if (commitmentNumber === undefined) problems.push('no commitment number');
    if (!commitment.title) problems.push('no commitment title');
    if (!cells.area) problems.push('no area');
    const commitmentId =
      cells.commitmentId || (commitmentNumber !== undefined && Number.isInteger(commitmentNumber) ? `c${commitmentNumber}` : '');
    if (commitmentId && !slugSchema.safeParse(commitmentId).success)
      problems.push(`commitment id "${commitmentId}" must be a slug (lowercase letters, digits, hyphens)`);
    let status: string | undefined;
    const statusText = cells.status || cells.statusLabel;
    const progress = progressOf(cells.progress);
    if (progress !== undefined && (Number.isNaN(progress) || progress > 100))
      problems.push(`progress "${cells.progress}" is not a number from 0 to 100`);
    if (statusText) status = statusCodeOf(statusText, options.statuses);
    if (!status && options.statusFromProgress) status = statusFromProgress(progress, options.statuses);
    if (statusText && !status)
      problems.push(`status "${statusText}" is none of ${options.statuses.map((s) => s.code).join(', ')} (or their labels)`);
    if (problems.length > 0) {
      rejected.push({ line, reason: problems.join('; ') });
      continue;
    }
    const links = options.linksByCommitment?.get(commitmentId) ?? (cells.links ? parseLinks(cells.links) : undefined);
    const candidate = {
      number: commitmentNumber,
      title: commitment.title,
      priority: { number: priorityNumber, title: priority.title },
      area: cells.area,
      areaSlug: cells.areaSlug || slugify(cells.area!),
      ...(status ? { status } : {}),
      ...(cells.observations ? { observations: cells.observations } : {}),
      ...(links && links.length > 0 ? { links } : {}),
      ...(progress !== undefined && !Number.isNaN(progress) ? { progress } : {}),
    };
    const parsed = commitmentDefinitionSchema.safeParse(candidate);
    if (!parsed.success) {
      rejected.push({ line, reason: parsed.error.issues.map((i) => `${i.path.join('/') || 'row'}: ${i.message}`).join('; ') });
      continue;
    }
    const earlier = seen.get(commitmentId);
    if (earlier !== undefined) {
      rejected.push({ line, reason: `commitment ${commitmentId} is already defined on ${options.unit ?? 'line'} ${earlier}` });
      continue;
    }
    seen.set(commitmentId, line);
    definitions.push({ line, commitmentId, definition: parsed.data });
  }
  return { definitions, rejected };
}

const STRUCTURE: Array<keyof CommitmentDefinition> = ['number', 'title', 'priority', 'area', 'areaSlug'];
export const sameStructure = (existing: Commitment, definition: CommitmentDefinition) =>
  STRUCTURE.every((field) => canonicalJson(existing[field as keyof Commitment]) === canonicalJson(definition[field]));

export function planDefinitionFrom(
  existing: Plan | undefined,
  values: Partial<Record<'plan-title' | 'municipality' | 'period' | 'language' | 'license', string>>,
): PlanDefinition | undefined {
  const given = values['plan-title'] ?? values.municipality ?? values.period ?? values.language ?? values.license;
  if (!existing && values['plan-title'] === undefined) return undefined;
  if (existing && given === undefined) return undefined;
  const period = values.period ? /^(\d{4})\s*[-–/]\s*(\d{4})$/.exec(values.period) : undefined;
  if (values.period && !period) throw new CliError(`--period must be START-END, e.g. 2015-2019, not "${values.period}"`, EXIT.usage);
  const base: Partial<PlanDefinition> = existing
    ? Object.fromEntries(
        Object.entries(existing).filter(([k]) => !['planId', 'revision', 'metadataRevision', 'createdAt', 'updatedAt'].includes(k)),
      )
    : {};
  const municipality = values.municipality ?? base.municipality;
  const licenses: Record<string, PlanDefinition['license']> = {
    'CC-BY-4.0': { id: 'CC-BY-4.0', title: 'Creative Commons Attribution 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' },
    'CC0-1.0': { id: 'CC0-1.0', title: 'Creative Commons Zero 1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/' },
  };
  const license = values.license ? licenses[values.license] : (base.license ?? licenses['CC-BY-4.0']);
  if (!license) throw new CliError(`--license must be one of ${Object.keys(licenses).join(', ')}`, EXIT.usage);
  const definition = {
    ...base,
    title: values['plan-title'] ?? base.title,
    municipality,
    period: period ? { start: Number(period[1]), end: Number(period[2]) } : base.period,
    language: values.language ?? base.language ?? 'ca',
    license,
    publisher: base.publisher ?? (municipality ? { name: `Ajuntament de ${municipality}` } : undefined),
  };
  const parsed = planDefinitionSchema.safeParse(definition);
  if (!parsed.success) {
    const missing = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new CliError(
      `the plan cannot be defined: ${missing} missing or invalid (give --plan-title, --municipality and --period for a new plan)`,
      EXIT.usage,
    );
  }
  return parsed.data;
}
