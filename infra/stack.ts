/**
 * The whole product on AWS, one stack per stage: DynamoDB (one table, streamed) → publish
 * Lambda → S3 feeds, served with the signed ingest API behind one CloudFront host, the way
 * `npm start` serves them on one local port.
 */
import { join } from 'node:path';
import { Aws, CfnOutput, CfnRule, Duration, Fn, RemovalPolicy, Stack, type StackProps, Tags, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ORIGIN_SECRET_HEADER } from '#shared/api/http';
import { API_SECURITY_HEADERS, type SecurityHeaderSet, SITE_SECURITY_HEADERS } from '#shared/render/security-headers';
import { PUBLISH_STREAM_SETTINGS } from '#shared/store/dynamo/stream-settings';
import { TABLE_SCHEMA } from '#shared/store/dynamo/table-schema';
import { EdgeFirewall } from './constructs/edge-firewall.ts';
import { MandatFunction } from './constructs/mandat-function.ts';

export interface MandatSettings {
  /** Short name of the deployment (prod, staging…): part of the stack name. */
  stage: string;
  /** Public host name, e.g. dades.example.cat; without it the CloudFront domain is the host. */
  domainName?: string;
  /** ACM certificate for domainName; CloudFront requires it in us-east-1. */
  certificateArn?: string;
  /**
   * Host name for the HTTP API itself (e.g. api-origin.dades.example.cat), with a certificate
   * in the stack's region: then CloudFront reaches the API there and the default execute-api
   * endpoint is turned off. Needs domainName.
   */
  apiOriginDomainName?: string;
  apiOriginCertificateArn?: string;
  /** The WAF web ACL with per-client rate limits on the distribution (in us-east-1); on unless turned off. */
  waf: boolean;
  /** Raised by one to replace the origin secret with a new random one (its rotation). */
  originSecretGeneration: number;
  /** Subscribed to the alarm topic when given (the subscription must be confirmed by mail). */
  alarmEmail?: string;
  /** Reserved concurrency of ingest; 0 leaves it unreserved (for accounts with a low quota). */
  ingestReservedConcurrency: number;
  logRetention: logs.RetentionDays;
}

export const DEFAULT_SETTINGS: Omit<MandatSettings, 'stage'> = {
  waf: true,
  originSecretGeneration: 1,
  ingestReservedConcurrency: 10,
  logRetention: logs.RetentionDays.THREE_MONTHS,
};

export class SettingsError extends Error {
  override name = 'SettingsError';
}

type Source = Record<string, unknown>;

/**
 * Settings from CDK context (`-c stage=prod`) or, failing that, the environment
 * (MANDAT_STAGE …), so CI can deploy without editing cdk.json.
 */
