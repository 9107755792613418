/**
 * The public edge of the synthesized stack: the WAF web ACL with per-client rate limits (and
 * where it lives, since CloudFront takes web ACLs from us-east-1 only), the origin secret that
 * lets ingest believe X-Forwarded-Host, the HTTP API's execute-api endpoint turned off when the
 * API has its own host name, and the response headers policies built from the shared header
 * sets the local front sends too. cdk-nag runs on every configuration.
 */
import type { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app';
import { EDGE_RATE_LIMITS } from '#infra/constructs/edge-firewall';
import type { MandatStack } from '#infra/stack';
import { ORIGIN_SECRET_HEADER } from '#shared/api/http';
import {
  API_SECURITY_HEADERS,
  CONSOLE_CONTENT_SECURITY_POLICY,
  PAGE_CONTENT_SECURITY_POLICY,
  SITE_SECURITY_HEADERS,
} from '#shared/render/security-headers';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const REGIONAL_CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/1a1b2c3d-4e5f-6789-abcd-ef0123456789';
type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

interface Synthesized {
  app: App;
  stack: MandatStack;
  edge?: Stack;
  resources: Resources;
  template: Template;
  edgeResources?: Resources;
}

function synthesize(context: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): Synthesized {
  const { app, stack, edge } = buildApp({ context: { ...SKIP_BUNDLING, ...context } }, env);
  const assembly = app.synth();
  const json = assembly.getStackByName(stack.stackName).template;
  return {
    app,
    stack,
    edge,
    resources: json.Resources,
    template: Template.fromJSON(json),
    edgeResources: edge ? assembly.getStackByName(edge.stackName).template.Resources : undefined,
  };
}

const logicalId = (stack: Stack, construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const distributionConfig = (s: Synthesized) => s.resources[logicalId(s.stack, s.stack.distribution)]!.Properties!.DistributionConfig;
const nagFindings = (app: App) =>
  new AwsSolutionsChecks()
    .validateScope(app)
    .violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

const agnostic = synthesize();
const inEurope = synthesize({}, { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' });
const inVirginia = synthesize({}, { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'us-east-1' });
const withoutWaf = synthesize({ waf: 'false' }, { CDK_DEFAULT_REGION: 'eu-west-1' });
const withApiOrigin = synthesize(
  {
    domainName: 'dades.example.cat',
    certificateArn: CERTIFICATE_ARN,
    apiOriginDomainName: 'api-origin.dades.example.cat',
    apiOriginCertificateArn: REGIONAL_CERTIFICATE_ARN,
  },
  { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' },
);

describe('WAF: per-client rate limits on the CloudFront distribution', () => {
  const webAcl = (resources: Resources) => {
    const acls = ofType(resources, 'AWS::WAFv2::WebACL');
    expect(acls).toHaveLength(1);
    return acls[0]![1].Properties!;
  };

  it('blocks a client IP over its rate with a 429 problem: /api/* tightly, everything else loosely', () => {
    const acl = webAcl(agnostic.resources);
    expect(acl).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    const [api, site] = acl.Rules;
    expect(api).toMatchObject({
      Name: 'api-rate-per-ip',
      Priority: 0,
      Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'too-many-requests' } } },
      Statement: {
        RateBasedStatement: {
          Limit: EDGE_RATE_LIMITS.api,
          EvaluationWindowSec: 300,
          AggregateKeyType: 'IP',
          ScopeDownStatement: {
            ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'STARTS_WITH', SearchString: '/api/' },
          },
        },
      },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true },
    });
    expect(site).toMatchObject({
      Name: 'site-rate-per-ip',
      Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
      Statement: { RateBasedStatement: { Limit: EDGE_RATE_LIMITS.site, AggregateKeyType: 'IP' } },
    });
    expect(site.Statement.RateBasedStatement.ScopeDownStatement).toBeUndefined();
    expect(EDGE_RATE_LIMITS.api).toBeLessThan(EDGE_RATE_LIMITS.site);
    const body = acl.CustomResponseBodies['too-many-requests'];
    expect(body.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body.Content)).toMatchObject({ status: 429, title: 'Too Many Requests' });
  });

  it('region-agnostic: the ACL is in the stack, on the distribution, and the template refuses any region but us-east-1', () => {
    const [aclId] = ofType(agnostic.resources, 'AWS::WAFv2::WebACL')[0]!;
    expect(distributionConfig(agnostic).WebACLId).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(agnostic.edge).toBeUndefined();
    const rules = agnostic.template.toJSON().Rules as Record<string, any>;
    expect(rules.WebAclNeedsUsEast1.Assertions[0].Assert).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] });
  });

  it('in us-east-1: the ACL is in the stack itself, with no region rule', () => {
    expect(inVirginia.edge).toBeUndefined();
    const [aclId] = ofType(inVirginia.resources, 'AWS::WAFv2::WebACL')[0]!;
    expect(distributionConfig(inVirginia).WebACLId).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(inVirginia.template.toJSON().Rules?.WebAclNeedsUsEast1).toBeUndefined();
  });

  it('in another region: the ACL is in a us-east-1 stack, and reaches the distribution through a cross-region reference', () => {
    expect(inEurope.edge?.region).toBe('us-east-1');
    expect(inEurope.edge?.stackName).toBe('MandatObert-prod-edge');
    expect(ofType(inEurope.resources, 'AWS::WAFv2::WebACL')).toHaveLength(0);
    const [aclId] = ofType(inEurope.edgeResources!, 'AWS::WAFv2::WebACL')[0]!;
    expect(webAcl(inEurope.edgeResources!).Scope).toBe('CLOUDFRONT');
    const webAclId = distributionConfig(inEurope).WebACLId as { 'Fn::GetAtt': [string, string] };
    expect(inEurope.resources[webAclId['Fn::GetAtt'][0]]!.Type).toBe('Custom::CrossRegionExportReader');
    expect(webAclId['Fn::GetAtt'][1]).toContain(aclId);
    expect(inEurope.stack.dependencies).toContain(inEurope.edge);
  });

  it('-c waf=false leaves it out, and the missing WAF is acknowledged for cdk-nag with a reason', () => {
    expect(ofType(withoutWaf.resources, 'AWS::WAFv2::WebACL')).toHaveLength(0);
    expect(withoutWaf.edge).toBeUndefined();
    expect(distributionConfig(withoutWaf).WebACLId).toBeUndefined();
    expect(JSON.stringify(withoutWaf.stack.distribution.node.metadata)).toContain('AwsSolutions-CFR2');
    expect(JSON.stringify(agnostic.stack.distribution.node.metadata)).not.toContain('AwsSolutions-CFR2');
  });

  it('refuses a waf setting that is not true or false', () => {
    expect(() => synthesize({ waf: 'maybe' })).toThrow(/waf must be true or false/);
  });
});

