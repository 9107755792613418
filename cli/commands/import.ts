/**
 * `mandat import`: an admin defines a plan's commitments from a spreadsheet (CSV or XLSX),
 * through the signed API (batches of idempotent upserts), so re-running it changes nothing.
 *
 * It reads a city's own sheet with its own column names through --map (or the usual headers
 * in Catalan, Spanish or English without one), Decidim's accountability results export, and
 * the project's published commitments.csv (its links column; the links.csv of an earlier version
 * through --links), so a plan can be
 * exported, edited in a spreadsheet and imported back. Reading is cli/import's readSource.
 */

import { ITEMS_PER_TRANSACTION } from '#shared/api/definitions';
import { type Commitment, type Plan, slugify, slugSchema } from '#shared/domain/model';
import { DEFAULT_STATUSES } from '#shared/domain/vocabulary';
import { type ApiResult, ensureOk, SignedClient } from '../client.ts';
import { type Command, DEFAULT_API_HELP, defaultApi, parse, requireOption } from '../command.ts';
import { FIELD_NAMES, fieldName } from '../import/columns.ts';
import { planDefinitionFrom, type RejectedRow, sameStructure, statusCodeOf, toDefinitions } from '../import/definitions.ts';
import { readLinksCsv, type SourceRow } from '../import/read-rows.ts';
import { sendInBatches } from '../import/send.ts';
import type { SourceRead } from '../import/sources.ts';
import { bold, CliError, dim, EXIT, green, progressBar, red, yellow } from '../output.ts';

const help = `Usage: mandat import FILE --plan ID --key ADMIN.pem [options]

Defines a plan's commitments from a spreadsheet (one row per commitment), CSV or XLSX,
through the signed API. Existing commitments keep their state (status, observations, links):
an import only sets the structure (numbers, titles, priorities, areas), and the initial
state of new commitments. Re-running an import changes nothing.

FILE is a CSV ("," ";" or tab separated, UTF-8) or an XLSX workbook (told by its content;
the first sheet, or --sheet NAME; dates and numbers as the sheet shows them).

Fields, and the headers recognised without --map (Catalan, Spanish or English; order free):
  priority_number   Prioritat núm. | Prioridad nº | priority_number
  priority_title    Prioritat | Prioridad | priority_title ("1. Text" in one cell also works)
  commitment_number Compromís núm. | Compromiso nº | commitment_number
  commitment_title  Compromís | Compromiso | commitment_title ("4. Text" also works)
  commitment_id     commitment_id (optional; default c<number>)
  area              Àrea responsable | Área responsable | area  (area_slug optional)
  status            Estat de compliment | Estado | status (a code or a label of the vocabulary)
  observations      Observacions | Observaciones | observations
  links             Informació relacionada | Información relacionada | links:
                    one per line as "Title <url>", "Title | url", "[Title](url)", a title line
                    followed by a url line, or a bare url
  progress          Progrés | Progreso | progress (0-100, optional)
Cells holding HTML (a known tag) become Markdown (observations) or plain text (the rest).
Priorities without a number are numbered in order of first appearance; commitments without
one take an integer commitment_id, else (no commitment_number column at all) their row order.
Recognised without --map: the project's own commitments.csv (with its links column; from an
earlier version, its links.csv through --links) and Decidim's accountability results export
(title/description in --language, else ca, es, en; a parent result is its children's priority;
the result id is the commitment number; a status not in the vocabulary comes from progress:
100 completed or on_track, >0 on_track, 0 pending).

Options:
  --map field=Column[,field=Column...]
                        which column holds which field (repeatable); a column name with a
                        comma in double quotes: --map 'area="Districte, barri"'; or
                        --map mapping.json holding {"commitment_title": "Títol", ...}.
                        With --map only the mapped columns are read.
  --default field=value fills the field's empty cells (repeatable), e.g. --default area=Ciutat
  --sheet NAME          the XLSX sheet to read (default: the first)
  --all-or-nothing      if any row cannot be read, write nothing (exit 1)
  --plan ID             the plan to define (e.g. terrassa-2015-2019)
  --plan-title TEXT     plan metadata: needed when the plan does not exist yet, and updates it
  --municipality NAME   (new plan) the municipality
  --period START-END    (new plan) e.g. 2015-2019
  --language TAG        (new plan) main language, default ca; also which language of a
                        multilingual export to read first
  --license ID          (new plan) default CC-BY-4.0
  --links FILE          links.csv of an earlier version (plan_id, commitment_id, position, title, url)
  --dry-run             print the mapping used and the first rows as they will be read, check
                        the file and report what would change, without writing
  --key FILE            an admin's ed25519 private key; keyid = file name without .pem
  --key-id ID           the admin's keyid, when it differs from the file name
  --api URL             API base URL (default ${DEFAULT_API_HELP})
  --json                print the report as JSON

Exit codes: 0 all rows defined, 1 some rows rejected (see the report), 2 usage error,
3 server or network failure.

Examples:
  mandat import pam-2019.csv --plan terrassa-2015-2019 --plan-title "Pla de Mandat 2015-2019" \\
    --municipality Terrassa --period 2015-2019 --key admin.pem --dry-run
  mandat import accions.xlsx --plan terrassa-2023-2027 --key admin.pem \\
    --map commitment_number=ID,commitment_title=Títol,priority_title=Categoria,area=Districte \\
    --map observations=Descripció,links=URL --default area=Ciutat --dry-run`;

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
  /** What a rejected row's line counts: a CSV line or a sheet row. */
  unit: 'line' | 'row';
  format: 'csv' | 'xlsx';
  recognisedAs: SourceRead['recognisedAs'];
  /** Field name → the column(s) it was read from. */
  mapping: Record<string, string>;
  defaults: Record<string, string>;
  notes: string[];
  /** Dry run: the first rows as read. */
  preview?: Array<{ line: number } & Record<string, string | number>>;
  /** Batch requests sent (retries included); 0 in a dry run. */
  requests: number;
}

