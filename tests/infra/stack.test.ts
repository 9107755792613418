/**
 * The synthesized CloudFormation of the AWS stack: what a city's IT team deploys. Asset
 * bundling is skipped (the bundle test builds and runs the real artifacts), so these run in
 * seconds. The same `buildApp` as `cdk synth` is used, cdk-nag included.
 */
import { type App, type CfnResource, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app';
import { readSettings } from '#infra/settings';
import type { MandatStack } from '#infra/stack';
import { TABLE_SCHEMA } from '#shared/store/dynamo/table-schema';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

interface Synthesized {
  app: App;
  stack: MandatStack;
  template: Template;
  json: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }> };
}

function synthesize(context: Record<string, unknown> = {}): Synthesized {
  // An empty environment: MANDAT_* variables of whoever runs the tests must not leak in.
  const { app, stack } = buildApp({ context: { ...SKIP_BUNDLING, ...context } }, {});
  const assembly = app.synth();
  const json = assembly.getStackByName(stack.stackName).template;
  return { app, stack, template: Template.fromJSON(json), json };
}

let base: Synthesized;
let custom: Synthesized;

beforeAll(() => {
  base = synthesize();
  custom = synthesize({
    stage: 'staging',
    domainName: 'dades.example.cat',
    certificateArn: CERTIFICATE_ARN,
    alarmEmail: 'transparencia@example.cat',
    ingestReservedConcurrency: 0,
    websubHubs: 'https://pubsubhubbub.appspot.com/',
  });
});

const logicalId = (s: Synthesized, construct: IConstruct) => s.stack.getLogicalId(construct.node.defaultChild as CfnResource);
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const ids = (s: Synthesized) => ({
  table: logicalId(s, s.stack.table),
  feeds: logicalId(s, s.stack.feeds),
  api: logicalId(s, s.stack.api),
  distribution: logicalId(s, s.stack.distribution),
  ingest: logicalId(s, s.stack.ingest.fn),
  publish: logicalId(s, s.stack.publish.fn),
  ingestLogs: logicalId(s, s.stack.ingest.logGroup),
  publishLogs: logicalId(s, s.stack.publish.logGroup),
  ingestRole: logicalId(s, s.stack.ingest.role),
  publishRole: logicalId(s, s.stack.publish.role),
  deadLetters: logicalId(s, s.stack.deadLetters),
  secretsKey: logicalId(s, s.stack.secretsKey),
  topic: logicalId(s, s.stack.alarmTopic),
});

function resourcesOfType(s: Synthesized, type: string) {
  return Object.entries(s.json.Resources).filter(([, r]) => r.Type === type);
}

/** Every statement of the inline policies attached to a role, in order. */
function statementsOfRole(s: Synthesized, roleId: string): Array<{ Action: unknown; Resource: unknown; Effect: string }> {
  return resourcesOfType(s, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties!.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify(ref(roleId))))
    .flatMap(([, policy]) => (policy.Properties!.PolicyDocument as { Statement: never[] }).Statement);
}

