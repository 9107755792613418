/** `mandat republish`: rebuild a plan's files (or every plan's) from the table. */
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { LeaseBusyError, LeaseLostError } from '#shared/publish/coordinator';
import { verifyPlan } from '#shared/publish/verify';
import { type Command, parse } from '../command.ts';
import {
  OPERATOR_HELP,
  OPERATOR_OPTIONS,
  type OperatorSession,
  openOperatorSession,
  planIdsToProcess,
  storageFailure,
} from '../operator.ts';
import { bold, CliError, dim, EXIT, green, progressBar, red } from '../output.ts';

const help = `Usage: mandat republish (--plan ID [--plan ID …] | --all) [--prune] [--json]

Renders every file of the plan(s) from the table and writes those whose bytes differ from the
bucket: the repair after objects were lost, damaged or written by hand. It takes each plan's
publish lease like the publisher does, so it never races it, and it leaves the plan recorded
as published at the revision it read. It also checks the site's root (catalog.jsonld,
index.html) against every plan's catalog record, and rebuilds it when they differ.

Options:
  --plan ID        a plan to rebuild (repeat for several)
  --all            every plan in the table
  --prune          also delete objects under plans/ID/ that the table no longer implies
${OPERATOR_HELP}

Examples:
  mandat republish --plan terrassa-2015-2019
  TABLE_NAME=mandat-obert BUCKET_NAME=… PUBLIC_BASE_URL=https://… mandat republish --all --json`;

export interface RepublishedPlan {
  planId: string;
  status: 'published' | 'missing' | 'busy' | 'failed';
  revision?: number;
  written: string[];
  skipped: number;
  deleted: string[];
  error?: string;
}

async function prune(runtime: OperatorSession, planId: string): Promise<string[]> {
  const verification = await verifyPlan(planId, {
    repository: runtime.repository,
    store: runtime.store,
    baseUrl: runtime.config.publicBaseUrl,
    hubs: runtime.config.websubHubs,
  });
  const extra = verification?.extra ?? [];
  for (let i = 0; i < extra.length; i += 1000) {
    await runtime.s3.send(
      new DeleteObjectsCommand({
        Bucket: runtime.config.bucketName,
        Delete: { Objects: extra.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
  }
  return extra;
}

export async function republishPlan(runtime: OperatorSession, planId: string, options: { prune?: boolean } = {}): Promise<RepublishedPlan> {
  try {
    const outcome = await runtime.coordinator.publish(
      planId,
      async (context) => {
        const result = await runtime.publish(planId, context);
        // Under the lease: no publisher writes a file of this plan while we delete.
        const deleted = options.prune ? await prune(runtime, planId) : [];
        return { written: result?.written ?? [], skipped: result?.skipped.length ?? 0, deleted };
      },
      { force: true },
    );
    if (outcome.status === 'missing') return { planId, status: 'missing', written: [], skipped: 0, deleted: [] };
    const rounds = outcome.status === 'published' ? outcome.rounds : [];
    return {
      planId,
      status: 'published',
      revision: outcome.revision,
      written: [...new Set(rounds.flatMap((r) => r.result.written))].sort(),
      skipped: rounds.at(-1)?.result.skipped ?? 0,
      deleted: rounds.flatMap((r) => r.result.deleted).sort(),
    };
  } catch (error) {
    if (error instanceof LeaseBusyError || error instanceof LeaseLostError)
      return { planId, status: 'busy', written: [], skipped: 0, deleted: [], error: error.message };
    if ((error as { $metadata?: unknown }).$metadata !== undefined || (error as { code?: string }).code) {
      return { planId, status: 'failed', written: [], skipped: 0, deleted: [], error: storageFailure(error, runtime).message };
    }
    throw error;
  }
}

export const republish: Command = {
  name: 'republish',
  summary: 'operator: rebuild feeds from the table (--plan ID | --all)',
  help,
  async run(argv) {
    const { values } = parse(
      argv,
      { ...OPERATOR_OPTIONS, plan: { type: 'string', multiple: true }, all: { type: 'boolean' }, prune: { type: 'boolean' } },
      help,
    );
    if (values.help) return void console.log(help);
    const runtime = openOperatorSession(values['data-dir']);
    try {
      let planIds: string[];
      try {
        planIds = await planIdsToProcess(runtime, values, help);
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw storageFailure(error, runtime);
      }
      const bar = values.json ? undefined : progressBar(planIds.length, 'republishing');
      const results: RepublishedPlan[] = [];
      for (const planId of planIds) {
        results.push(await republishPlan(runtime, planId, { prune: values.prune }));
        bar?.tick();
      }
      bar?.finish();
      const failed = results.filter((r) => r.status !== 'published');
      if (values.json) console.log(JSON.stringify({ plans: results }, null, 2));
      else {
        for (const r of results) {
          if (r.status === 'published') {
            const deleted = r.deleted.length ? `, ${r.deleted.length} deleted` : '';
            console.log(
              `${green('✓')} ${bold(r.planId)} revision ${r.revision}: ${r.written.length} written, ${r.skipped} unchanged${deleted}`,
            );
            for (const key of [...r.written, ...r.deleted.map((k) => `${k} (deleted)`)]) console.log(dim(`    ${key}`));
          } else console.log(`${red('✗')} ${bold(r.planId)}: ${r.status === 'missing' ? 'not in the table' : r.error}`);
        }
      }
      if (failed.length > 0) {
        const busy = failed.some((r) => r.status === 'busy');
        throw new CliError(
          `${failed.length} of ${results.length} plan(s) not republished${busy ? ' (a publisher held the lease: run it again)' : ''}`,
          failed.every((r) => r.status === 'missing') ? EXIT.rejected : EXIT.failure,
        );
      }
    } finally {
      runtime.close();
    }
  },
};
