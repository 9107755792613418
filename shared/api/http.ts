/** The API's request and response, as plain data: Lambda and the local server translate to and from these. */
export interface ApiRequest {
  method: string;
  /** Raw path as sent, e.g. /api/v1/plans/x/commitments/c4/updates */
  path: string;
  /** Raw query string without "?" ('' when none). */
  query: string;
  /** Lower-case names; repeated fields combined with ", ". */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The header CloudFront (and the local front) adds to every request it passes to the API,
 * carrying a secret only they know: X-Forwarded-Host counts only on requests that carry it.
 */
export const ORIGIN_SECRET_HEADER = 'x-origin-secret';