describe('DynamoDB table', () => {
  it('uses the shared key schema and local indexes, on demand, streamed with both images, TTL on expiresAt', () => {
    base.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
        { AttributeName: 'byCommitment', AttributeType: 'S' },
        { AttributeName: 'byArea', AttributeType: 'S' },
      ],
      // The publisher's windows on a plan's history: same partition, strongly consistent, every attribute.
      LocalSecondaryIndexes: ['byCommitment', 'byArea'].map((name) => ({
        IndexName: name,
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is protected: point-in-time recovery, deletion protection, KMS encryption, retained on stack deletion', () => {
    base.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    base.template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });
});

describe('S3 feeds bucket', () => {
  it('is private, versioned, SSE-S3 encrypted, access-logged, and kept on stack deletion', () => {
    const { feeds } = ids(base);
    const bucket = base.json.Resources[feeds]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      // SSE-S3 keeps ETag = MD5 of the body, which the artifact store relies on.
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })] },
    });
    const logging = bucket.Properties!.LoggingConfiguration as { DestinationBucketName: { Ref: string } };
    expect(base.json.Resources[logging.DestinationBucketName.Ref]!.Type).toBe('AWS::S3::Bucket');
    // Delivered under a bucket policy scoped to this bucket's logs, not a LogDeliveryWrite ACL.
    base.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: logging.DestinationBucketName,
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': arnOf(feeds) } }),
          }),
        ]),
      },
    });
  });

  it('refuses plain HTTP and lets only this distribution read, through origin access control', () => {
    const { feeds, distribution } = ids(base);
    base.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(feeds),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: ['s3:GetObject', 's3:ListBucket'],
            Condition: {
              StringEquals: {
                'AWS:SourceArn': {
                  'Fn::Join': [
                    '',
                    ['arn:', ref('AWS::Partition'), ':cloudfront::', ref('AWS::AccountId'), ':distribution/', ref(distribution)],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
    base.template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
  });
});

describe('CloudFront', () => {
  const distributionConfig = (s: Synthesized) =>
    s.json.Resources[ids(s).distribution]!.Properties!.DistributionConfig as Record<string, any>;

  it('serves the feeds from S3 with OAC, HTTPS, compression and the shared cache policy', () => {
    const config = distributionConfig(base);
    const s3Origin = config.Origins.find((o: any) => o.S3OriginConfig);
    expect(s3Origin.DomainName).toEqual({ 'Fn::GetAtt': [ids(base).feeds, 'RegionalDomainName'] });
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(s3Origin.S3OriginConfig.OriginAccessIdentity).toBe('');
    expect(config.DefaultCacheBehavior).toMatchObject({
      TargetOriginId: s3Origin.Id,
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      Compress: true,
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6', // Managed-CachingOptimized (gzip + brotli)
      // The shared security headers (tests/infra/stack-edge.test.ts checks its contents).
      ResponseHeadersPolicyId: ref(logicalId(base, base.stack.siteHeaders)),
    });
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.Logging).toMatchObject({ Prefix: 'cloudfront/' });
  });

  it('routes /api/* to the HTTP API uncached, with every viewer header but Host, HTTPS only', () => {
    const config = distributionConfig(base);
    const apiOrigin = config.Origins.find((o: any) => o.CustomOriginConfig);
    expect(apiOrigin.DomainName).toEqual({
      'Fn::Join': ['', [ref(ids(base).api), '.execute-api.', ref('AWS::Region'), '.', ref('AWS::URLSuffix')]],
    });
    expect(apiOrigin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(config.CacheBehaviors).toEqual([
      expect.objectContaining({
        PathPattern: '/api/*',
        TargetOriginId: apiOrigin.Id,
        ViewerProtocolPolicy: 'https-only',
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
        OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
      }),
      // The signing console: from the bucket like the feeds, read-only, HTTPS.
      expect.objectContaining({
        PathPattern: '/console/*',
        TargetOriginId: config.DefaultCacheBehavior.TargetOriginId,
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: ['GET', 'HEAD'],
      }),
    ]);
  });

  it('uses the CloudFront domain by default, and the custom domain with TLS 1.2 when given', () => {
    expect(distributionConfig(base).Aliases).toBeUndefined();
    expect(distributionConfig(custom)).toMatchObject({
      Aliases: ['dades.example.cat'],
      ViewerCertificate: { AcmCertificateArn: CERTIFICATE_ARN, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
    });
  });

  /** Runs a CloudFront Function's code, as synthesized, on a viewer-request event. */
  function runEdgeFunction(s: Synthesized, comment: string, request: Record<string, unknown>) {
    const [, fn] = resourcesOfType(s, 'AWS::CloudFront::Function').find(
      ([, r]) => (r.Properties!.FunctionConfig as any).Comment === comment,
    )!;
    expect((fn.Properties!.FunctionConfig as any).Runtime).toBe('cloudfront-js-2.0');
    const handler = new Function(`${fn.Properties!.FunctionCode as string}\nreturn handler;`)() as (event: unknown) => any;
    return handler({ request: { method: 'GET', querystring: {}, headers: {}, cookies: {}, ...request } });
  }

  it('serves folder URLs from their index.html and redirects a folder named without its slash', () => {
    const run = (uri: string) => runEdgeFunction(base, 'Serve folder URLs from their index.html', { uri });
    expect(run('/').uri).toBe('/index.html');
    expect(run('/plans/terrassa-2015-2019/').uri).toBe('/plans/terrassa-2015-2019/index.html');
    expect(run('/plans/terrassa-2015-2019/feed.rss').uri).toBe('/plans/terrassa-2015-2019/feed.rss');
    expect(run('/plans/terrassa-2015-2019')).toEqual({
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: '/plans/terrassa-2015-2019/' } },
    });
  });

  it('forwards the host the client signed as X-Forwarded-Host, replacing any the client sent', () => {
    const request = runEdgeFunction(base, 'Forward the signed host as X-Forwarded-Host', {
      uri: '/api/v1/plans',
      headers: { host: { value: 'dades.example.cat' }, 'x-forwarded-host': { value: 'evil.example' } },
    });
    expect(request.headers['x-forwarded-host']).toEqual({ value: 'dades.example.cat' });
    expect(request.uri).toBe('/api/v1/plans');
  });
});

describe('Ingest API', () => {
  it('sends every /api/ path to the ingest function as a payload 2.0 proxy integration', () => {
    const { api, ingest } = ids(base);
    base.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { ApiId: ref(api), RouteKey: 'ANY /api/{proxy+}' });
    base.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      ApiId: ref(api),
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: arnOf(ingest),
      PayloadFormatVersion: '2.0',
    });
    base.template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: arnOf(ingest),
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([ref(api), '/*/*/api/{proxy+}'])] }),
    });
  });

  it('throttles the stage and writes JSON access logs', () => {
    base.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
  });
});

