/**
 * The API's operations as data: method, path template, who may call it, and which bodies and
 * statuses it has. openapi.ts turns this into the OpenAPI document; the logs name requests by
 * it (operationId, route template). Deliberately free of zod, so the publish function's bundle
 * can use it without the schemas.
 */
export type Method = 'get' | 'put' | 'post';
export type Auth = 'none' | 'official' | 'admin' | 'key-admin';

export const OPENAPI_PATH = '/api/v1/openapi.json';

interface Success {
  status: number;
  description: string;
  /** Component schema of the JSON body; none for an empty body. */
  schema?: string;
  headers?: string[];
  /** Headers sent only sometimes. */
  optionalHeaders?: string[];
}

export interface OperationSpec {
  method: Method;
  /** Path template, as in the document: /api/v1/plans/{planId} */
  path: string;
  operationId: string;
  tag: 'Updates' | 'Plans and commitments' | 'Keys' | 'Documentation';
  summary: string;
  description: string;
  auth: Auth;
  /** Component schema of the JSON request body. */
  requestBody?: string;
  /** The body may be left out (e.g. revoke). */
  requestBodyOptional?: boolean;
  headers?: Array<'If-Match' | 'If-None-Match' | 'Idempotency-Key'>;
  /** Query parameters: `limit` and `cursor` page a list. */
  query?: Array<'limit' | 'cursor'>;
  success: Success[];
  problems: number[];
}

const SIGNED_PROBLEMS = [400, 401, 403, 404, 409, 413, 415, 500, 503];

