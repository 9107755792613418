/**
 * RFC 9457 problem details. Every rejection the API makes is one of these, so a client
 * can branch on `type` and show `detail` to a person.
 */
export interface FieldError {
  /** JSON pointer-ish path of the failing field, e.g. "links/0/url". */
  path: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://mandat-obert.github.io/problems/';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class Problem extends Error {
  readonly status: number;
  readonly slug: string;
  readonly errors?: FieldError[];
  readonly headers: Record<string, string>;

  constructor(status: number, slug: string, detail: string, options: { errors?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = 'Problem';
    this.status = status;
    this.slug = slug;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  toBody(instance?: string): ProblemBody {
    const body: ProblemBody = {
      type: TYPE_BASE + this.slug,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
    };
    if (instance) body.instance = instance;
    if (this.errors?.length) body.errors = this.errors;
    return body;
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