/** Rows shown by a dry run. */
const PREVIEW_ROWS = 5;

const FIELD_ORDER = Object.values(FIELD_NAMES) as string[];
const previewOf = (rows: SourceRow[]) =>
  rows.slice(0, PREVIEW_ROWS).map(({ line, cells }) => ({
    line,
    ...Object.fromEntries(
      Object.entries(cells)
        .sort(([a], [b]) => FIELD_ORDER.indexOf(a) - FIELD_ORDER.indexOf(b))
        .map(([field, value]) => [fieldName(field as keyof SourceRow['cells']), value]),
    ),
  }));

async function get(client: SignedClient, path: string): Promise<ApiResult | undefined> {
  const result = await client.request('GET', path);
  if (result.status === 404) return undefined;
  return ensureOk(result);
}

export const importCommand: Command = {
  name: 'import',
  summary: "define a plan's commitments from a spreadsheet (CSV or XLSX) (admin)",
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
        map: { type: 'string', multiple: true },
        default: { type: 'string', multiple: true },
        sheet: { type: 'string' },
        'all-or-nothing': { type: 'boolean' },
        key: { type: 'string' },
        'key-id': { type: 'string' },
        api: { type: 'string' },
        json: { type: 'boolean' },
      },
      help,
    );
    if (values.help) return void console.log(help);
    if (positionals.length !== 1) throw new CliError(`one CSV or XLSX file is needed\n\n${help}`, EXIT.usage);
    const file = positionals[0]!;
    const planId = requireOption(values.plan, 'plan', help);
    if (!slugSchema.safeParse(planId).success)
      throw new CliError(`--plan must be a slug (lowercase letters, digits, hyphens), not "${planId}"`, EXIT.usage);
    // Loaded here, not with the CLI: the HTML and XLSX libraries would add ~130 ms to every other command.
    const { readSource } = await import('../import/sources.ts');
    const readOptions = { map: values.map, defaults: values.default, sheet: values.sheet, language: values.language };
    let source = await readSource(file, readOptions);
    for (const needed of ['commitmentTitle', 'area'] as const) {
      if (!source.fields.includes(needed)) {
        const what = needed === 'area' ? 'area' : 'commitment';
        throw new CliError(
          source.recognisedAs === 'map'
            ? `--map has no ${fieldName(needed)}${needed === 'area' ? ' (or give --default area=NAME)' : ''}; see "mandat import --help"`
            : source.recognisedAs === 'decidim'
              ? `${file} is a Decidim results export without a category or scope: give the area with --default area=NAME`
              : `${file} has no ${what} column; map its columns with --map (e.g. --map commitment_title=Títol,area=Districte) or see "mandat import --help"`,
          EXIT.usage,
        );
      }
    }
    const client = new SignedClient({
      api: values.api ?? defaultApi(),
      keyPath: requireOption(values.key, 'key', help),
      keyId: values['key-id'],
    });
    const existingPlan = (await get(client, `/api/v1/plans/${planId}`))?.body as Plan | undefined;
    const planDefinition = planDefinitionFrom(existingPlan, values);
    if (!existingPlan && !planDefinition) {
      throw new CliError(`plan ${planId} does not exist yet: give --plan-title, --municipality and --period to define it`, EXIT.usage);
    }
    const statuses = planDefinition?.statuses ?? existingPlan?.statuses ?? DEFAULT_STATUSES;
    const defaultStatus = values.default?.map((d) => /^\s*status\s*=(.*)$/s.exec(d)?.[1]?.trim()).find(Boolean);
    if (defaultStatus && !statusCodeOf(defaultStatus, statuses))
      throw new CliError(
        `--default status "${defaultStatus}" is none of ${statuses.map((s) => s.code).join(', ')} (or their labels)`,
        EXIT.usage,
      );
    // A multilingual export is read in the plan's language, known once the plan is.
    const language = existingPlan?.language;
    if (source.recognisedAs === 'decidim' && !values.language && language && language !== 'ca')
      source = await readSource(file, { ...readOptions, language });
    const { rows } = source;
    const linksByCommitment = values.links ? readLinksCsv(values.links, planId) : undefined;
    const { definitions, rejected } = toDefinitions(rows, {
      planId,
      statuses,
      linksByCommitment,
      statusFromProgress: source.recognisedAs === 'decidim',
      unit: source.unit,
    });

    const report: ImportReport = {
      planId,
      dryRun: Boolean(values['dry-run']),
      rows: rows.length,
      plan: 'unchanged',
      created: 0,
      changed: 0,
      unchanged: 0,
      rejected,
      unknownColumns: source.unknownHeaders,
      unit: source.unit,
      format: source.format,
      recognisedAs: source.recognisedAs,
      mapping: source.mapping,
      defaults: source.defaults,
      notes: source.notes,
      ...(values['dry-run'] ? { preview: previewOf(rows) } : {}),
      requests: 0,
    };

    // Checked before anything is sent: with --all-or-nothing, one unreadable row stops it all.
    if (values['all-or-nothing'] && rejected.length > 0 && !values['dry-run']) {
      rejected.sort((a, b) => a.line - b.line);
      if (values.json) console.log(JSON.stringify(report, null, 2));
      else printReport(report, file);
      console.error(`nothing written: ${rejected.length} row(s) cannot be read (--all-or-nothing)`);
      process.exitCode = EXIT.rejected;
      return;
    }

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
      const sent = await sendInBatches({
        client,
        path: `/api/v1/plans/${planId}/commitments`,
        field: 'commitments',
        rows: definitions.map(({ line, commitmentId, definition }) => ({ line, item: { commitmentId, ...definition } })),
        maxItems: ITEMS_PER_TRANSACTION,
        onProgress: (n) => bar.tick(n),
      });
      bar.finish();
      report.requests = sent.requests;
      for (const outcome of sent.outcomes) {
        if (outcome.reason !== undefined) rejected.push({ line: outcome.line, reason: outcome.reason });
        else if (outcome.result === 'created') report.created++;
        else if (outcome.result === 'changed') report.changed++;
        else report.unchanged++;
      }
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
  for (const note of report.notes) console.log(dim(`  ${note}`));
  if (report.rejected.length > 0) {
    console.log(red(`  ${report.rejected.length} row(s) rejected:`));
    for (const row of report.rejected) console.log(`  ${report.unit} ${row.line}: ${row.reason}`);
  }
  if (report.preview) {
    const how = { map: 'as given with --map', headers: 'recognised from the headers', decidim: 'recognised as a Decidim results export' }[
      report.recognisedAs
    ];
    console.log(`  mapping (${how}):`);
    for (const [field, column] of Object.entries(report.mapping)) console.log(`    ${field.padEnd(18)} ← ${column}`);
    for (const [field, value] of Object.entries(report.defaults)) console.log(`    ${field.padEnd(18)} ← "${value}" when empty`);
    console.log(`  first ${report.preview.length} row(s) as read:`);
    for (const { line, ...cells } of report.preview) {
      console.log(`    ${report.unit} ${line}:`);
      for (const [field, value] of Object.entries(cells)) {
        const text = String(value).replace(/\n/g, '⏎');
        console.log(`      ${field.padEnd(18)} ${text.length > 100 ? `${text.slice(0, 99)}…` : text}`);
      }
    }
  }
}