describe('origin secret: only CloudFront can vouch for X-Forwarded-Host', () => {
  it('is generated by Secrets Manager and resolved into both the API origin header and ingest', () => {
    for (const s of [agnostic, inEurope, withApiOrigin]) {
      const secret = logicalId(s.stack, s.stack.originSecret);
      expect(s.resources[secret]).toMatchObject({
        Type: 'AWS::SecretsManager::Secret',
        Properties: { GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true } },
      });
      const reference = { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secret }, ':SecretString:::}}']] };
      const apiOrigin = distributionConfig(s).Origins.find((o: any) => o.CustomOriginConfig);
      expect(apiOrigin.OriginCustomHeaders).toEqual([{ HeaderName: ORIGIN_SECRET_HEADER, HeaderValue: reference }]);
      const ingest = s.resources[logicalId(s.stack, s.stack.ingest.fn)]!.Properties!;
      expect(ingest.Environment.Variables.ORIGIN_SECRET).toEqual(reference);
      // A client's own copy of the header is dropped at the edge as well.
      const [, fn] = ofType(s.resources, 'AWS::CloudFront::Function').find(([, r]) =>
        String(r.Properties!.FunctionCode).includes('x-forwarded-host'),
      )!;
      const handler = new Function(`${fn.Properties!.FunctionCode}\nreturn handler;`)() as (event: unknown) => any;
      const forwarded = handler({
        request: { uri: '/api/v1/plans', headers: { host: { value: 'dades.example.cat' }, [ORIGIN_SECRET_HEADER]: { value: 'guess' } } },
      });
      expect(forwarded.headers[ORIGIN_SECRET_HEADER]).toBeUndefined();
      expect(forwarded.headers['x-forwarded-host']).toEqual({ value: 'dades.example.cat' });
      // The value itself is never in the template.
      expect(JSON.stringify(s.template.toJSON())).not.toMatch(/"HeaderValue":"[A-Za-z0-9]{48}"/);
    }
  });

  it('is rotated by raising originSecretGeneration: a new secret, and both its users move to it', () => {
    const rotated = synthesize({ originSecretGeneration: 2 });
    const before = logicalId(agnostic.stack, agnostic.stack.originSecret);
    const after = logicalId(rotated.stack, rotated.stack.originSecret);
    expect(after).not.toBe(before);
    expect(rotated.resources[before]).toBeUndefined();
    const apiOrigin = distributionConfig(rotated).Origins.find((o: any) => o.CustomOriginConfig);
    expect(JSON.stringify(apiOrigin.OriginCustomHeaders)).toContain(`{"Ref":"${after}"}`);
    const ingest = rotated.resources[logicalId(rotated.stack, rotated.stack.ingest.fn)]!.Properties!;
    expect(JSON.stringify(ingest.Environment.Variables.ORIGIN_SECRET)).toContain(`{"Ref":"${after}"}`);
    expect(() => synthesize({ originSecretGeneration: 0 })).toThrow(/originSecretGeneration/);
  });
});