export function readSettings(context: Source, env: NodeJS.ProcessEnv = process.env): MandatSettings {
  const pick = (key: string, variable: string): string | undefined => {
    const value = context[key] ?? env[variable];
    if (value === undefined || value === null || value === '') return undefined;
    return String(value).trim();
  };
  const stage = pick('stage', 'MANDAT_STAGE') ?? 'prod';
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new SettingsError(`stage "${stage}" must be 1-20 lower-case letters, digits or hyphens, starting with a letter`);
  }
  const domainName = pick('domainName', 'MANDAT_DOMAIN_NAME')?.toLowerCase();
  const certificateArn = pick('certificateArn', 'MANDAT_CERTIFICATE_ARN');
  if (Boolean(domainName) !== Boolean(certificateArn)) {
    throw new SettingsError('domainName and certificateArn go together: CloudFront needs a certificate for a custom host name');
  }
  if (domainName && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName)) {
    throw new SettingsError(`domainName "${domainName}" is not a host name`);
  }
  if (certificateArn && !/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
    throw new SettingsError(`certificateArn must be an ACM certificate in us-east-1 (CloudFront only uses those), got "${certificateArn}"`);
  }
  const apiOriginDomainName = pick('apiOriginDomainName', 'MANDAT_API_ORIGIN_DOMAIN_NAME')?.toLowerCase();
  const apiOriginCertificateArn = pick('apiOriginCertificateArn', 'MANDAT_API_ORIGIN_CERTIFICATE_ARN');
  if (Boolean(apiOriginDomainName) !== Boolean(apiOriginCertificateArn)) {
    throw new SettingsError('apiOriginDomainName and apiOriginCertificateArn go together: the API needs a certificate for its host name');
  }
  if (apiOriginDomainName && !domainName) {
    throw new SettingsError('apiOriginDomainName needs domainName: the API is reached only through the public host');
  }
  if (apiOriginDomainName && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(apiOriginDomainName)) {
    throw new SettingsError(`apiOriginDomainName "${apiOriginDomainName}" is not a host name`);
  }
  if (apiOriginDomainName && apiOriginDomainName === domainName) {
    throw new SettingsError('apiOriginDomainName must differ from domainName: it names the API behind CloudFront, not the public host');
  }
  if (apiOriginCertificateArn && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(apiOriginCertificateArn)) {
    throw new SettingsError(
      `apiOriginCertificateArn must be an ACM certificate ARN (in the stack's region), got "${apiOriginCertificateArn}"`,
    );
  }
  const wafSetting = pick('waf', 'MANDAT_WAF')?.toLowerCase();
  if (wafSetting !== undefined && !['true', 'false'].includes(wafSetting)) {
    throw new SettingsError(`waf must be true or false, got "${wafSetting}"`);
  }
  const waf = wafSetting === undefined ? DEFAULT_SETTINGS.waf : wafSetting === 'true';
  const generation = pick('originSecretGeneration', 'MANDAT_ORIGIN_SECRET_GENERATION');
  const originSecretGeneration = generation === undefined ? DEFAULT_SETTINGS.originSecretGeneration : Number(generation);
  if (!Number.isInteger(originSecretGeneration) || originSecretGeneration < 1) {
    throw new SettingsError(`originSecretGeneration must be a whole number ≥ 1, got "${generation}"`);
  }
  const alarmEmail = pick('alarmEmail', 'MANDAT_ALARM_EMAIL');
  if (alarmEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new SettingsError(`alarmEmail "${alarmEmail}" is not an e-mail address`);
  }
  const concurrency = pick('ingestReservedConcurrency', 'MANDAT_INGEST_RESERVED_CONCURRENCY');
  const ingestReservedConcurrency = concurrency === undefined ? DEFAULT_SETTINGS.ingestReservedConcurrency : Number(concurrency);
  if (!Number.isInteger(ingestReservedConcurrency) || ingestReservedConcurrency < 0) {
    throw new SettingsError(`ingestReservedConcurrency must be a whole number ≥ 0, got "${concurrency}"`);
  }
  const retention = pick('logRetentionDays', 'MANDAT_LOG_RETENTION_DAYS');
  const logRetention = retention === undefined ? DEFAULT_SETTINGS.logRetention : Number(retention);
  if (!Object.values(logs.RetentionDays).includes(logRetention as logs.RetentionDays)) {
    throw new SettingsError(
      `logRetentionDays must be one of CloudWatch's retention periods (1, 3, 5, 7, 14, 30, 60, 90, …), got "${retention}"`,
    );
  }
  return {
    stage,
    domainName,
    certificateArn,
    apiOriginDomainName,
    apiOriginCertificateArn,
    waf,
    originSecretGeneration,
    alarmEmail,
    ingestReservedConcurrency,
    logRetention: logRetention as logs.RetentionDays,
  };
}

export const stackName = (stage: string) => `MandatObert-${stage}`;

/**
 * Item-level access: `actions` only on items whose partition key matches one of `partitions`.
 * ForAllValues is true for a request without partition keys, so Scan (which has none) must
 * never be among `actions`: it would be allowed on the whole table.
 */
