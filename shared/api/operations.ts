/**
 * The API's operations as data: method, path template, name and who may call it. The router
 * dispatches by it, the logs name requests by it, and the OpenAPI generator describes each
 * operation (its texts, bodies and statuses live with the generator, out of the function).
 */
export type Method = 'get' | 'put' | 'post';
export type Auth = 'none' | 'official' | 'admin' | 'key-admin';

export const OPENAPI_PATH = '/api/v1/openapi.json';

export interface Operation {
  method: Method;
  /** Path template, as in the document: /api/v1/plans/{planId} */
  path: string;
  operationId: string;
  auth: Auth;
}

/** Every operation the API answers. */
export const OPERATIONS: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/v1/plans/{planId}/commitments/{commitmentId}/updates',
    operationId: 'postUpdate',
    auth: 'official',
  },
  {
    method: 'get',
    path: '/api/v1/plans/{planId}/commitments/{commitmentId}',
    operationId: 'getCommitment',
    auth: 'none',
  },
  {
    method: 'put',
    path: '/api/v1/plans/{planId}/commitments/{commitmentId}',
    operationId: 'defineCommitment',
    auth: 'admin',
  },
  {
    method: 'get',
    path: '/api/v1/plans/{planId}/commitments',
    operationId: 'listCommitments',
    auth: 'none',
  },
  {
    method: 'post',
    path: '/api/v1/plans/{planId}/commitments',
    operationId: 'defineCommitments',
    auth: 'admin',
  },
  {
    method: 'post',
    path: '/api/v1/plans/{planId}/history',
    operationId: 'importHistory',
    auth: 'admin',
  },
  {
    method: 'get',
    path: '/api/v1/plans/{planId}',
    operationId: 'getPlan',
    auth: 'none',
  },
  {
    method: 'put',
    path: '/api/v1/plans/{planId}',
    operationId: 'definePlan',
    auth: 'admin',
  },
  {
    method: 'get',
    path: '/api/v1/plans',
    operationId: 'listPlans',
    auth: 'none',
  },
  {
    method: 'post',
    path: '/api/v1/keys',
    operationId: 'registerKey',
    auth: 'key-admin',
  },
  {
    method: 'get',
    path: '/api/v1/keys',
    operationId: 'listKeys',
    auth: 'key-admin',
  },
  {
    method: 'get',
    path: '/api/v1/keys/{keyId}',
    operationId: 'getKey',
    auth: 'key-admin',
  },
  {
    method: 'post',
    path: '/api/v1/keys/{keyId}/revoke',
    operationId: 'revokeKey',
    auth: 'key-admin',
  },
  {
    method: 'get',
    path: OPENAPI_PATH,
    operationId: 'getOpenApiDocument',
    auth: 'none',
  },
];

/** A path template as a pattern: its `{name}` segments capture, in order. */
export function pathPattern(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template.replace(/\./g, '\\.').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), names };
}

const MATCHERS = OPERATIONS.map((op) => ({ op, ...pathPattern(op.path) }));

export interface MatchedOperation {
  operationId: string;
  /** Method and path template, e.g. "POST /api/v1/plans/{planId}/commitments/{commitmentId}/updates". */
  route: string;
  /** Path parameters as sent (still percent-encoded). */
  params: Record<string, string>;
}

/** Which documented operation a request is: logs name requests by route template, not by raw path. */
export function matchOperation(method: string, path: string): MatchedOperation | undefined {
  for (const { op, names, pattern } of MATCHERS) {
    if (op.method !== method.toLowerCase()) continue;
    const match = pattern.exec(path);
    if (!match) continue;
    return {
      operationId: op.operationId,
      route: `${op.method.toUpperCase()} ${op.path}`,
      params: Object.fromEntries(names.map((name, i) => [name, match[i + 1]!])),
    };
  }
  return undefined;
}