describe('HTTP API endpoint', () => {
  const api = (s: Synthesized) => s.resources[logicalId(s.stack, s.stack.api)]!.Properties!;

  it('with its own host name: the execute-api endpoint is disabled and CloudFront reaches the API on that name', () => {
    expect(api(withApiOrigin).DisableExecuteApiEndpoint).toBe(true);
    withApiOrigin.template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api-origin.dades.example.cat',
      DomainNameConfigurations: [{ CertificateArn: REGIONAL_CERTIFICATE_ARN, EndpointType: 'REGIONAL' }],
    });
    withApiOrigin.template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: { Ref: logicalId(withApiOrigin.stack, withApiOrigin.stack.api) },
      Stage: '$default',
    });
    const apiOrigin = distributionConfig(withApiOrigin).Origins.find((o: any) => o.CustomOriginConfig);
    expect(apiOrigin.DomainName).toBe('api-origin.dades.example.cat');
    expect(withApiOrigin.template.toJSON().Outputs.ApiOriginDnsTarget).toBeDefined();
  });

  it('without one: the endpoint stays on, as CloudFront’s way in', () => {
    expect(api(agnostic).DisableExecuteApiEndpoint).toBe(false);
    expect(agnostic.template.findResources('AWS::ApiGatewayV2::DomainName')).toEqual({});
  });

  it.each([
    [{ apiOriginDomainName: 'api.example.cat' }, /go together/],
    [{ apiOriginDomainName: 'api.example.cat', apiOriginCertificateArn: REGIONAL_CERTIFICATE_ARN }, /needs domainName/],
    [
      {
        domainName: 'dades.example.cat',
        certificateArn: CERTIFICATE_ARN,
        apiOriginDomainName: 'dades.example.cat',
        apiOriginCertificateArn: REGIONAL_CERTIFICATE_ARN,
      },
      /must differ/,
    ],
    [
      { domainName: 'dades.example.cat', certificateArn: CERTIFICATE_ARN, apiOriginDomainName: 'x', apiOriginCertificateArn: 'nope' },
      /host name/,
    ],
  ])('refuses %j', (context, message) => {
    expect(() => synthesize(context)).toThrow(message);
  });
});

