/**
 * The CDK app: `cdk.json` runs this file with tsx. Settings come from context (`-c stage=…`)
 * or MANDAT_* variables (the deployment guide lists them). cdk-nag's AWS Solutions checks run
 * on every synthesis, and any finding not acknowledged (with a reason, next to its resource)
 * fails it.
 */
import { pathToFileURL } from 'node:url';
import { App, type AppProps, Stack, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EdgeFirewall } from './constructs/edge-firewall.ts';
import { readSettings, stackName } from './settings.ts';
import { MandatStack } from './stack.ts';

export interface MandatApp {
  app: App;
  stack: MandatStack;
  /** The us-east-1 stack holding the WAF web ACL, when the main stack is in another region. */
  edge?: Stack;
}

export function buildApp(props: AppProps = {}, env: NodeJS.ProcessEnv = process.env): MandatApp {
  const app = new App(props);
  // The one cross-stack reference (the web ACL, below) is strong: CloudFormation will not
  // delete the web ACL's stack while the distribution uses it.
  app.node.setContext('@aws-cdk/core:defaultCrossStackReferences', 'strong');
  const settings = readSettings(app.node.getAllContext(), env);
  const name = stackName(settings.stage);
  // Deploys to the account and region of the caller's credentials (cdk fills these in; it
  // knows a region even without credentials). Without them the template is region-agnostic.
  const account = env.CDK_DEFAULT_ACCOUNT || undefined;
  const region = env.CDK_DEFAULT_REGION || undefined;
  const stackEnv = account || region ? { account, region } : undefined;

  // CloudFront takes its web ACL from us-east-1 only: a stack elsewhere gets it from a small
  // stack there, through CDK's cross-region references (SSM parameters written and read by
  // custom resources at deployment).
  let edge: Stack | undefined;
  let webAclArn: string | undefined;
  if (settings.waf && region && region !== 'us-east-1') {
    edge = new Stack(app, `${name}-edge`, {
      env: { account, region: 'us-east-1' },
      crossRegionReferences: true,
      description: `Mandat Obert (${settings.stage}): the WAF web ACL of the CloudFront distribution (us-east-1 only)`,
    });
    Tags.of(edge).add('project', 'mandat-obert');
    Tags.of(edge).add('stage', settings.stage);
    const firewall = new EdgeFirewall(edge, 'Firewall', { stage: settings.stage });
    webAclArn = firewall.webAclArn;
  }
  const stack = new MandatStack(app, name, {
    settings,
    webAclArn,
    crossRegionReferences: edge !== undefined,
    description: `Mandat Obert (${settings.stage}): signed status updates → DynamoDB → open-data feeds in S3 behind CloudFront`,
    env: stackEnv,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, edge };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildApp().app.synth();
}