describe('Lambda functions', () => {
  const functionProps = (s: Synthesized, id: string) => s.json.Resources[id]!.Properties as Record<string, any>;

  it('run nodejs24.x on arm64 from an ESM bundle, with their own JSON log group', () => {
    const { ingest, publish, ingestLogs, publishLogs } = ids(base);
    for (const [fn, logs] of [
      [ingest, ingestLogs],
      [publish, publishLogs],
    ] as const) {
      expect(functionProps(base, fn)).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', LogGroup: ref(logs) },
      });
      expect(base.json.Resources[logs]!.Properties).toMatchObject({ RetentionInDays: 90 });
    }
  });

  it('size memory and timeout to the work, and reserve concurrency for ingest only', () => {
    const { ingest, publish } = ids(base);
    expect(functionProps(base, ingest)).toMatchObject({ MemorySize: 512, Timeout: 12, ReservedConcurrentExecutions: 10 });
    expect(functionProps(base, publish)).toMatchObject({ MemorySize: 1024, Timeout: 120 });
    expect(functionProps(base, publish).ReservedConcurrentExecutions).toBeUndefined();
    expect(functionProps(custom, ids(custom).ingest).ReservedConcurrentExecutions).toBeUndefined();
  });

  it('get the table, bucket and public URL the runtime configuration reads, and source maps', () => {
    const { ingest, publish, table, feeds, api, distribution } = ids(base);
    const publicUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }]] };
    expect(functionProps(base, publish).Environment.Variables).toEqual({
      TABLE_NAME: ref(table),
      BUCKET_NAME: ref(feeds),
      PUBLIC_BASE_URL: publicUrl,
      NODE_OPTIONS: '--enable-source-maps',
    });
    // Without a custom domain ingest cannot reference the distribution (a cycle): it gets the
    // API's own URL, and the signed host arrives as X-Forwarded-Host (tested above).
    expect(functionProps(base, ingest).Environment.Variables).toEqual({
      TABLE_NAME: ref(table),
      BUCKET_NAME: ref(feeds),
      PUBLIC_BASE_URL: { 'Fn::Join': ['', ['https://', ref(api), '.execute-api.', ref('AWS::Region'), '.', ref('AWS::URLSuffix')]] },
      // Resolved by CloudFormation from Secrets Manager; the same value CloudFront sends (stack-edge.test.ts).
      ORIGIN_SECRET: {
        'Fn::Join': ['', ['{{resolve:secretsmanager:', ref(logicalId(base, base.stack.originSecret)), ':SecretString:::}}']],
      },
      // Only ingest seals and opens shared secrets; publish is not told the key.
      SECRETS_KMS_KEY_ID: arnOf(ids(base).secretsKey),
      NODE_OPTIONS: '--enable-source-maps',
    });
    for (const fn of [ids(custom).ingest, ids(custom).publish]) {
      expect(functionProps(custom, fn).Environment.Variables.PUBLIC_BASE_URL).toBe('https://dades.example.cat');
    }
    // WebSub hubs reach the publisher only (it advertises and pings them).
    expect(functionProps(custom, ids(custom).publish).Environment.Variables.WEBSUB_HUBS).toBe('https://pubsubhubbub.appspot.com/');
    expect(functionProps(custom, ids(custom).ingest).Environment.Variables.WEBSUB_HUBS).toBeUndefined();
  });
});

