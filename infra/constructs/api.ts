/**
 * The signed ingest API: an HTTP API (throttled, access-logged) in front of the ingest
 * function, reached by CloudFront at /api/*, and the function's permissions on the storage.
 */
import { Duration, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { MandatSettings } from '../settings.ts';
import { MandatFunction } from './mandat-function.ts';
import type { Storage } from './storage.ts';
import { itemStatement } from './table-access.ts';

export interface IngestApiProps {
  settings: MandatSettings;
  storage: Storage;
  /** The value CloudFront sends with every /api/* request (resolved by CloudFormation). */
  originSecretValue: string;
  /** The public host's URL when it is known before deployment (a custom domain). */
  customBaseUrl?: string;
}

/** Made directly in the stack, like every part of it, so logical IDs do not depend on the split. */
export class IngestApi {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly ingest: MandatFunction;
  /** The host CloudFront forwards /api/* to: the API's own host name, or its execute-api host. */
  readonly host: string;
  /** Where the API's own host name must point, when it has one. */
  readonly originDnsTarget?: string;

  constructor(stack: Stack, props: IngestApiProps) {
    const { settings, storage } = props;
    this.api = new apigw.HttpApi(stack, 'Api', {
      apiName: `mandat-obert-${settings.stage}`,
      description: 'Signed ingest API (RFC 9421); reached through CloudFront at /api/*',
      createDefaultStage: false,
      // With its own host name the API is reached there only (by CloudFront); otherwise the
      // execute-api endpoint is CloudFront's way in and stays on.
      disableExecuteApiEndpoint: Boolean(settings.apiOriginDomainName),
    });
    const accessLogs = new logs.LogGroup(stack, 'ApiAccessLogs', {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      // Officials post a few updates a day; this bounds what a leaked key or a loop can cost.
      throttle: { rateLimit: 25, burstLimit: 50 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
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
    const executeApiHost = `${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
    if (settings.apiOriginDomainName && settings.apiOriginCertificateArn) {
      const originDomain = new apigw.DomainName(stack, 'ApiOriginDomain', {
        domainName: settings.apiOriginDomainName,
        certificate: acm.Certificate.fromCertificateArn(stack, 'ApiOriginCertificate', settings.apiOriginCertificateArn),
      });
      new apigw.ApiMapping(stack, 'ApiOriginMapping', { api: this.api, domainName: originDomain, stage: this.stage });
      this.originDnsTarget = originDomain.regionalDomainName;
    }
    this.host = settings.apiOriginDomainName ?? executeApiHost;

    // The public host is known up front only with a custom domain. Without one it is the
    // distribution's domain, which depends (through the API origin) on the ingest function,
    // so ingest cannot be given it without a cycle: ingest gets the API's own URL as the
    // fallback authority, and CloudFront's viewer-request function forwards the host the
    // client signed as X-Forwarded-Host, which the API checks first.
    this.ingest = new MandatFunction(stack, 'Ingest', {
      handler: 'ingest',
      description: 'Mandat Obert ingest: verifies signed updates and writes them to the table',
      // More memory is more CPU: signature checks and the transaction finish sooner.
      memorySize: 512,
      // Room for a writer's 9 s of retries on a busy commitment; well under the HTTP API's 30 s limit.
      timeout: Duration.seconds(12),
      environment: {
        ...storage.functionEnvironment,
        PUBLIC_BASE_URL: props.customBaseUrl ?? `https://${this.host}`,
        ORIGIN_SECRET: props.originSecretValue,
        SECRETS_KMS_KEY_ID: storage.secretsKey.keyArn,
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
        storage.table,
        ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        ['PLAN#*', 'PLANS', 'KEY#*', 'KEYS', 'IDEMPOTENCY#*'],
      ),
    );
    this.ingest.role.addToPrincipalPolicy(
      itemStatement(
        storage.table,
        ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
        ['PLAN#*', 'PLANS', 'KEY#*', 'KEYS', 'NONCE#*', 'IDEMPOTENCY#*'],
      ),
    );
    // Seal and open shared secrets, only ever bound to a key record (the adapter always sends
    // exactly the context {keyId}); publish has no statement on this key at all.
    this.ingest.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt'],
        resources: [storage.secretsKey.keyArn],
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
  }
}
