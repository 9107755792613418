/**
 * The deployment's settings, from CDK context (`-c stage=prod`) or MANDAT_* variables, checked
 * before anything is synthesized so a typo fails with a sentence rather than a broken stack.
 */
import * as logs from 'aws-cdk-lib/aws-logs';

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
  /** WebSub hubs the feeds advertise and the publisher pings (the publish function's WEBSUB_HUBS); none = off. */
  websubHubs?: string[];
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
    apiOriginDomainName,
    apiOriginCertificateArn,
    waf,
    originSecretGeneration,
    alarmEmail,
    ingestReservedConcurrency,
    logRetention: logRetention as logs.RetentionDays,
    ...(websubHubs.length > 0 ? { websubHubs } : {}),
  };
}

export const stackName = (stage: string) => `MandatObert-${stage}`;