describe('publish event source mapping', () => {
  it('reads the table stream in bounded, bisected, partially retried batches with an SQS on-failure destination', () => {
    const { table, publish, deadLetters } = ids(base);
    base.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    base.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [table, 'StreamArn'] },
      FunctionName: ref(publish),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 8,
      MaximumRecordAgeInSeconds: 6 * 3600,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ dynamodb: { Keys: { PK: { S: [{ prefix: 'PLAN#' }] } } } }) }] },
      DestinationConfig: { OnFailure: { Destination: arnOf(deadLetters) } },
    });
  });

  it('sends failures to a queue that is encrypted, TLS-only and keeps messages 14 days', () => {
    const { deadLetters } = ids(base);
    expect(base.json.Resources[deadLetters]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    base.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(deadLetters)],
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
  });
});

describe('IAM: each function has exactly the actions it uses, on its own resources', () => {
  it('roles start empty: no managed policies, assumable by Lambda only', () => {
    const roles = resourcesOfType(base, 'AWS::IAM::Role');
    expect(roles).toHaveLength(2);
    for (const [, role] of roles) {
      expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties!.AssumeRolePolicyDocument).toEqual({
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
        Version: '2012-10-17',
      });
    }
  });

  /** Item-level access: only items whose partition key matches (ForAllValues: every key the request touches). */
  const items = (action: string | string[], partitions: string[], resource: unknown) => ({
    Effect: 'Allow',
    Action: action,
    Resource: resource,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
  });

  it('ingest: its log group, the items it reads and writes by partition (no Scan), and the secrets key bound to a keyId', () => {
    const { ingestRole, ingestLogs, table, secretsKey } = ids(base);
    expect(statementsOfRole(base, ingestRole)).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(ingestLogs) },
      items(
        ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        ['PLAN#*', 'PLANS', 'KEY#*', 'KEYS', 'IDEMPOTENCY#*'],
        arnOf(table),
      ),
      items(
        ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
        ['PLAN#*', 'PLANS', 'KEY#*', 'KEYS', 'NONCE#*', 'IDEMPOTENCY#*'],
        arnOf(table),
      ),
      {
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: arnOf(secretsKey),
        Condition: {
          Null: { 'kms:EncryptionContext:keyId': 'false' },
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['keyId'] },
        },
      },
    ]);
  });

  it('publish: plan items and the PLANS registry to read, its PUBLISH# leases to write, never a key, nonce or idempotency item, nothing on KMS', () => {
    const { publishRole, publishLogs, table, feeds, deadLetters } = ids(base);
    const statements = statementsOfRole(base, publishRole);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(publishLogs) },
      items(['dynamodb:GetItem', 'dynamodb:Query'], ['PLAN#*', 'PLANS'], arnOf(table)),
      items(
        'dynamodb:Query',
        ['PLAN#*'],
        TABLE_SCHEMA.localIndexes.map((index) => ({ 'Fn::Join': ['', [arnOf(table), `/index/${index.indexName}`]] })),
      ),
      items(['dynamodb:GetItem', 'dynamodb:UpdateItem'], ['PUBLISH#*'], arnOf(table)),
      // The sequencer: the commitments' queues and the queued updates read, stamped, the plan moved on.
      items(['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], ['PLAN#*'], arnOf(table)),
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: arnOf(feeds) },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [arnOf(feeds), '/*']] } },
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [{ 'Fn::Join': ['', [arnOf(feeds), '/snapshots/*']] }, { 'Fn::Join': ['', [arnOf(feeds), '/plans/*/updates/*']] }],
      },
      { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Resource: arnOf(deadLetters) },
      // ListStreams has no resource-level permissions (acknowledged for cdk-nag with that reason).
      { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: { 'Fn::GetAtt': [table, 'StreamArn'] },
      },
    ]);
  });

  it('every item statement is bounded by partition, and no partition pattern reaches what the role must not touch', () => {
    // What IAM's StringLike does with * (any run of characters), for checking the patterns.
    const like = (pattern: string, value: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);
    const itemActions = [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
    ];
    const reachable = (roleId: string) =>
      statementsOfRole(base, roleId)
        .filter((statement) => [statement.Action].flat().some((action) => itemActions.includes(String(action))))
        .flatMap((statement) => {
          const partitions = (statement as { Condition?: Record<string, Record<string, string[]>> }).Condition?.[
            'ForAllValues:StringLike'
          ]?.['dynamodb:LeadingKeys'];
          expect(partitions, JSON.stringify(statement)).toBeDefined();
          return partitions!;
        });
    const publish = reachable(ids(base).publishRole);
    for (const pk of ['KEY#portal', 'KEYS', 'NONCE#portal#n1', 'IDEMPOTENCY#portal#k', 'PLANSX']) {
      expect(
        publish.some((pattern) => like(pattern, pk)),
        pk,
      ).toBe(false);
    }
    for (const pk of ['PLAN#terrassa-2015-2019', 'PLANS', 'PUBLISH#terrassa-2015-2019'])
      expect(
        publish.some((p) => like(p, pk)),
        pk,
      ).toBe(true);
    const ingest = reachable(ids(base).ingestRole);
    expect(ingest.some((pattern) => like(pattern, 'PUBLISH#terrassa-2015-2019'))).toBe(false);
  });

  it('the secrets key: rotated, kept on stack deletion, its policy delegating to IAM only, and no other role may use it', () => {
    const { secretsKey, ingestRole } = ids(base);
    const key = base.json.Resources[secretsKey]! as { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    // The account (that is, IAM policies) and nobody else: the key policy names no service or role.
    expect(key.Properties.KeyPolicy.Statement).toEqual([
      {
        Action: 'kms:*',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), ':iam::', ref('AWS::AccountId'), ':root']] } },
        Resource: '*',
      },
    ]);
    const users = resourcesOfType(base, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties!.PolicyDocument).includes(JSON.stringify(arnOf(secretsKey))))
      .map(([, policy]) => policy.Properties!.Roles);
    expect(users).toEqual([[ref(ingestRole)]]);
  });

  it('no policy in the stack allows a wildcard action', () => {
    const allows = resourcesOfType(base, 'AWS::IAM::Policy').flatMap(([, p]) => (p.Properties!.PolicyDocument as any).Statement);
    for (const statement of allows) {
      for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
    }
  });
});

