/**
 * `mandat import-history`: an admin loads a plan's past (dated status reports) through the
 * signed API (`POST …/history`). Each update keeps its own date, is marked imported in the data
 * and never appears in a feed; re-running the same file changes nothing.
 */
import { readFileSync } from 'node:fs';
import { ITEMS_PER_TRANSACTION } from '#shared/api/definitions';
import { type Commitment, type Plan, slugSchema } from '#shared/domain/model';
import { type ApiResult, ensureOk, SignedClient } from '../client.ts';
import { type Command, DEFAULT_API_HELP, defaultApi, parse, requireOption } from '../command.ts';
import type { RejectedRow } from '../import/definitions.ts';
import { readHistoryCsv } from '../import/history-rows.ts';
import { sendInBatches } from '../import/send.ts';
import { bold, CliError, dim, EXIT, green, progressBar, red, yellow } from '../output.ts';

const help = `Usage: mandat import-history FILE.csv --plan ID --key ADMIN.pem [options]

Loads a plan's past status reports (one row per dated update) through the signed API. Each
update keeps its date in the history files (updates/{YYYY}/{MM}.csv|json) and the status-over-time
chart, is marked imported (column "imported"), and is never announced in a feed. A commitment's
current state becomes the newest of its updates by date: an imported update older than the
current state does not change it. Re-running the same file changes nothing.

Columns (header names in Catalan, Spanish or English; order free; "," ";" or tab separated):
  commitment    commitment_id | Compromís | Compromiso (an id such as c4, or its number)
  date          reported_at | Data | Fecha | date (2019-06-30, 30/06/2019 or ISO 8601)
  status        status | Estat | Estado (a code or a label of the plan's vocabulary)
  observations  observations | Observacions | Observaciones (Markdown; optional)
  links         links | Enllaços | Enlaces (one per line, "Title <url>"; optional)
  progress      progress | Progrés | Progreso (0-100, optional)
The project's own updates/{YYYY}/{MM}.csv is read as is.

Options:
  --plan ID          the plan (must exist, with its commitments)
  --dry-run          read the file and check it against the plan, without writing
  --all-or-nothing   send nothing unless every row can be read and matches the plan
  --key FILE         an admin's ed25519 private key; keyid = file name without .pem
  --key-id ID        the admin's keyid, when it differs from the file name
  --api URL          API base URL (default ${DEFAULT_API_HELP})
  --json             print the report as JSON

Exit codes: 0 every row recorded (or already there), 1 some rows rejected (see the report),
2 usage error (a needed column missing, a date that is not a date: nothing is sent),
3 server or network failure.

Example:
  mandat import-history updates-2019.csv --plan terrassa-2015-2019 --key admin.pem --dry-run`;

export interface HistoryReport {
  planId: string;
  dryRun: boolean;
  rows: number;
  recorded: number;
  unchanged: number;
  /** Rows that can be sent (a dry run's figure). */
  readable: number;
  rejected: RejectedRow[];
  requests: number;
}

export const importHistoryCommand: Command = {
  name: 'import-history',
  summary: "load a plan's past status reports, kept with their dates (admin)",
  help,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      {
        plan: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'all-or-nothing': { type: 'boolean' },
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
    if (!slugSchema.safeParse(planId).success) throw new CliError(`--plan must be a slug, not "${planId}"`, EXIT.usage);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
    }
    const client = new SignedClient({
      api: values.api ?? defaultApi(),
      keyPath: requireOption(values.key, 'key', help),
      keyId: values['key-id'],
    });
    const planAnswer = await client.request('GET', `/api/v1/plans/${planId}`);
    if (planAnswer.status === 404)
      throw new CliError(`plan ${planId} does not exist: define it and its commitments first (mandat import)`, EXIT.usage);
    const plan = ensureOk(planAnswer).body as Plan;
    const rows = readHistoryCsv(text, { planId, statuses: plan.statuses, now: new Date() });
    // A date that is not one usually means a wrong column or a day-month mix-up: the file, not the row, needs fixing.
    const undated = rows.filter((row) => row.notADate !== undefined);
    if (undated.length > 0) {
      const shown = undated.slice(0, 10).map((row) => `  line ${row.line}: "${row.notADate}"`);
      throw new CliError(
        `${file}: ${undated.length} date(s) are not dates (write 2019-06-30, 30/06/2019 or an ISO 8601 instant); nothing sent:\n${shown.join('\n')}${undated.length > 10 ? '\n  …' : ''}`,
        EXIT.usage,
      );
    }
    const list = ensureOk(await client.request('GET', `/api/v1/plans/${planId}/commitments`)) as ApiResult;
    const known = new Set((list.body as { commitments: Commitment[] }).commitments.map((c) => c.commitmentId));
    const rejected: RejectedRow[] = [];
    const sendable = rows.filter((row) => {
      if (row.reason !== undefined) rejected.push({ line: row.line, reason: row.reason });
      else if (!known.has(row.item!.commitmentId))
        rejected.push({ line: row.line, reason: `commitment ${row.item!.commitmentId} is not in plan ${planId}` });
      else return true;
      return false;
    });
    const report: HistoryReport = {
      planId,
      dryRun: Boolean(values['dry-run']),
      rows: rows.length,
      recorded: 0,
      unchanged: 0,
      readable: sendable.length,
      rejected,
      requests: 0,
    };
    const holdBack = values['all-or-nothing'] && rejected.length > 0;
    if (!report.dryRun && !holdBack && sendable.length > 0) {
      const bar = progressBar(sendable.length, `importing the history of ${planId}`);
      const sent = await sendInBatches({
        client,
        path: `/api/v1/plans/${planId}/history`,
        field: 'updates',
        rows: sendable.map((row) => ({ line: row.line, item: row.item! })),
        maxItems: ITEMS_PER_TRANSACTION,
        onProgress: (n) => bar.tick(n),
      });
      bar.finish();
      report.requests = sent.requests;
      for (const outcome of sent.outcomes) {
        if (outcome.reason !== undefined) rejected.push({ line: outcome.line, reason: outcome.reason });
        else if (outcome.result === 'recorded') report.recorded++;
        else report.unchanged++;
      }
    }
    rejected.sort((a, b) => a.line - b.line);
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else printReport(report, file, Boolean(holdBack));
    if (rejected.length > 0) process.exitCode = EXIT.rejected;
  },
};

function printReport(report: HistoryReport, file: string, heldBack: boolean) {
  const mark = report.rejected.length > 0 ? yellow('!') : green('✓');
  const what = report.dryRun
    ? `${report.readable} of ${report.rows} rows would be sent`
    : heldBack
      ? `nothing sent (--all-or-nothing): ${report.rejected.length} row(s) cannot be imported`
      : `${report.recorded} recorded, ${report.unchanged} already there${report.recorded === 0 ? dim(' — nothing changed') : ''}`;
  console.log(`${mark} ${report.dryRun ? bold('dry run: ') : ''}${file} → history of ${bold(report.planId)}: ${what}`);
  if (report.rejected.length > 0) {
    console.log(red(`  ${report.rejected.length} row(s) rejected:`));
    for (const row of report.rejected) console.log(`  line ${row.line}: ${row.reason}`);
  }
}
