/**
 * The whole product on AWS, one stack per stage: DynamoDB (one table, streamed) → publish
 * Lambda → S3 feeds, served with the signed ingest API behind one CloudFront host, the way
 * `npm start` serves them on one local port.
 */
import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
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
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PUBLISH_STREAM_SETTINGS } from '#shared/store/dynamo/stream-settings';
import { TABLE_SCHEMA } from '#shared/store/dynamo/table-schema';
import { MandatFunction } from './constructs/mandat-function.ts';

export interface MandatSettings {
  /** Short name of the deployment (prod, staging…): part of the stack name. */
  stage: string;
  /** Public host name, e.g. dades.example.cat; without it the CloudFront domain is the host. */
  domainName?: string;
  /** ACM certificate for domainName; CloudFront requires it in us-east-1. */
  certificateArn?: string;
  /** Subscribed to the alarm topic when given (the subscription must be confirmed by mail). */
  alarmEmail?: string;
  /** Reserved concurrency of ingest; 0 leaves it unreserved (for accounts with a low quota). */
  ingestReservedConcurrency: number;
  logRetention: logs.RetentionDays;
  /** WebSub hubs the feeds advertise and the publisher pings (the publish function's WEBSUB_HUBS); none = off. */
  websubHubs?: string[];
}

export const DEFAULT_SETTINGS: Omit<MandatSettings, 'stage'> = {
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
  const websubHubs = (pick('websubHubs', 'WEBSUB_HUBS') ?? '')
    .split(',')
    .map((hub) => hub.trim())
    .filter((hub) => hub !== '');
  for (const hub of websubHubs) {
    if (!URL.canParse(hub) || !/^https?:$/.test(new URL(hub).protocol)) {
      throw new SettingsError(`websubHubs must be comma-separated absolute http(s) URLs, got "${hub}"`);
    }
  }
  return {
    stage,
    domainName,
    certificateArn,
    alarmEmail,
    ingestReservedConcurrency,
    logRetention: logRetention as logs.RetentionDays,
    ...(websubHubs.length > 0 ? { websubHubs } : {}),
  };
}

export const stackName = (stage: string) => `MandatObert-${stage}`;

export interface MandatStackProps extends StackProps {
  settings: MandatSettings;
}

const EDGE_CODE = join(import.meta.dirname, 'constructs', 'edge');

export class MandatStack extends Stack {
  readonly table: dynamodb.Table;
  readonly feeds: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly api: apigw.HttpApi;
  readonly ingest: MandatFunction;
  readonly publish: MandatFunction;
  readonly deadLetters: sqs.Queue;
  readonly alarmTopic: sns.Topic;
  readonly publicBaseUrl: string;

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
    const apiHost = `${this.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`;

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
      environment: { ...sharedEnvironment, PUBLIC_BASE_URL: customBaseUrl ?? `https://${apiHost}` },
      logRetention: settings.logRetention,
      // Caps concurrent writers: together with the API throttle this bounds the load (and the
      // on-demand bill) a flood can put on the table. It also keeps ingest from starving
      // publish of the account's concurrency.
      reservedConcurrentExecutions: settings.ingestReservedConcurrency || undefined,
    });
    // Exactly what the API does: reads (keys, plans, commitments, updates; Scan lists plans)
    // and the conditional writes of TransactWriteItems (Put items, Update the plan revision).
    // Table.grant would add "<table>/index/*" (a wildcard) now that the table has indexes; ingest uses none.
    iam.Grant.addToPrincipal({
      grantee: this.ingest.fn,
      actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
    });
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
    const apiViewerRequest = new cloudfront.Function(this, 'ApiViewerRequest', {
      comment: 'Forward the signed host as X-Forwarded-Host',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromFile({ filePath: join(EDGE_CODE, 'api-viewer-request.js') }),
    });
    const certificate = settings.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn)
      : undefined;

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Mandat Obert (${settings.stage})`,
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
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS_AND_SECURITY_HEADERS,
        functionAssociations: [{ eventType: cloudfront.FunctionEventType.VIEWER_REQUEST, function: feedsViewerRequest }],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new origins.HttpOrigin(apiHost, {
            protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
          }),
          // A redirect would turn a signed POST into a GET: plain HTTP is refused instead.
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          // Every header the signature may cover reaches the API; Host must stay the API's.
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          compress: false,
          functionAssociations: [{ eventType: cloudfront.FunctionEventType.VIEWER_REQUEST, function: apiViewerRequest }],
        },
      },
    });
    this.publicBaseUrl = customBaseUrl ?? `https://${this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Open data published for anyone, anywhere: there is no country to exclude.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The feeds are static, cached objects and every write is signed (RFC 9421), single-use (nonce) and throttled at the API stage; a WAF web ACL (in us-east-1, billed monthly) would add cost without closing a gap.',
      },
    );
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
      environment: {
        ...sharedEnvironment,
        PUBLIC_BASE_URL: this.publicBaseUrl,
        ...(settings.websubHubs ? { WEBSUB_HUBS: settings.websubHubs.join(',') } : {}),
      },
      logRetention: settings.logRetention,
      // No reserved concurrency: the stream mapping runs one batch per shard at a time
      // (parallelizationFactor 1), which is already the bound, and it preserves order.
    });
    // Reads a plan's items (GetItem, Query), lists plans (Scan) for the site-wide catalog, and
    // takes, renews and releases the plan's publish lease (UpdateItem on PUBLISH#{planId}).
    iam.Grant.addToPrincipal({
      grantee: this.publish.fn,
      actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
    });
    // The newest updates of a commitment or an area: Query on the two local indexes, named.
    iam.Grant.addToPrincipal({
      grantee: this.publish.fn,
      actions: ['dynamodb:Query'],
      resourceArns: TABLE_SCHEMA.localIndexes.map((index) => `${this.table.tableArn}/index/${index.indexName}`),
    });
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
    output('PublishFunctionName', this.publish.fn.functionName, 'For a manual republish (docs/DEPLOY.md)');
    output('DeadLetterQueueUrl', this.deadLetters.queueUrl, 'Stream records that publishing gave up on');
    output('AlarmTopicArn', this.alarmTopic.topicArn, 'Subscribe more endpoints to receive the alarms');
  }
}