describe('alarms', () => {
  const alarms = (s: Synthesized) => resourcesOfType(s, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Record<string, any>);
  const find = (s: Synthesized, namespace: string, metric: string, dimension?: unknown) =>
    alarms(s).filter(
      (a) =>
        a.Namespace === namespace &&
        a.MetricName === metric &&
        (dimension === undefined || JSON.stringify(a.Dimensions).includes(JSON.stringify(dimension))),
    );

  it('watch publish errors, publish failures, iterator age, dead letters, API 5xx and ingest errors/throttles', () => {
    const { ingest, publish, deadLetters, api } = ids(base);
    const expected: Array<[string, string, unknown, string, number]> = [
      ['AWS/Lambda', 'Errors', ref(publish), 'Sum', 1],
      ['MandatObert/prod', 'PublishFailures', undefined, 'Sum', 1],
      ['AWS/Lambda', 'IteratorAge', ref(publish), 'Maximum', 300_000],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', { 'Fn::GetAtt': [deadLetters, 'QueueName'] }, 'Maximum', 1],
      ['AWS/ApiGateway', '5xx', ref(api), 'Sum', 1],
      ['AWS/Lambda', 'Errors', ref(ingest), 'Sum', 1],
      ['AWS/Lambda', 'Throttles', ref(ingest), 'Sum', 1],
    ];
    expect(alarms(base)).toHaveLength(expected.length);
    for (const [namespace, metric, dimension, statistic, threshold] of expected) {
      const [alarm] = find(base, namespace, metric, dimension);
      expect(alarm, `${namespace} ${metric}`).toMatchObject({
        Statistic: statistic,
        Threshold: threshold,
        Period: 300,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [ref(ids(base).topic)],
      });
    }
  });

  it('count the publish handler’s ERROR lines, since a failed plan is a batch item failure, not a Lambda error', () => {
    base.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: ref(ids(base).publishLogs),
      FilterPattern: '{ $.level = "ERROR" }',
      MetricTransformations: [{ MetricNamespace: 'MandatObert/prod', MetricName: 'PublishFailures', MetricValue: '1' }],
    });
  });

  it('notify a TLS-only topic, which mails the alarm address only when one is given', () => {
    base.template.resourceCountIs('AWS::SNS::Subscription', 0);
    custom.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'transparencia@example.cat',
      TopicArn: ref(ids(custom).topic),
    });
    base.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });
});

