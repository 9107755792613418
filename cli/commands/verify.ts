/** `mandat verify`: compare what is in the bucket with what the table implies. */
import { differenceCount, type VerificationReport, verifyPublication } from '#shared/publish/verify';
import { everyPlanId } from '#shared/store/plans';
import { type Command, parse } from '../command.ts';
import { OPERATOR_HELP, OPERATOR_OPTIONS, openOperatorSession, storageFailure } from '../operator.ts';
import { bold, CliError, dim, EXIT, green, progressBar, red, yellow } from '../output.ts';

const help = `Usage: mandat verify [--plan ID [--plan ID …] | --all] [--json]

Renders each plan's files from the table and compares them (MD5) with the objects in the
bucket under plans/ID/: lists the missing, different and extra objects, and objects under
plans/ that belong to no plan. Exit code 0 when everything matches, 1 when something differs
(repair with "mandat republish"), 3 when storage cannot be reached.

Options:
  --plan ID        a plan to check (repeat for several)
  --all            every plan, and orphaned objects (the default)
${OPERATOR_HELP}

Examples:
  mandat verify
  mandat verify --plan terrassa-2015-2019 --json`;

function printReport(report: VerificationReport): void {
  for (const plan of report.plans) {
    const count = differenceCount(plan);
    const revision = dim(`(table revision ${plan.revision}, published ${plan.publishedRevision})`);
    if (count === 0) {
      console.log(`${green('✓')} ${bold(plan.planId)}: ${plan.expected} objects match ${revision}`);
      continue;
    }
    console.log(
      `${red('✗')} ${bold(plan.planId)}: ${plan.missing.length} missing, ${plan.different.length} different, ${plan.extra.length} extra ${revision}`,
    );
    for (const key of plan.missing) console.log(`    missing    ${key}`);
    for (const key of plan.different) console.log(`    different  ${key}`);
    for (const key of plan.extra) console.log(`    extra      ${key}`);
    if (plan.publishing) console.log(yellow('    a publish is due or running for this plan: check again in a moment before repairing'));
  }
  for (const key of report.orphans) console.log(`${red('✗')} orphan     ${key} ${dim('(no such plan in the table)')}`);
}

export const verify: Command = {
  name: 'verify',
  summary: 'operator: compare the feeds in S3 with the table',
  help,
  async run(argv) {
    const { values } = parse(argv, { ...OPERATOR_OPTIONS, plan: { type: 'string', multiple: true }, all: { type: 'boolean' } }, help);
    if (values.help) return void console.log(help);
    if (values.plan?.length && values.all) throw new CliError(`give either --plan or --all, not both\n\n${help}`, EXIT.usage);
    const runtime = openOperatorSession(values['data-dir']);
    try {
      let report: VerificationReport;
      try {
        const planIds = values.plan?.length ? values.plan : undefined;
        // Plans written before the plans registry existed get their entry first, or --all would miss them.
        if (!planIds) await runtime.repository.fillRegistry();
        const total = planIds?.length ?? (await everyPlanId(runtime.repository)).length;
        const bar = values.json ? undefined : progressBar(total, 'verifying');
        report = await verifyPublication(
          { repository: runtime.repository, store: runtime.store, baseUrl: runtime.config.publicBaseUrl, hubs: runtime.config.websubHubs },
          { planIds, onPlan: () => bar?.tick() },
        );
        bar?.finish();
      } catch (error) {
        throw storageFailure(error, runtime);
      }
      if (values.json) console.log(JSON.stringify(report, null, 2));
      else printReport(report);
      if (report.differences > 0) {
        throw new CliError(
          `${report.differences} difference(s) between the bucket and the table; "mandat republish" repairs them`,
          EXIT.rejected,
        );
      }
    } finally {
      runtime.close();
    }
  },
};