function itemStatement(table: dynamodb.Table, actions: string[], partitions: string[], resources = [table.tableArn]): iam.PolicyStatement {
  if (actions.includes('dynamodb:Scan')) throw new Error('dynamodb:Scan cannot be limited by dynamodb:LeadingKeys');
  return new iam.PolicyStatement({
    actions,
    resources,
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
  });
}

export interface MandatStackProps extends StackProps {
  settings: MandatSettings;
  /**
   * The web ACL made in a us-east-1 stack when this stack lives elsewhere (see app.ts); in
   * us-east-1, or when the region is not known at synthesis, the stack makes its own.
   */
  webAclArn?: string;
}

const EDGE_CODE = join(import.meta.dirname, 'constructs', 'edge');

export class MandatStack extends Stack {
  readonly table: dynamodb.Table;
  readonly secretsKey: kms.Key;
  readonly feeds: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly api: apigw.HttpApi;
  readonly ingest: MandatFunction;
  readonly publish: MandatFunction;
  readonly deadLetters: sqs.Queue;
  readonly alarmTopic: sns.Topic;
  readonly publicBaseUrl: string;
  readonly originSecret: secretsmanager.Secret;
  readonly siteHeaders: cloudfront.ResponseHeadersPolicy;
  readonly apiHeaders: cloudfront.ResponseHeadersPolicy;
  /** The web ACL on the distribution, when this stack made it (see MandatStackProps.webAclArn). */
  readonly firewall?: EdgeFirewall;

