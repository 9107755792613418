/**
 * The CDK app: `cdk.json` runs this file with tsx. Settings come from context (`-c stage=…`)
 * or MANDAT_* variables (see docs/DEPLOY.md). cdk-nag's AWS Solutions checks run on every
 * synthesis, and any finding not acknowledged (with a reason, next to its resource) fails it.
 */
import { pathToFileURL } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MandatStack, readSettings, stackName } from './stack.ts';

export function buildApp(props: AppProps = {}, env: NodeJS.ProcessEnv = process.env): { app: App; stack: MandatStack } {
  const app = new App(props);
  const settings = readSettings(app.node.getAllContext(), env);
  const stack = new MandatStack(app, stackName(settings.stage), {
    settings,
    description: `Mandat Obert (${settings.stage}): signed status updates → DynamoDB → open-data feeds in S3 behind CloudFront`,
    // Deploys to the account and region of the caller's credentials (cdk deploy fills these).
    env: env.CDK_DEFAULT_ACCOUNT ? { account: env.CDK_DEFAULT_ACCOUNT, region: env.CDK_DEFAULT_REGION } : undefined,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildApp().app.synth();
}