/** Every operation the API answers. Routing lives in api.ts; a contract test checks both agree. */
export const OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/api/v1/plans/{planId}/commitments/{commitmentId}/updates',
    operationId: 'postUpdate',
    tag: 'Updates',
    summary: "Post an official's signed status update",
    description:
      "Records a new status (from the plan's vocabulary), observations (Markdown) and links for one commitment, " +
      'as one transaction with the history item, and republishes the feeds. The key must be scoped to the plan ' +
      '(and, if its scope says so, to the area or commitment).',
    auth: 'official',
    requestBody: 'UpdateRequest',
    headers: ['If-Match', 'Idempotency-Key'],
    success: [
      {
        status: 201,
        description:
          'Accepted and recorded; or, for a retry with the same Idempotency-Key, the first answer again (with Idempotent-Replayed: true).',
        schema: 'UpdateAccepted',
        headers: ['Location', 'ETag'],
        optionalHeaders: ['Idempotent-Replayed'],
      },
    ],
    problems: [...SIGNED_PROBLEMS, 412, 422],
  },
  {
    method: 'get',
    path: '/api/v1/plans/{planId}/commitments/{commitmentId}',
    operationId: 'getCommitment',
    tag: 'Plans and commitments',
    summary: "A commitment's current state",
    description: 'Public. The ETag is the commitment revision; send it back in If-Match on an update to detect concurrent changes.',
    auth: 'none',
    headers: ['If-None-Match'],
    success: [
      { status: 200, description: 'The current state.', schema: 'Commitment', headers: ['ETag'] },
      { status: 304, description: 'Not modified since the ETag sent in If-None-Match.', headers: ['ETag'] },
    ],
    problems: [404, 500, 503],
  },
  {
    method: 'put',
    path: '/api/v1/plans/{planId}/commitments/{commitmentId}',
    operationId: 'defineCommitment',
    tag: 'Plans and commitments',
    summary: 'Define a commitment (admin, idempotent)',
    description:
      'Creates the commitment, or updates its structure (number, title, priority, area). Its state (status, observations, links) ' +
      'is taken only when the commitment is new: later changes come through signed updates.',
    auth: 'admin',
    requestBody: 'CommitmentDefinition',
    success: [
      { status: 201, description: 'Created.', schema: 'CommitmentDefined', headers: ['Location', 'ETag'] },
      {
        status: 200,
        description: 'Already defined: updated, or unchanged (changed=false).',
        schema: 'CommitmentDefined',
        headers: ['Location', 'ETag'],
      },
    ],
    problems: SIGNED_PROBLEMS,
  },
  {
    method: 'get',
    path: '/api/v1/plans/{planId}/commitments',
    operationId: 'listCommitments',
    tag: 'Plans and commitments',
    summary: 'Every commitment of a plan, with its current state',
    description: 'Public.',
    auth: 'none',
    success: [{ status: 200, description: 'The commitments.', schema: 'CommitmentList' }],
    problems: [404, 500, 503],
  },
  {
    method: 'get',
    path: '/api/v1/plans/{planId}',
    operationId: 'getPlan',
    tag: 'Plans and commitments',
    summary: "A plan's metadata and status vocabulary",
    description: 'Public. The ETag is the plan revision, bumped by every change anywhere in the plan.',
    auth: 'none',
    success: [{ status: 200, description: 'The plan.', schema: 'Plan', headers: ['ETag'] }],
    problems: [404, 500, 503],
  },
  {
    method: 'put',
    path: '/api/v1/plans/{planId}',
    operationId: 'definePlan',
    tag: 'Plans and commitments',
    summary: 'Define a plan (admin, idempotent)',
    description: 'Creates the plan or updates its metadata and vocabulary. Sending the same definition again changes nothing.',
    auth: 'admin',
    requestBody: 'PlanDefinition',
    success: [
      { status: 201, description: 'Created.', schema: 'PlanDefined', headers: ['Location', 'ETag'] },
      {
        status: 200,
        description: 'Already defined: updated, or unchanged (changed=false).',
        schema: 'PlanDefined',
        headers: ['Location', 'ETag'],
      },
    ],
    problems: SIGNED_PROBLEMS,
  },
  {
    method: 'get',
    path: '/api/v1/plans',
    operationId: 'listPlans',
    tag: 'Plans and commitments',
    summary: 'The plans, a page at a time',
    description:
      'Public. Ordered by plan id, at most `limit` (default and maximum 100) per page; while there are more, the answer has ' +
      '`nextCursor`: send it back as `cursor` for the next page. Every page is one bounded read, however large the table.',
    auth: 'none',
    query: ['limit', 'cursor'],
    success: [{ status: 200, description: 'One page of plans.', schema: 'PlanList' }],
    problems: [400, 500, 503],
  },
  {
    method: 'post',
    path: '/api/v1/keys',
    operationId: 'registerKey',
    tag: 'Keys',
    summary: 'Register a signing key (admin; a plan-scoped admin: officials within its plans)',
    description:
      "Registers an official's or admin's public key (ed25519, SPKI PEM as `mandat keygen` prints it), or makes an hmac-sha256 key " +
      'whose shared secret is in this answer only. Key ids are never reused, even after revocation.',
    auth: 'key-admin',
    requestBody: 'KeyRegistration',
    success: [{ status: 201, description: 'Registered.', schema: 'KeyRegistered', headers: ['Location'] }],
    problems: SIGNED_PROBLEMS,
  },
  {
    method: 'get',
    path: '/api/v1/keys',
    operationId: 'listKeys',
    tag: 'Keys',
    summary: 'The registered keys, a page at a time (admin; a plan-scoped admin sees its officials)',
    description:
      'Signed, although it has no body: the signature covers "@method" and "@path" (and "@query" with `limit` or `cursor`). ' +
      'Ordered by key id, at most `limit` (default and maximum 100) per page; `nextCursor`, while there are more, is the next `cursor`.',
    auth: 'key-admin',
    query: ['limit', 'cursor'],
    success: [{ status: 200, description: 'One page of keys, without secrets.', schema: 'KeyList' }],
    problems: SIGNED_PROBLEMS,
  },
  {
    method: 'get',
    path: '/api/v1/keys/{keyId}',
    operationId: 'getKey',
    tag: 'Keys',
    summary: 'One registered key (admin; a plan-scoped admin: its officials)',
    description: 'Signed, although it has no body.',
    auth: 'key-admin',
    success: [{ status: 200, description: 'The key, without secrets.', schema: 'Key' }],
    problems: SIGNED_PROBLEMS,
  },
  {
    method: 'post',
    path: '/api/v1/keys/{keyId}/revoke',
    operationId: 'revokeKey',
    tag: 'Keys',
    summary: 'Revoke a key (admin; a plan-scoped admin: officials within its plans)',
    description: 'From now on every request signed with the key is refused with 403 key-revoked. Revoking a revoked key changes nothing.',
    auth: 'key-admin',
    requestBody: 'RevokeRequest',
    requestBodyOptional: true,
    success: [{ status: 200, description: 'Revoked (or already revoked: changed=false).', schema: 'KeyRevoked' }],
    problems: SIGNED_PROBLEMS,
  },
  {
    method: 'get',
    path: OPENAPI_PATH,
    operationId: 'getOpenApiDocument',
    tag: 'Documentation',
    summary: 'This document',
    description: 'Public. The same document is in the repository as docs/openapi.json.',
    auth: 'none',
    success: [{ status: 200, description: 'The OpenAPI 3.1 document.', schema: 'OpenApiDocument' }],
    problems: [500],
  },
];

const MATCHERS = OPERATIONS.map((op) => {
  const names: string[] = [];
  const source = op.path.replace(/\./g, '\\.').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { op, names, pattern: new RegExp(`^${source}$`) };
});

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
