/**
 * `mandat import`: an admin defines a plan's commitments from a spreadsheet saved as CSV,
 * through the signed API (PUT, idempotent upserts), so re-running it changes nothing.
 *
 * It reads a city's own sheet (one row per commitment: priority number and title, commitment
 * number and title, area, status, observations, links; headers in Catalan, Spanish or
 * English) and the project's published commitments.csv (with links.csv through --links), so
 * a plan can be exported, edited in a spreadsheet and imported back.
 */
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
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
import { DEFAULT_STATUSES } from '#shared/domain/vocabulary';
import { type ApiResult, ensureOk, SignedClient } from '../client.ts';
import { type Command, DEFAULT_API, parse, requireOption } from '../command.ts';
import { bold, CliError, dim, EXIT, green, progressBar, red, yellow } from '../output.ts';

const help = `Usage: mandat import FILE.csv --plan ID --key ADMIN.pem [options]

Defines a plan's commitments from a spreadsheet saved as CSV (one row per commitment),
through the signed API. Existing commitments keep their state (status, observations, links):
an import only sets the structure (numbers, titles, priorities, areas), and the initial
state of new commitments. Re-running an import changes nothing.

Columns (header names in Catalan, Spanish or English; order free; "," ";" or tab separated):
  priority number   Prioritat núm. | Prioridad nº | priority_number
  priority title    Prioritat | Prioridad | priority_title ("1. Text" in one cell also works)
  commitment number Compromís núm. | Compromiso nº | commitment_number
  commitment title  Compromís | Compromiso | commitment_title ("4. Text" also works)
  commitment id     commitment_id (optional; default c<number>)
  area              Àrea responsable | Área responsable | area  (area_slug optional)
  status            Estat de compliment | Estado | status (a code or a label of the vocabulary)
  observations      Observacions | Observaciones | observations
  links             Informació relacionada | Información relacionada | links:
                    one per line as "Title <url>", "Title | url", "[Title](url)", a title line
                    followed by a url line, or a bare url
  progress          Progrés | Progreso | progress (0-100, optional)
The project's own commitments.csv is read as is; its links come from links.csv (--links).

Options:
  --plan ID             the plan to define (e.g. terrassa-2015-2019)
  --plan-title TEXT     plan metadata: needed when the plan does not exist yet, and updates it
  --municipality NAME   (new plan) the municipality
  --period START-END    (new plan) e.g. 2015-2019
  --language TAG        (new plan) main language, default ca
  --license ID          (new plan) default CC-BY-4.0
  --links FILE          links.csv (plan_id, commitment_id, position, title, url)
  --dry-run             check the file and report what would change, without writing
  --key FILE            an admin's ed25519 private key; keyid = file name without .pem
  --key-id ID           the admin's keyid, when it differs from the file name
  --api URL             API base URL (default $MANDAT_API or http://localhost:3000)
  --json                print the report as JSON

Exit codes: 0 all rows defined, 1 some rows rejected (see the report), 2 usage error,
3 server or network failure.

Example:
  mandat import pam-2019.csv --plan terrassa-2015-2019 --plan-title "Pla de Mandat 2015-2019" \\
    --municipality Terrassa --period 2015-2019 --key admin.pem --dry-run`;

type Field =
  | 'planId'
  | 'priorityNumber'
  | 'priorityTitle'
  | 'commitmentId'
  | 'commitmentNumber'
  | 'commitmentTitle'
  | 'area'
  | 'areaSlug'
  | 'status'
  | 'statusLabel'
  | 'observations'
  | 'links'
  | 'progress';

const normalise = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/l·l/g, 'll')
    .replace(/[^a-z0-9%]+/g, ' ')
    .trim();

