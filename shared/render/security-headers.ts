/**
 * The security headers of everything the public host serves, defined once: CloudFront's
 * response headers policies and the local front both read them, and the pages' own
 * Content-Security-Policy <meta> is the page policy below.
 */

/**
 * What the pages need and nothing more: no script at all, inline styles (the dashboard's one
 * <style> and the chart's attributes), data: images. Also in each page's <meta>, so a copy
 * saved to disk or served by someone else keeps it.
 */
export const PAGE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export interface SecurityHeaderSet {
  /** Sent as Content-Security-Policy (a header can say frame-ancestors, a <meta> cannot). */
  contentSecurityPolicy: string;
  /** Strict-Transport-Security max-age, in seconds; subdomains included, no preload list. */
  hstsMaxAgeSeconds: number;
  referrerPolicy: 'no-referrer' | 'strict-origin-when-cross-origin';
  /** X-Frame-Options, for browsers that predate frame-ancestors. */
  frameOptions: 'DENY';
  /** Access-Control-Allow-Origin: * (open data any site may fetch), or no CORS at all. */
  corsAllowAnyOrigin: boolean;
}

const ONE_YEAR = 365 * 24 * 3600;

/** Pages, feeds and files: open data, readable from any site, never framed. */
export const SITE_SECURITY_HEADERS: SecurityHeaderSet = {
  contentSecurityPolicy: `${PAGE_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`,
  hstsMaxAgeSeconds: ONE_YEAR,
  // Sites the related links point to learn which city sent the reader, not which page.
  referrerPolicy: 'strict-origin-when-cross-origin',
  frameOptions: 'DENY',
  corsAllowAnyOrigin: true,
};

/** The API answers JSON only: nothing in it may load, run or be framed. */
export const API_SECURITY_HEADERS: SecurityHeaderSet = {
  contentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  hstsMaxAgeSeconds: ONE_YEAR,
  referrerPolicy: 'no-referrer',
  frameOptions: 'DENY',
  corsAllowAnyOrigin: false,
};

/** The header fields of a set (lower-case names), as CloudFront adds them to a response. */
export function securityHeaderFields(set: SecurityHeaderSet): Record<string, string> {
  return {
    'content-security-policy': set.contentSecurityPolicy,
    'strict-transport-security': `max-age=${set.hstsMaxAgeSeconds}; includeSubDomains`,
    'x-content-type-options': 'nosniff',
    'x-frame-options': set.frameOptions,
    'referrer-policy': set.referrerPolicy,
    ...(set.corsAllowAnyOrigin ? { 'access-control-allow-origin': '*' } : {}),
  };
}

/**
 * The signing console: its own script and stylesheet only (nothing inline, so an injected
 * <script> or handler attribute never runs), and requests to its own origin only, where the
 * API and the public files are: a private key it can use cannot be made to sign for another site.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The console's pages: never framed (clickjacking a signing form), no referrer, no CORS. */
export const CONSOLE_SECURITY_HEADERS: SecurityHeaderSet = {
  contentSecurityPolicy: CONSOLE_CONTENT_SECURITY_POLICY,
  hstsMaxAgeSeconds: ONE_YEAR,
  referrerPolicy: 'no-referrer',
  frameOptions: 'DENY',
  corsAllowAnyOrigin: false,
};
