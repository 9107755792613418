/**
 * The public edge's per-client rate limit: an AWS WAF web ACL for CloudFront (scope CLOUDFRONT,
 * which AWS accepts only in us-east-1) with two rate-based rules keyed on the client's IP
 * address. The HTTP API stage throttle behind it is a single bucket for everyone; this stops
 * one client from using it all up, and bounds what one client's loop costs on the feeds.
 */
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Requests per client IP in a five-minute window before WAF answers 429 (until the rate falls). */
export const EDGE_RATE_LIMITS = {
  /** Officials post a few updates a day; an import or a script stays far below 1 request/s. */
  api: 300,
  /** A harvester fetching every file of a plan, or a reader with many feeds, stays below 10/s. */
  site: 3000,
  windowSeconds: 300,
} as const;

const TOO_MANY_REQUESTS = 'too-many-requests';

export interface EdgeFirewallProps {
  stage: string;
}

export class EdgeFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeFirewallProps) {
    super(scope, id);
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName: `mandat-obert-${props.stage}-${name}`,
      sampledRequestsEnabled: true,
    });
    const block = {
      block: { customResponse: { responseCode: 429, customResponseBodyKey: TOO_MANY_REQUESTS } },
    };
    const rateRule = (name: string, priority: number, limit: number, scopeDown?: wafv2.CfnWebACL.StatementProperty) => ({
      name,
      priority,
      action: block,
      statement: {
        rateBasedStatement: {
          limit,
          evaluationWindowSec: EDGE_RATE_LIMITS.windowSeconds,
          aggregateKeyType: 'IP',
          scopeDownStatement: scopeDown,
        },
      },
      visibilityConfig: metric(name),
    });
    const apiPaths: wafv2.CfnWebACL.StatementProperty = {
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'STARTS_WITH',
        searchString: '/api/',
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    };
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `mandat-obert-${props.stage}`,
      description: `Mandat Obert ${props.stage}: per-client rate limits on the public host`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: metric('web-acl'),
      customResponseBodies: {
        [TOO_MANY_REQUESTS]: {
          contentType: 'APPLICATION_JSON',
          // The API's problem shape (RFC 9457), so clients handle it like the API's own 429s.
          content: JSON.stringify({
            type: 'about:blank',
            title: 'Too Many Requests',
            status: 429,
            detail: 'too many requests from this address; wait a few minutes',
          }),
        },
      },
      rules: [rateRule('api-rate-per-ip', 0, EDGE_RATE_LIMITS.api, apiPaths), rateRule('site-rate-per-ip', 1, EDGE_RATE_LIMITS.site)],
    });
  }

  get webAclArn(): string {
    return this.webAcl.attrArn;
  }
}