const NUMBER_WORDS = /\b(num|numero|number|no|n|nr|nº|#)\b/;
const words = {
  priority: /\b(prioritat|prioridad|priority|prioritats|prioridades|priorities|eix|eje|axis)\b/,
  commitment: /\b(compromis|compromiso|commitment|compromisos|commitments|actuacio|actuacion|action)\b/,
  title: /\b(titol|titulo|title|text|texto|descripcio|descripcion|description|nom|nombre|name)\b/,
  id: /\b(id|identificador|identifier|codi|codigo|code)\b/,
};

/** Which field a header names; exact published column names first, then word patterns. */
export function fieldOf(header: string): Field | undefined {
  const exact: Record<string, Field> = {
    plan_id: 'planId',
    priority_number: 'priorityNumber',
    priority_title: 'priorityTitle',
    commitment_id: 'commitmentId',
    commitment_number: 'commitmentNumber',
    commitment_title: 'commitmentTitle',
    area: 'area',
    area_slug: 'areaSlug',
    status: 'status',
    status_label: 'statusLabel',
    observations: 'observations',
    links: 'links',
    progress: 'progress',
  };
  const raw = header.trim().toLowerCase();
  if (exact[raw]) return exact[raw];
  const h = normalise(header);
  if (h === '') return undefined;
  if (/\b(slug)\b/.test(h) && /\b(area|ambit|ambito)\b/.test(h)) return 'areaSlug';
  if (words.priority.test(h)) return NUMBER_WORDS.test(h) ? 'priorityNumber' : 'priorityTitle';
  if (words.commitment.test(h)) {
    if (words.id.test(h)) return 'commitmentId';
    return NUMBER_WORDS.test(h) ? 'commitmentNumber' : 'commitmentTitle';
  }
  if (/\b(area|ambit|ambito|departament|departamento|department|regidoria|concejalia|responsable|responsible)\b/.test(h)) return 'area';
  if (/\b(estat|estado|status|state|compliment|cumplimiento|situacio|situacion)\b/.test(h))
    return /\b(label|etiqueta)\b/.test(h) ? 'statusLabel' : 'status';
  if (/\b(observacions|observaciones|observations|observacio|observacion|comentaris|comentarios|comments|notes|notas)\b/.test(h))
    return 'observations';
  if (/\b(informacio relacionada|informacion relacionada|related|links|link|enllacos|enlaces|enllac|enlace|urls?)\b/.test(h))
    return 'links';
  if (/\b(progres|progreso|progress|avanc|avance|%)\b/.test(h) || h === '%') return 'progress';
  return undefined;
}

export interface SourceRow {
  line: number;
  cells: Partial<Record<Field, string>>;
}

/** Undoes the spreadsheet-formula neutralisation of our own CSV export (a leading apostrophe). */
const unneutralise = (value: string) => (/^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value);

export function readCsv(text: string): { rows: SourceRow[]; unknownHeaders: string[]; fields: Field[] } {
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
  const header = records[0]!.record;
  const fields = header.map(fieldOf);
  const unknownHeaders = header.filter((h, i) => fields[i] === undefined && h.trim() !== '');
  const rows = records.slice(1).map((entry) => {
    const cells: SourceRow['cells'] = {};
    entry.record.forEach((value, i) => {
      const field = fields[i];
      if (field && cells[field] === undefined) cells[field] = unneutralise(value.trim());
    });
    return { line: lineOf(entry), cells };
  });
  return {
    rows: rows.filter((row) => Object.values(row.cells).some((v) => v !== '')),
    unknownHeaders,
    fields: fields.filter((f): f is Field => f !== undefined),
  };
}

/** "Title <url>", "Title | url", "[Title](url)", "Title: url", a title line then a url line, or a url. */
export function parseLinks(cell: string): Link[] {
  const links: Link[] = [];
  let pendingTitle = '';
  for (const rawLine of cell.split('\n').flatMap((line) => line.split(/\s\|\|\s/))) {
    const line = rawLine.trim();
    if (!line) continue;
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
  options: { planId: string; statuses: StatusDefinition[]; linksByCommitment?: Map<string, Link[]> },
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
    if (statusText) {
      status = statusCodeOf(statusText, options.statuses);
      if (!status) problems.push(`status "${statusText}" is none of ${options.statuses.map((s) => s.code).join(', ')} (or their labels)`);
    }
    const progress = integer(cells.progress);
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
      ...(progress !== undefined ? { progress } : {}),
    };
    const parsed = commitmentDefinitionSchema.safeParse(candidate);
    if (!parsed.success) {
      rejected.push({ line, reason: parsed.error.issues.map((i) => `${i.path.join('/') || 'row'}: ${i.message}`).join('; ') });
      continue;
    }
    const earlier = seen.get(commitmentId);
    if (earlier !== undefined) {
      rejected.push({ line, reason: `commitment ${commitmentId} is already defined on line ${earlier}` });
      continue;
    }
    seen.set(commitmentId, line);
    definitions.push({ line, commitmentId, definition: parsed.data });
  }
  return { definitions, rejected };
}