  constructor(scope: Construct, id: string, props: MandatStackProps) {
    super(scope, id, props);
    const { settings } = props;
    // Server access logs are delivered under a bucket policy rather than the legacy
    // LogDeliveryWrite ACL. Set on the stack, before any bucket exists, so the behaviour
    // does not depend on what cdk.json happens to contain.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    Tags.of(this).add('project', 'mandat-obert');
    Tags.of(this).add('stage', settings.stage);

    // ── Storage ────────────────────────────────────────────────────────────────────────
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      // A few officials' updates a day, bursts on import: on-demand costs nothing when idle.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType[TABLE_SCHEMA.streamViewType],
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The AWS-managed key (aws/dynamodb): use is logged in CloudTrail, no key policy to keep.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A commitment's and an area's latest updates, read by the publisher (see shared/table-schema.ts).
    for (const index of TABLE_SCHEMA.localIndexes) {
      this.table.addLocalSecondaryIndex({
        indexName: index.indexName,
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    // Seals the shared secrets of hmac-sha256 signing keys (encryption context {keyId}). Its own
    // customer-managed key, not the table's: the table's AWS-managed key is usable only through
    // DynamoDB, so anyone allowed to read the table or its stream (publish) reads through it;
    // this one only ingest may use, so a key item read elsewhere yields ciphertext only.
    this.secretsKey = new kms.Key(this, 'SecretsKey', {
      description: `Mandat Obert (${settings.stage}): seals the shared secrets of hmac-sha256 signing keys; only the ingest function uses it`,
      enableKeyRotation: true,
      // Deleting it would make every hmac-sha256 key unusable: kept, like the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'SecretsKeyArn', {
      value: this.secretsKey.keyArn,
      description: 'KMS key sealing hmac-sha256 shared secrets (ingest only; see docs/SIGNING.md)',
    });

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront standard logging delivers with an ACL, which BUCKET_OWNER_ENFORCED refuses.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the destination of the feeds bucket and CloudFront access logs; logging it into itself would loop.',
    });

    this.feeds = new s3.Bucket(this, 'Feeds', {
      // SSE-S3, not KMS: the artifact store compares ETags with the body's MD5, which holds
      // for single-part PUTs with SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // A bad publish can be rolled back to the previous version of each object.
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 's3-feeds/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ── Ingest: the signed API ─────────────────────────────────────────────────────────
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `mandat-obert-${settings.stage}`,
      description: 'Signed ingest API (RFC 9421); reached through CloudFront at /api/*',
      createDefaultStage: false,
      // With its own host name the API is reached there only (by CloudFront); otherwise the
      // execute-api endpoint is CloudFront's way in and stays on.
      disableExecuteApiEndpoint: Boolean(settings.apiOriginDomainName),
    });
    const apiAccessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const apiStage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      // Officials post a few updates a day; this bounds what a leaked key or a loop can cost.
      throttle: { rateLimit: 25, burstLimit: 50 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(apiAccessLogs),
        // JSON, with only variables HTTP APIs define, so Logs Insights can query fields.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const executeApiHost = `${this.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    let apiOriginTarget: string | undefined;
    if (settings.apiOriginDomainName && settings.apiOriginCertificateArn) {
      const originDomain = new apigw.DomainName(this, 'ApiOriginDomain', {
        domainName: settings.apiOriginDomainName,
        certificate: acm.Certificate.fromCertificateArn(this, 'ApiOriginCertificate', settings.apiOriginCertificateArn),
      });
      new apigw.ApiMapping(this, 'ApiOriginMapping', { api: this.api, domainName: originDomain, stage: apiStage });
      apiOriginTarget = originDomain.regionalDomainName;
    }
    const apiHost = settings.apiOriginDomainName ?? executeApiHost;

    // Only CloudFront knows this value and sends it with every /api/* request; ingest believes
    // X-Forwarded-Host only on requests that carry it. Generated by Secrets Manager at the first
    // deployment, so it is in no template, and resolved by CloudFormation into the two places
    // that need it (see docs/DEPLOY.md for who can read it there, and how to rotate it).
    // A new generation is a new secret (a new construct id): CloudFormation creates it, then
    // updates CloudFront and ingest to it, then deletes the old one. That is the rotation.
    const secretId = settings.originSecretGeneration === 1 ? 'OriginSecret' : `OriginSecret${settings.originSecretGeneration}`;
    this.originSecret = new secretsmanager.Secret(this, secretId, {
      description: `Mandat Obert (${settings.stage}): sent by CloudFront to the API as ${ORIGIN_SECRET_HEADER}`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.originSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The value lives in two places CloudFormation writes at deployment (the CloudFront origin header and the ingest environment); a rotation Lambda cannot update them, so rotation is a redeployment with -c originSecretGeneration raised (docs/DEPLOY.md).',
    });
    const originSecretValue = this.originSecret.secretValue.unsafeUnwrap();

    // The public host is known up front only with a custom domain. Without one it is the
    // distribution's domain, which depends (through the API origin) on the ingest function,
    // so ingest cannot be given it without a cycle: ingest gets the API's own URL as the
    // fallback authority, and CloudFront's viewer-request function forwards the host the
    // client signed as X-Forwarded-Host, which the API checks first. Publish has no such
    // cycle and always gets the public URL for the links in the feeds.
    const customBaseUrl = settings.domainName ? `https://${settings.domainName}` : undefined;
    const sharedEnvironment = {
      TABLE_NAME: this.table.tableName,
      BUCKET_NAME: this.feeds.bucketName,
    };

    this.ingest = new MandatFunction(this, 'Ingest', {
      handler: 'ingest',
      description: 'Mandat Obert ingest: verifies signed updates and writes them to the table',
      // More memory is more CPU: signature checks and the transaction finish sooner.
      memorySize: 512,
      // Well under the HTTP API's 30 s integration limit.
      timeout: Duration.seconds(10),
      environment: {
        ...sharedEnvironment,
        PUBLIC_BASE_URL: customBaseUrl ?? `https://${apiHost}`,
        ORIGIN_SECRET: originSecretValue,
        SECRETS_KMS_KEY_ID: this.secretsKey.keyArn,
      },
      logRetention: settings.logRetention,
      // Caps concurrent writers: together with the API throttle this bounds the load (and the
      // on-demand bill) a flood can put on the table. It also keeps ingest from starving
      // publish of the account's concurrency.
      reservedConcurrentExecutions: settings.ingestReservedConcurrency || undefined,
    });
    // Exactly the items the API touches, by partition key (dynamodb:LeadingKeys): plans and
    // their commitments and updates, keys, nonces, idempotency records, and the PLANS and KEYS
    // listing registries (a list is a Query of PLANS or KEYS and a BatchGet of the page's plans;
    // nothing scans). Never a publish lease. TransactWriteItems is authorized item by item as
    // PutItem, UpdateItem or ConditionCheckItem (the signer's key), each under this condition.
    this.ingest.role.addToPrincipalPolicy(
      itemStatement(
        this.table,
        ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        ['PLAN#*', 'PLANS', 'KEY#*', 'KEYS', 'IDEMPOTENCY#*'],
      ),
    );
    this.ingest.role.addToPrincipalPolicy(
      itemStatement(
        this.table,
        ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
        ['PLAN#*', 'PLANS', 'KEY#*', 'KEYS', 'NONCE#*', 'IDEMPOTENCY#*'],
      ),
    );
    // Seal and open shared secrets, only ever bound to a key record (the adapter always sends
    // exactly the context {keyId}); publish has no statement on this key at all.
    this.ingest.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt'],
        resources: [this.secretsKey.keyArn],
        conditions: {
          Null: { 'kms:EncryptionContext:keyId': 'false' },
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['keyId'] },
        },
      }),
    );
    const [ingestRoute] = this.api.addRoutes({
      path: '/api/{proxy+}',
      methods: [apigw.HttpMethod.ANY],
      integration: new HttpLambdaIntegration('IngestIntegration', this.ingest.fn, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    Validations.of(ingestRoute!).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Authentication is per request in the function: every write must carry an RFC 9421 signature by a registered key (single-use nonce, ±300 s); reads return public data. An API Gateway authorizer cannot verify a signature over the body.',
    });

    // ── Public site: one CloudFront host for the feeds and the API ─────────────────────
    const feedsViewerRequest = new cloudfront.Function(this, 'FeedsViewerRequest', {
      comment: 'Serve folder URLs from their index.html',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromFile({ filePath: join(EDGE_CODE, 'feeds-viewer-request.js') }),
    });
    this.siteHeaders = responseHeadersPolicy(this, 'SiteHeaders', `mandat-obert-${settings.stage}-site`, SITE_SECURITY_HEADERS);
    this.apiHeaders = responseHeadersPolicy(this, 'ApiHeaders', `mandat-obert-${settings.stage}-api`, API_SECURITY_HEADERS);
    const apiViewerRequest = new cloudfront.Function(this, 'ApiViewerRequest', {
      comment: 'Forward the signed host as X-Forwarded-Host',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromFile({ filePath: join(EDGE_CODE, 'api-viewer-request.js') }),
    });
    const certificate = settings.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn)
      : undefined;

    // A web ACL for CloudFront must be in us-east-1. Elsewhere app.ts makes it in a small
    // us-east-1 stack and passes its ARN in; with the region unknown at synthesis (a
    // region-agnostic template) the ACL stays here and the template refuses any other region.
    let webAclArn = props.webAclArn;
    if (settings.waf && !webAclArn) {
      if (!Token.isUnresolved(this.region) && this.region !== 'us-east-1') {
        throw new SettingsError(`the WAF web ACL must be made in us-east-1 and passed in (this stack is in ${this.region}); use buildApp`);
      }
      this.firewall = new EdgeFirewall(this, 'Firewall', { stage: settings.stage });
      webAclArn = this.firewall.webAclArn;
      if (Token.isUnresolved(this.region)) {
        new CfnRule(this, 'WebAclNeedsUsEast1', {
          assertions: [
            {
              assert: Fn.conditionEquals(Aws.REGION, 'us-east-1'),
              assertDescription:
                'This template holds the WAF web ACL for CloudFront, which only us-east-1 accepts: synthesize with the target region known (cdk deploy does), or with -c waf=false.',
            },
          ],
        });
      }
    }

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Mandat Obert (${settings.stage})`,
      webAclId: settings.waf ? webAclArn : undefined,
      defaultRootObject: 'index.html',
      domainNames: settings.domainName ? [settings.domainName] : undefined,
      certificate,
      // Only a custom certificate has a security policy to set (see the CFR4 note below).
      minimumProtocolVersion: certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // Edge locations in Europe and North America: the audience is a city's.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        // LIST as well as READ, so a missing feed is a 404 rather than S3's 403; the bucket
        // holds only public open data, so naming which keys exist reveals nothing.
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.feeds, {
          originAccessLevels: [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
        // Honours the objects' Cache-Control (60 s) and caches gzip and brotli variants.
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
        // Open data: any site or harvester may fetch the feeds from a browser.
        responseHeadersPolicy: this.siteHeaders,
        functionAssociations: [{ eventType: cloudfront.FunctionEventType.VIEWER_REQUEST, function: feedsViewerRequest }],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new origins.HttpOrigin(apiHost, {
            protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
            // CloudFront replaces a viewer's header of the same name, so clients cannot send their own.
            customHeaders: { [ORIGIN_SECRET_HEADER]: originSecretValue },
          }),
          // A redirect would turn a signed POST into a GET: plain HTTP is refused instead.
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          // Every header the signature may cover reaches the API; Host must stay the API's.
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          compress: false,
          responseHeadersPolicy: this.apiHeaders,
          functionAssociations: [{ eventType: cloudfront.FunctionEventType.VIEWER_REQUEST, function: apiViewerRequest }],
        },
      },
    });
    this.publicBaseUrl = customBaseUrl ?? `https://${this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Open data published for anyone, anywhere: there is no country to exclude.',
    });
    if (!settings.waf) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'The operator turned the WAF web ACL off (-c waf=false): the API stage throttle still bounds the total rate, but no longer per client (docs/DEPLOY.md).',
      });
    }
    Validations.of(this.distribution).acknowledge({
      id: 'Annotation::@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      reason:
        'defaultRootObject is set and the viewer-request function maps every folder URL to its index.html, so the bucket root (a listing) is never requested; the bucket holds only public open data anyway.',
    });
    if (!settings.domainName) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose security policy cannot be set; with domainName/certificateArn the stack sets TLSv1.2_2021.',
      });
    }

    // ── Publish: stream → feeds ────────────────────────────────────────────────────────
    this.deadLetters = new sqs.Queue(this, 'PublishDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS keeps a message: time to notice the alarm and republish.
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the publish stream mapping; a dead-letter queue for it would never be used.',
    });

    this.publish = new MandatFunction(this, 'Publish', {
      handler: 'publish',
      description: 'Mandat Obert publish: regenerates the feeds of each plan touched in a stream batch',
      // Rendering every feed of a plan is CPU- and memory-bound; more memory is more CPU.
      memorySize: 1024,
      timeout: Duration.minutes(2),
      environment: { ...sharedEnvironment, PUBLIC_BASE_URL: this.publicBaseUrl },
      logRetention: settings.logRetention,
      // No reserved concurrency: the stream mapping runs one batch per shard at a time
      // (parallelizationFactor 1), which is already the bound, and it preserves order.
    });
    // Reads plans and their items (GetItem, Query, and Query on the two local indexes for a
    // commitment's or an area's newest updates) and the PLANS registry; reads and writes its
    // PUBLISH#{planId} lease items and nothing else. No key, nonce or idempotency item.
    this.publish.role.addToPrincipalPolicy(itemStatement(this.table, ['dynamodb:GetItem', 'dynamodb:Query'], ['PLAN#*', 'PLANS']));
    this.publish.role.addToPrincipalPolicy(
      itemStatement(
        this.table,
        ['dynamodb:Query'],
        ['PLAN#*'],
        TABLE_SCHEMA.localIndexes.map((index) => `${this.table.tableArn}/index/${index.indexName}`),
      ),
    );
    this.publish.role.addToPrincipalPolicy(itemStatement(this.table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], ['PUBLISH#*']));
    // The artifact store lists a prefix's ETags (ListBucket) and puts changed objects.
    iam.Grant.addToPrincipal({ grantee: this.publish.fn, actions: ['s3:ListBucket'], resourceArns: [this.feeds.bucketArn] });
    iam.Grant.addToPrincipal({ grantee: this.publish.fn, actions: ['s3:PutObject'], resourceArns: [this.feeds.arnForObjects('*')] });
    Validations.of(this.publish.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.feeds.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
        reason:
          'Object keys are derived from plan ids at run time (plans/{planId}/…, plus the site-wide index and catalog); the grant is PutObject only, in this one bucket.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "dynamodb:ListStreams, added by the stream event source, has no resource-level permissions; the stream actions themselves are granted on this table's stream ARN only.",
      },
    );

    this.publish.fn.addEventSource(
      new DynamoEventSource(this.table, {
        // TRIM_HORIZON: nothing written between table creation and the mapping's start (the
        // admin bootstrap, a first import) goes unpublished.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        // The same settings as the local poller (shared/stream-settings.ts). One batch
        // regenerates each touched plan once, whatever its number of records, so a large batch
        // costs about what one record does; the short window coalesces a bulk edit into one
        // regeneration without holding a single update back noticeably.
        batchSize: PUBLISH_STREAM_SETTINGS.batchSize,
        maxBatchingWindow: Duration.seconds(PUBLISH_STREAM_SETTINGS.maxBatchingWindowSeconds),
        // One batch per shard at a time keeps a plan's changes in order.
        parallelizationFactor: 1,
        // The handler names the records of plans that failed; only those are retried.
        reportBatchItemFailures: PUBLISH_STREAM_SETTINGS.reportBatchItemFailures,
        // A batch that throws is halved until the failing record is alone.
        bisectBatchOnError: PUBLISH_STREAM_SETTINGS.bisectBatchOnError,
        // Bounded: a record that keeps failing leaves the shard after its retries or once too
        // old, and goes to the queue (with the alarm below) instead of holding the shard for the
        // stream's 24 h. Publishing reads the table, so `mandat republish` rebuilds anything.
        retryAttempts: PUBLISH_STREAM_SETTINGS.retryAttempts,
        maxRecordAge: Duration.seconds(PUBLISH_STREAM_SETTINGS.maxRecordAgeSeconds),
        // Only the plans' own items publish: the publish lease, nonces and keys do not invoke it.
        filters: [
          lambda.FilterCriteria.filter({
            dynamodb: { Keys: { PK: { S: lambda.FilterRule.beginsWith(PUBLISH_STREAM_SETTINGS.partitionKeyPrefix) } } },
          }),
        ],
        onFailure: new SqsDlq(this.deadLetters),
      }),
    );

    // ── Alarms ─────────────────────────────────────────────────────────────────────────
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Mandat Obert alarms (${settings.stage})`,
      enforceSSL: true,
    });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names, metrics and thresholds; encrypting them would need a customer-managed key whose policy admits CloudWatch, for no data worth protecting.',
    });
    if (settings.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    const notify = new cloudwatchActions.SnsAction(this.alarmTopic);
    const fiveMinutes = Duration.minutes(5);
    const alarm = (id: string, description: string, metric: cloudwatch.IMetric, threshold: number) => {
      const created = new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No traffic is not a failure.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      return created;
    };

    // A plan that failed is reported as a batch item failure, not as a Lambda error, so the
    // handler's ERROR log lines are counted too.
    const publishFailures = new logs.MetricFilter(this, 'PublishFailureCount', {
      logGroup: this.publish.logGroup,
      metricNamespace: `MandatObert/${settings.stage}`,
      metricName: 'PublishFailures',
      filterPattern: logs.FilterPattern.stringValue('$.level', '=', 'ERROR'),
      metricValue: '1',
    });

    alarm(
      'PublishErrorsAlarm',
      'The publish function failed (crash or timeout): feeds may be stale until the batch is retried.',
      this.publish.fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      1,
    );
    alarm(
      'PublishFailuresAlarm',
      'Publishing a plan failed (logged at ERROR); its stream records are being retried.',
      publishFailures.metric({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      1,
    );
    alarm(
      'PublishIteratorAgeAlarm',
      'The feeds are more than 5 minutes behind the table: publishing is stuck or failing.',
      this.publish.fn.metric('IteratorAge', { period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      Duration.minutes(5).toMilliseconds(),
    );
    alarm(
      'PublishDeadLettersAlarm',
      'Stream records gave up after their retries: their plans need a republish (see docs/DEPLOY.md).',
      this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      1,
    );
    alarm(
      'Api5xxAlarm',
      'The ingest API answered 5xx: officials’ updates are failing.',
      apiStage.metricServerError({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      1,
    );
    alarm(
      'IngestErrorsAlarm',
      'The ingest function failed (crash or timeout).',
      this.ingest.fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      1,
    );
    alarm(
      'IngestThrottlesAlarm',
      'Ingest hit its reserved concurrency: requests were refused.',
      this.ingest.fn.metricThrottles({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      1,
    );

    // ── Outputs ────────────────────────────────────────────────────────────────────────
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('PublicBaseUrl', this.publicBaseUrl, 'The public site: dashboards and feeds under /plans/{planId}/');
    output('ApiUrl', this.publicBaseUrl, 'Value for `mandat --api` / MANDAT_API (requests go to /api/v1/… on this host)');
    output('TableName', this.table.tableName, 'DynamoDB table (for `mandat bootstrap-admin --table`)');
    output('BucketName', this.feeds.bucketName, 'S3 bucket holding the published feeds');
    output('Region', this.region, 'Region of the table and functions');
    output('DistributionDomainName', this.distribution.distributionDomainName, 'Point the custom domain (CNAME/alias) here');
    output('DistributionId', this.distribution.distributionId, 'CloudFront distribution (for invalidations)');
    output('HttpApiUrl', `https://${apiHost}`, 'The API origin behind CloudFront (use the public URL instead)');
    if (apiOriginTarget) {
      output('ApiOriginDnsTarget', apiOriginTarget, `Point ${settings.apiOriginDomainName} here (CNAME or alias)`);
    }
    if (webAclArn && settings.waf) output('WebAclArn', webAclArn, 'The WAF web ACL on the distribution (us-east-1)');
    output('PublishFunctionName', this.publish.fn.functionName, 'For a manual republish (docs/DEPLOY.md)');
    output('DeadLetterQueueUrl', this.deadLetters.queueUrl, 'Stream records that publishing gave up on');
    output('AlarmTopicArn', this.alarmTopic.topicArn, 'Subscribe more endpoints to receive the alarms');
  }
}