describe('logical IDs of what holds data or a name', () => {
  // A resource whose logical ID changes is replaced by CloudFormation: a new, empty table,
  // bucket, key or queue, a new secret value, a new *.cloudfront.net name for the city's DNS.
  // These are the IDs the stack had before it was split into parts; a refactor must keep them.
  const KEPT: Record<string, string> = {
    TableCD117FA1: 'AWS::DynamoDB::Table',
    Feeds6FC8B95A: 'AWS::S3::Bucket',
    AccessLogs8B620ECA: 'AWS::S3::Bucket',
    SecretsKey317DCF94: 'AWS::KMS::Key',
    OriginSecret5DDC59F1: 'AWS::SecretsManager::Secret',
    PublishDeadLettersCD4087F7: 'AWS::SQS::Queue',
    IngestLogs41B5EF21: 'AWS::Logs::LogGroup',
    PublishLogs921C90B3: 'AWS::Logs::LogGroup',
    ApiAccessLogsE9DF007D: 'AWS::Logs::LogGroup',
    Distribution830FAC52: 'AWS::CloudFront::Distribution',
  };

  it('are unchanged in the template, whatever the stage or settings', () => {
    for (const s of [base, custom]) {
      const found = Object.fromEntries(
        Object.entries(s.json.Resources)
          .filter(([id]) => id in KEPT)
          .map(([id, resource]) => [id, resource.Type]),
      );
      expect(found).toEqual(KEPT);
    }
  });

  it('are the ones of the resources the stack exposes', () => {
    expect(ids(base)).toMatchObject({
      table: 'TableCD117FA1',
      feeds: 'Feeds6FC8B95A',
      secretsKey: 'SecretsKey317DCF94',
      deadLetters: 'PublishDeadLettersCD4087F7',
      ingestLogs: 'IngestLogs41B5EF21',
      publishLogs: 'PublishLogs921C90B3',
      distribution: 'Distribution830FAC52',
    });
    expect(logicalId(base, base.stack.originSecret)).toBe('OriginSecret5DDC59F1');
  });
});