function readLinksCsv(file: string, planId: string): Map<string, Link[]> {
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

const STRUCTURE: Array<keyof CommitmentDefinition> = ['number', 'title', 'priority', 'area', 'areaSlug'];
/** Key order does not matter (a map read back from DynamoDB does not keep it). */
const canonicalJson = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
const sameStructure = (existing: Commitment, definition: CommitmentDefinition) =>
  STRUCTURE.every((field) => canonicalJson(existing[field as keyof Commitment]) === canonicalJson(definition[field]));

function planDefinitionFrom(
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

/** Requests in flight at once: enough to hide latency, few enough to be polite to the API. */
const PARALLEL_REQUESTS = 4;

export interface ImportReport {
  planId: string;
  dryRun: boolean;
  rows: number;
  plan: 'created' | 'changed' | 'unchanged' | 'would be created' | 'would change';
  created: number;
  changed: number;
  unchanged: number;
  rejected: RejectedRow[];
  unknownColumns: string[];
}

async function get(client: SignedClient, path: string): Promise<ApiResult | undefined> {
  const result = await client.request('GET', path);
  if (result.status === 404) return undefined;
  return ensureOk(result);
}

export const importCommand: Command = {
  name: 'import',
  summary: "define a plan's commitments from a spreadsheet (CSV) (admin)",
  help,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      {
        plan: { type: 'string' },
        'plan-title': { type: 'string' },
        municipality: { type: 'string' },
        period: { type: 'string' },
        language: { type: 'string' },
        license: { type: 'string' },
        links: { type: 'string' },
        'dry-run': { type: 'boolean' },
        key: { type: 'string' },
        'key-id': { type: 'string' },
        api: { type: 'string' },
        json: { type: 'boolean' },
      },
      help,
    );
    if (values.help) return void console.log(help);
    if (positionals.length !== 1) throw new CliError(`one CSV file is needed\n\n${help}`, EXIT.usage);
    const file = positionals[0]!;
    const planId = requireOption(values.plan, 'plan', help);
    if (!slugSchema.safeParse(planId).success)
      throw new CliError(`--plan must be a slug (lowercase letters, digits, hyphens), not "${planId}"`, EXIT.usage);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
    }
    const { rows, unknownHeaders, fields } = readCsv(text);
    for (const needed of ['commitmentTitle', 'area'] as const) {
      if (!fields.includes(needed)) {
        throw new CliError(
          `${file} has no ${needed === 'area' ? 'area' : 'commitment'} column; see "mandat import --help" for the column names`,
          EXIT.usage,
        );
      }
    }
    const client = new SignedClient({
      api: values.api ?? DEFAULT_API,
      keyPath: requireOption(values.key, 'key', help),
      keyId: values['key-id'],
    });
    const existingPlan = (await get(client, `/api/v1/plans/${planId}`))?.body as Plan | undefined;
    const planDefinition = planDefinitionFrom(existingPlan, values);
    if (!existingPlan && !planDefinition) {
      throw new CliError(`plan ${planId} does not exist yet: give --plan-title, --municipality and --period to define it`, EXIT.usage);
    }
    const statuses = planDefinition?.statuses ?? existingPlan?.statuses ?? DEFAULT_STATUSES;
    const linksByCommitment = values.links ? readLinksCsv(values.links, planId) : undefined;
    const { definitions, rejected } = toDefinitions(rows, { planId, statuses, linksByCommitment });

    const report: ImportReport = {
      planId,
      dryRun: Boolean(values['dry-run']),
      rows: rows.length,
      plan: 'unchanged',
      created: 0,
      changed: 0,
      unchanged: 0,
      rejected,
      unknownColumns: unknownHeaders,
    };

    if (values['dry-run']) {
      const existing = new Map<string, Commitment>();
      if (existingPlan) {
        const list = (await get(client, `/api/v1/plans/${planId}/commitments`))?.body as { commitments: Commitment[] } | undefined;
        for (const c of list?.commitments ?? []) existing.set(c.commitmentId, c);
      }
      report.plan = !existingPlan ? 'would be created' : planDefinition ? 'would change' : 'unchanged';
      for (const { commitmentId, definition } of definitions) {
        const current = existing.get(commitmentId);
        if (!current) report.created++;
        else if (sameStructure(current, { ...definition, areaSlug: definition.areaSlug ?? slugify(definition.area) })) report.unchanged++;
        else report.changed++;
      }
    } else {
      if (planDefinition) {
        const result = ensureOk(await client.request('PUT', `/api/v1/plans/${planId}`, planDefinition));
        const answer = result.body as { changed: boolean };
        report.plan = result.status === 201 ? 'created' : answer.changed ? 'changed' : 'unchanged';
      }
      const bar = progressBar(definitions.length, `importing ${planId}`);
      const put = async ({ line, commitmentId, definition }: RowDefinition) => {
        let result: ApiResult;
        // New commitments bump the plan's revision, so parallel definitions can collide: retry those.
        for (let attempt = 0; ; attempt++) {
          result = await client.request('PUT', `/api/v1/plans/${planId}/commitments/${commitmentId}`, definition);
          const conflict = result.status === 409 && String((result.body as { type?: string })?.type).endsWith('/write-conflict');
          if (!conflict || attempt >= 20) break;
          await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * (attempt + 1)));
        }
        // A refused key or a server failure is not about this row: stop there.
        if (result.status >= 500 || result.status === 401 || result.status === 403) ensureOk(result);
        if (result.status >= 400) {
          const problem = result.body as { detail?: string };
          rejected.push({ line, reason: `the server refused it (${result.status}): ${problem?.detail ?? String(result.body)}` });
        } else if (result.status === 201) report.created++;
        else if ((result.body as { changed: boolean }).changed) report.changed++;
        else report.unchanged++;
        bar.tick();
      };
      const queue = [...definitions];
      await Promise.all(
        Array.from({ length: Math.min(PARALLEL_REQUESTS, queue.length) }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) await put(next);
        }),
      );
      bar.finish();
    }
    rejected.sort((a, b) => a.line - b.line);

    if (values.json) console.log(JSON.stringify(report, null, 2));
    else printReport(report, file);
    if (rejected.length > 0) process.exitCode = EXIT.rejected;
  },
};

function printReport(report: ImportReport, file: string) {
  const would = report.dryRun ? 'would be ' : '';
  const counts = `${report.created} ${would}created, ${report.changed} ${would}changed, ${report.unchanged} unchanged`;
  const nothing =
    report.created === 0 && report.changed === 0 && !['created', 'changed', 'would be created', 'would change'].includes(report.plan);
  const mark = report.rejected.length > 0 ? yellow('!') : green('✓');
  console.log(
    `${mark} ${report.dryRun ? bold('dry run: ') : ''}${file} → plan ${bold(report.planId)} (plan ${report.plan}): ${counts}${nothing ? dim(' — nothing changed') : ''}`,
  );
  if (report.unknownColumns.length > 0) console.log(dim(`  ignored columns: ${report.unknownColumns.join(', ')}`));
  if (report.rejected.length > 0) {
    console.log(red(`  ${report.rejected.length} row(s) rejected:`));
    for (const row of report.rejected) console.log(`  line ${row.line}: ${row.reason}`);
  }
}
