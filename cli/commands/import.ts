/**
 * `mandat import`: an admin defines a plan's commitments from a spreadsheet saved as CSV,
 * through the signed API (batches of idempotent upserts), so re-running it changes nothing.
 *
 * It reads a city's own sheet (one row per commitment: priority number and title, commitment
 * number and title, area, status, observations, links; headers in Catalan, Spanish or
 * English) and the project's published commitments.csv (with links.csv through --links), so
 * a plan can be exported, edited in a spreadsheet and imported back.
 */

import { readFileSync } from 'node:fs';
import { ITEMS_PER_TRANSACTION } from '#shared/api/definitions';
import { type Commitment, type Plan, slugify, slugSchema } from '#shared/domain/model';
import { DEFAULT_STATUSES } from '#shared/domain/vocabulary';
import { type ApiResult, ensureOk, SignedClient } from '../client.ts';
import { type Command, DEFAULT_API_HELP, defaultApi, parse, requireOption } from '../command.ts';
import { planDefinitionFrom, type RejectedRow, sameStructure, toDefinitions } from '../import/definitions.ts';
import { readCsv, readLinksCsv } from '../import/read-rows.ts';
import { sendInBatches } from '../import/send.ts';
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
  --api URL             API base URL (default ${DEFAULT_API_HELP})
  --json                print the report as JSON

Exit codes: 0 all rows defined, 1 some rows rejected (see the report), 2 usage error,
3 server or network failure.

Example:
  mandat import pam-2019.csv --plan terrassa-2015-2019 --plan-title "Pla de Mandat 2015-2019" \\
    --municipality Terrassa --period 2015-2019 --key admin.pem --dry-run`;

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
  /** Batch requests sent (retries included); 0 in a dry run. */
  requests: number;
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
      requests: 0,
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
  if (report.rejected.length > 0) {
    console.log(red(`  ${report.rejected.length} row(s) rejected:`));
    for (const row of report.rejected) console.log(`  line ${row.line}: ${row.reason}`);
  }
}