describe('outputs', () => {
  it('give the public URL, the API URL for the CLI, the table and the bucket', () => {
    const { distribution, table, feeds } = ids(base);
    const publicUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }]] };
    base.template.hasOutput('PublicBaseUrl', { Value: publicUrl });
    base.template.hasOutput('ApiUrl', { Value: publicUrl });
    base.template.hasOutput('TableName', { Value: ref(table) });
    base.template.hasOutput('BucketName', { Value: ref(feeds) });
    base.template.hasOutput('Region', { Value: ref('AWS::Region') });
    custom.template.hasOutput('PublicBaseUrl', { Value: 'https://dades.example.cat' });
    custom.template.hasOutput('ApiUrl', { Value: 'https://dades.example.cat' });
  });

  it('name the stack after the stage', () => {
    expect(base.stack.stackName).toBe('MandatObert-prod');
    expect(custom.stack.stackName).toBe('MandatObert-staging');
  });
});

describe('cdk-nag (AWS Solutions)', () => {
  it('finds nothing unacknowledged in either configuration', () => {
    for (const s of [base, custom]) {
      const report = new AwsSolutionsChecks().validateScope(s.app);
      expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    }
  });

  it('acknowledges only a reviewed list of findings, each with a written reason', () => {
    const acknowledged = (s: Synthesized) => {
      const found: Record<string, string> = {};
      const visit = (construct: IConstruct) => {
        for (const entry of construct.node.metadata) {
          if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) found[id.replace(/^annotation::/i, '')] = reason;
        }
        construct.node.children.forEach(visit);
      };
      visit(s.stack);
      return found;
    };
    const baseAcks = acknowledged(base);
    expect(Object.keys(baseAcks).sort()).toEqual([
      '@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      'AwsSolutions-APIG4',
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR4',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<Feeds6FC8B95A.Arn>/*]',
      'AwsSolutions-IAM5[Resource::<Feeds6FC8B95A.Arn>/plans/*/updates/*]',
      'AwsSolutions-IAM5[Resource::<Feeds6FC8B95A.Arn>/snapshots/*]',
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SNS2',
      'AwsSolutions-SQS3',
    ]);
    for (const reason of Object.values(baseAcks)) expect(reason.length).toBeGreaterThan(60);
    // With a custom certificate the TLS policy is set, so CFR4 needs no acknowledgement.
    expect(Object.keys(acknowledged(custom))).not.toContain('AwsSolutions-CFR4');
  });

  it('fails synthesis on a finding nobody acknowledged', () => {
    const { app, stack } = buildApp({ context: SKIP_BUNDLING }, {});
    new sqs.Queue(stack, 'CarelessQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});

describe('settings', () => {
  it('defaults to the prod stage and reads MANDAT_* variables when no context is given', () => {
    expect(readSettings({}, {})).toMatchObject({ stage: 'prod', ingestReservedConcurrency: 10, logRetention: 90 });
    expect(
      readSettings(
        {},
        {
          MANDAT_STAGE: 'test',
          MANDAT_ALARM_EMAIL: 'ops@example.cat',
          MANDAT_INGEST_RESERVED_CONCURRENCY: '0',
          MANDAT_LOG_RETENTION_DAYS: '30',
        },
      ),
    ).toMatchObject({ stage: 'test', alarmEmail: 'ops@example.cat', ingestReservedConcurrency: 0, logRetention: 30 });
    expect(readSettings({ stage: 'ctx' }, { MANDAT_STAGE: 'env' }).stage).toBe('ctx');
  });

  it.each([
    [{ stage: 'Prod!' }, /stage/],
    [{ domainName: 'dades.example.cat' }, /go together/],
    [{ certificateArn: CERTIFICATE_ARN }, /go together/],
    [{ domainName: 'dades.example.cat', certificateArn: CERTIFICATE_ARN.replace('us-east-1', 'eu-west-1') }, /us-east-1/],
    [{ domainName: 'not a host', certificateArn: CERTIFICATE_ARN }, /host name/],
    [{ alarmEmail: 'nobody' }, /e-mail/],
    [{ ingestReservedConcurrency: -1 }, /whole number/],
    [{ logRetentionDays: 42 }, /retention/],
    [{ websubHubs: 'https://hub.example/,ftp://hub.example/' }, /websubHubs/],
  ])('refuses %j before anything is synthesized', (context, message) => {
    expect(() => readSettings(context, {})).toThrow(message);
  });
});
