/** What the OpenAPI document says of each operation beyond its route: texts, bodies, headers and statuses. */
import { OPERATIONS, type Operation } from '#shared/api/operations';

interface Success {
  status: number;
  description: string;
  /** Component schema of the JSON body; none for an empty body. */
  schema?: string;
  headers?: string[];
  /** Headers sent only sometimes. */
  optionalHeaders?: string[];
}

export interface OperationDocs {
  tag: 'Updates' | 'Plans and commitments' | 'Keys' | 'Documentation';
  summary: string;
  description: string;
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

export type OperationSpec = Operation & OperationDocs;

const SIGNED_PROBLEMS = [400, 401, 403, 404, 409, 413, 415, 500, 503];

const DOCS: Record<string, OperationDocs> = {
  postUpdate: {
    tag: 'Updates',
    summary: "Post an official's signed status update",
    description:
      "Records a new status (from the plan's vocabulary), observations (Markdown) and links for one commitment, " +
      'as one transaction with the history item, and republishes the feeds. The key must be scoped to the plan ' +
      '(and, if its scope says so, to the area or commitment).',
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
  getCommitment: {
    tag: 'Plans and commitments',
    summary: "A commitment's current state",
    description: 'Public. The ETag is the commitment revision; send it back in If-Match on an update to detect concurrent changes.',
    headers: ['If-None-Match'],
    success: [
      { status: 200, description: 'The current state.', schema: 'Commitment', headers: ['ETag'] },
      { status: 304, description: 'Not modified since the ETag sent in If-None-Match.', headers: ['ETag'] },
    ],
    problems: [404, 500, 503],
  },
  defineCommitment: {
    tag: 'Plans and commitments',
    summary: 'Define a commitment (admin, idempotent)',
    description:
      'Creates the commitment, or updates its structure (number, title, priority, area). Its state (status, observations, links) ' +
      'is taken only when the commitment is new: later changes come through signed updates.',
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
  defineCommitments: {
    tag: 'Plans and commitments',
    summary: 'Define many commitments in one request (admin, idempotent, item by item)',
    description:
      'The batch form of PUT …/commitments/{commitmentId}, with its rules for each item: a new commitment takes its structure and ' +
      'initial state, an existing one only its structure, and an item that changes nothing writes nothing. Each item is checked and ' +
      'written or refused on its own; the answer (200) lists every item by index: created, changed, unchanged, or the RFC 9457 problem ' +
      'that refused it. The changed items are written in transactions of up to 96 commitments, each bumping the plan revision once; ' +
      'an item refused with 409 write-conflict was not written and may be sent again. A malformed body, more than 100 items, or a ' +
      'commitmentId sent twice refuses the whole request (400) and writes nothing.',
    requestBody: 'CommitmentBatch',
    success: [{ status: 200, description: 'Every item with its outcome or its problem.', schema: 'CommitmentBatchResult' }],
    problems: SIGNED_PROBLEMS,
  },
  importHistory: {
    tag: 'Plans and commitments',
    summary: "Import a plan's past: dated historical updates (admin, idempotent, item by item)",
    description:
      'Each update is kept in the history with its own reportedAt (the yearly history files and the status-over-time chart), marked ' +
      '`imported`, and never announced in a feed. A commitment takes the state of its newest update by date: an imported update older ' +
      "than the commitment's current state does not change it. An update's id is derived from its content (plan, commitment, " +
      'reportedAt, status, observations, links), so sending the same past again writes nothing (result unchanged). Each item is checked ' +
      'on its own (404 for an unknown commitment, 400 for a status outside the vocabulary or a date in the future); a malformed ' +
      'envelope or more than 100 items refuses the whole request.',
    requestBody: 'HistoryImport',
    success: [{ status: 200, description: 'Every item with its outcome or its problem.', schema: 'HistoryImportResult' }],
    problems: SIGNED_PROBLEMS,
  },
  listCommitments: {
    tag: 'Plans and commitments',
    summary: 'Every commitment of a plan, with its current state',
    description: 'Public.',
    success: [{ status: 200, description: 'The commitments.', schema: 'CommitmentList' }],
    problems: [404, 500, 503],
  },
  getPlan: {
    tag: 'Plans and commitments',
    summary: "A plan's metadata and status vocabulary",
    description: 'Public. The ETag is the plan revision, bumped by every change anywhere in the plan.',
    success: [{ status: 200, description: 'The plan.', schema: 'Plan', headers: ['ETag'] }],
    problems: [404, 500, 503],
  },
  definePlan: {
    tag: 'Plans and commitments',
    summary: 'Define a plan (admin, idempotent)',
    description: 'Creates the plan or updates its metadata and vocabulary. Sending the same definition again changes nothing.',
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
  listPlans: {
    tag: 'Plans and commitments',
    summary: 'The plans, a page at a time',
    description:
      'Public. Ordered by plan id, at most `limit` (default and maximum 100) per page; while there are more, the answer has ' +
      '`nextCursor`: send it back as `cursor` for the next page. Every page is one bounded read, however large the table.',
    query: ['limit', 'cursor'],
    success: [{ status: 200, description: 'One page of plans.', schema: 'PlanList' }],
    problems: [400, 500, 503],
  },
  registerKey: {
    tag: 'Keys',
    summary: 'Register a signing key (admin; a plan-scoped admin: officials within its plans)',
    description:
      "Registers an official's or admin's public key (ed25519, SPKI PEM as `mandat keygen` prints it), or makes an hmac-sha256 key " +
      'whose shared secret is in this answer only. Key ids are never reused, even after revocation.',
    requestBody: 'KeyRegistration',
    success: [{ status: 201, description: 'Registered.', schema: 'KeyRegistered', headers: ['Location'] }],
    problems: SIGNED_PROBLEMS,
  },
  listKeys: {
    tag: 'Keys',
    summary: 'The registered keys, a page at a time (admin; a plan-scoped admin sees its officials)',
    description:
      'Signed, although it has no body: the signature covers "@method" and "@path" (and "@query" with `limit` or `cursor`). ' +
      'Ordered by key id, at most `limit` (default and maximum 100) per page; `nextCursor`, while there are more, is the next `cursor`.',
    query: ['limit', 'cursor'],
    success: [{ status: 200, description: 'One page of keys, without secrets.', schema: 'KeyList' }],
    problems: SIGNED_PROBLEMS,
  },
  getKey: {
    tag: 'Keys',
    summary: 'One registered key (admin; a plan-scoped admin: its officials)',
    description: 'Signed, although it has no body.',
    success: [{ status: 200, description: 'The key, without secrets.', schema: 'Key' }],
    problems: SIGNED_PROBLEMS,
  },
  revokeKey: {
    tag: 'Keys',
    summary: 'Revoke a key (admin; a plan-scoped admin: officials within its plans)',
    description: 'From now on every request signed with the key is refused with 403 key-revoked. Revoking a revoked key changes nothing.',
    requestBody: 'RevokeRequest',
    requestBodyOptional: true,
    success: [{ status: 200, description: 'Revoked (or already revoked: changed=false).', schema: 'KeyRevoked' }],
    problems: SIGNED_PROBLEMS,
  },
  getOpenApiDocument: {
    tag: 'Documentation',
    summary: 'This document',
    description: 'Public. The same document is in the repository as docs/openapi.json.',
    success: [{ status: 200, description: 'The OpenAPI 3.1 document.', schema: 'OpenApiDocument' }],
    problems: [500],
  },
};

/** Every operation with its description; an operation without one is a build error. */
export function documentedOperations(): OperationSpec[] {
  return OPERATIONS.map((operation) => {
    const docs = DOCS[operation.operationId];
    if (!docs) throw new Error(`operation ${operation.operationId} is not described in the OpenAPI document`);
    return { ...operation, ...docs };
  });
}