/** A CloudFront response headers policy from one of the shared header sets (the local front sends the same). */
function responseHeadersPolicy(scope: Construct, id: string, name: string, set: SecurityHeaderSet): cloudfront.ResponseHeadersPolicy {
  return new cloudfront.ResponseHeadersPolicy(scope, id, {
    responseHeadersPolicyName: name,
    comment: `Security headers (${name})`,
    // CloudFront's values replace any the origin sent: the policy is the one definition.
    securityHeadersBehavior: {
      contentSecurityPolicy: { contentSecurityPolicy: set.contentSecurityPolicy, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption[set.frameOptions], override: true },
      referrerPolicy: {
        referrerPolicy:
          set.referrerPolicy === 'no-referrer'
            ? cloudfront.HeadersReferrerPolicy.NO_REFERRER
            : cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
        override: true,
      },
      strictTransportSecurity: {
        accessControlMaxAge: Duration.seconds(set.hstsMaxAgeSeconds),
        includeSubdomains: true,
        override: true,
      },
    },
    corsBehavior: set.corsAllowAnyOrigin
      ? {
          accessControlAllowOrigins: ['*'],
          accessControlAllowMethods: ['GET', 'HEAD', 'OPTIONS'],
          accessControlAllowHeaders: ['*'],
          accessControlAllowCredentials: false,
          originOverride: true,
        }
      : undefined,
  });
}