describe('response headers policies', () => {
  const policies = (s: Synthesized) => ({
    site: s.resources[logicalId(s.stack, s.stack.siteHeaders)]!.Properties!.ResponseHeadersPolicyConfig,
    api: s.resources[logicalId(s.stack, s.stack.apiHeaders)]!.Properties!.ResponseHeadersPolicyConfig,
  });

  it('put the shared site set on the feeds and pages: CSP, nosniff, HSTS, referrer policy, no framing, open CORS', () => {
    const { site } = policies(agnostic);
    expect(site.SecurityHeadersConfig).toEqual({
      ContentSecurityPolicy: { ContentSecurityPolicy: SITE_SECURITY_HEADERS.contentSecurityPolicy, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true, Override: true },
    });
    expect(site.CorsConfig).toMatchObject({ AccessControlAllowOrigins: { Items: ['*'] }, AccessControlAllowCredentials: false });
    // The header says what the pages' <meta> says, and what a <meta> cannot: frame-ancestors.
    expect(SITE_SECURITY_HEADERS.contentSecurityPolicy).toBe(`${PAGE_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
    expect(distributionConfig(agnostic).DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({
      Ref: logicalId(agnostic.stack, agnostic.stack.siteHeaders),
    });
  });

  it('put the shared API set on /api/*, without CORS', () => {
    const { api } = policies(agnostic);
    expect(api.SecurityHeadersConfig).toMatchObject({
      ContentSecurityPolicy: { ContentSecurityPolicy: API_SECURITY_HEADERS.contentSecurityPolicy, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true, Override: true },
    });
    expect(api.CorsConfig).toBeUndefined();
    const [apiBehaviour] = distributionConfig(agnostic).CacheBehaviors;
    expect(apiBehaviour.PathPattern).toBe('/api/*');
    expect(apiBehaviour.ResponseHeadersPolicyId).toEqual({ Ref: logicalId(agnostic.stack, agnostic.stack.apiHeaders) });
  });

  it('put the console set on /console/*: its own script only, requests to this host only, never framed', () => {
    const consoleBehaviour = distributionConfig(agnostic).CacheBehaviors.find(
      (b: { PathPattern: string }) => b.PathPattern === '/console/*',
    );
    expect(consoleBehaviour.ResponseHeadersPolicyId).toEqual({ Ref: logicalId(agnostic.stack, agnostic.stack.consoleHeaders) });
    const policies = agnostic.template.findResources('AWS::CloudFront::ResponseHeadersPolicy');
    const config = policies[logicalId(agnostic.stack, agnostic.stack.consoleHeaders)]!.Properties.ResponseHeadersPolicyConfig;
    expect(config.SecurityHeadersConfig.ContentSecurityPolicy).toEqual({
      ContentSecurityPolicy: CONSOLE_CONTENT_SECURITY_POLICY,
      Override: true,
    });
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toMatch(/script-src 'self';/);
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toMatch(/connect-src 'self';/);
    expect(CONSOLE_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(config.CorsConfig).toBeUndefined();
  });
});

describe('cdk-nag (AWS Solutions) on every edge configuration', () => {
  it.each([
    ['region-agnostic', agnostic],
    ['eu-west-1 with the us-east-1 edge stack', inEurope],
    ['us-east-1', inVirginia],
    ['without WAF', withoutWaf],
    ['with the API on its own host name', withApiOrigin],
  ])('%s: nothing unacknowledged', (_, s) => {
    expect(nagFindings(s.app)).toEqual([]);
  });
});
