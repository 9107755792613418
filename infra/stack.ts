/**
 * The whole product on AWS, one stack per stage: DynamoDB (one table, streamed) → publish
 * Lambda → S3 feeds, served with the signed ingest API behind one CloudFront host, the way
 * `npm start` serves them on one local port.
 *
 * The stack composes its parts (storage, API, public site, publisher, alarms) and declares the
 * outputs. Each part makes its resources with the stack as their scope, so every logical ID is
 * what it was when the stack held them all itself: splitting it replaced nothing.
 */
import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { Alarms } from './constructs/alarms.ts';
import { IngestApi } from './constructs/api.ts';
import type { EdgeFirewall } from './constructs/edge-firewall.ts';
import type { MandatFunction } from './constructs/mandat-function.ts';
import { Publisher } from './constructs/publisher.ts';
import { originSecret, PublicSite } from './constructs/site.ts';
import { Storage } from './constructs/storage.ts';
import type { MandatSettings } from './settings.ts';

export interface MandatStackProps extends StackProps {
  settings: MandatSettings;
  /**
   * The web ACL made in a us-east-1 stack when this stack lives elsewhere (the app does so); in
   * us-east-1, or when the region is not known at synthesis, the stack makes its own.
   */
  webAclArn?: string;
}

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
  readonly consoleHeaders: cloudfront.ResponseHeadersPolicy;
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

    const storage = new Storage(this, { stage: settings.stage });
    this.table = storage.table;
    this.secretsKey = storage.secretsKey;
    this.feeds = storage.feeds;

    // Known up front only with a custom domain; otherwise it is the distribution's domain.
    const customBaseUrl = settings.domainName ? `https://${settings.domainName}` : undefined;
    this.originSecret = originSecret(this, settings);
    const originSecretValue = this.originSecret.secretValue.unsafeUnwrap();

    const api = new IngestApi(this, { settings, storage, originSecretValue, customBaseUrl });
    this.api = api.api;
    this.ingest = api.ingest;

    const site = new PublicSite(this, {
      settings,
      storage,
      apiHost: api.host,
      originSecretValue,
      webAclArn: props.webAclArn,
      customBaseUrl,
    });
    this.distribution = site.distribution;
    this.siteHeaders = site.siteHeaders;
    this.apiHeaders = site.apiHeaders;
    this.consoleHeaders = site.consoleHeaders;
    this.firewall = site.firewall;
    this.publicBaseUrl = site.publicBaseUrl;

    const publisher = new Publisher(this, {
      storage,
      publicBaseUrl: this.publicBaseUrl,
      logRetention: settings.logRetention,
      websubHubs: settings.websubHubs,
    });
    this.publish = publisher.publish;
    this.deadLetters = publisher.deadLetters;

    const alarms = new Alarms(this, {
      stage: settings.stage,
      email: settings.alarmEmail,
      ingest: this.ingest,
      apiStage: api.stage,
      publish: this.publish,
      deadLetters: this.deadLetters,
    });
    this.alarmTopic = alarms.topic;

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('SecretsKeyArn', this.secretsKey.keyArn, 'KMS key sealing hmac-sha256 shared secrets (ingest only; see docs/SIGNING.md)');
    output('PublicBaseUrl', this.publicBaseUrl, 'The public site: dashboards and feeds under /plans/{planId}/');
    output('ApiUrl', this.publicBaseUrl, 'Value for `mandat --api` / MANDAT_API (requests go to /api/v1/… on this host)');
    output('TableName', this.table.tableName, 'DynamoDB table (for `mandat bootstrap-admin --table`)');
    output('BucketName', this.feeds.bucketName, 'S3 bucket holding the published feeds');
    output('Region', this.region, 'Region of the table and functions');
    output('DistributionDomainName', this.distribution.distributionDomainName, 'Point the custom domain (CNAME/alias) here');
    output('DistributionId', this.distribution.distributionId, 'CloudFront distribution (for invalidations)');
    output('HttpApiUrl', `https://${api.host}`, 'The API origin behind CloudFront (use the public URL instead)');
    if (api.originDnsTarget) {
      output('ApiOriginDnsTarget', api.originDnsTarget, `Point ${settings.apiOriginDomainName} here (CNAME or alias)`);
    }
    if (site.webAclArn) output('WebAclArn', site.webAclArn, 'The WAF web ACL on the distribution (us-east-1)');
    output('PublishFunctionName', this.publish.fn.functionName, 'For a manual republish (docs/DEPLOY.md)');
    output('DeadLetterQueueUrl', this.deadLetters.queueUrl, 'Stream records that publishing gave up on');
    output('AlarmTopicArn', this.alarmTopic.topicArn, 'Subscribe more endpoints to receive the alarms');
  }
}
