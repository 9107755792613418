/**
 * A NodejsFunction with the project's defaults fixed once: nodejs24.x on arm64, the shared
 * esbuild settings, its own log group with a retention, and a role that starts empty (no
 * managed policy) so that every permission it has is one the stack granted on purpose.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_BUNDLING, FUNCTION_ENTRIES, type FunctionName } from '../bundling.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface MandatFunctionProps {
  /** Which handler under functions/ to bundle. */
  handler: FunctionName;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  /** Upper bound on concurrent executions; undefined leaves the function unreserved. */
  reservedConcurrentExecutions?: number;
}

export class MandatFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MandatFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // The log group belongs to the function: deleting the stack should not leave it behind.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): its own group only.
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, FUNCTION_ENTRIES[props.handler]),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // JSON lines carry a "level" field that the metric filters and Logs Insights can match.
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      bundling: FUNCTION_BUNDLING,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  }
}
