/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas the handlers validate
 * with and the response schemas, so it cannot drift from the code:
 * `npm run openapi` writes it to docs/openapi.json, a test fails when that file differs from
 * this output, and the API serves it at GET /api/v1/openapi.json.
 *
 * The signing walk-through in the description is computed here by the real signer over fixed
 * inputs, and a test posts it to the API, so the example is known to verify.
 */
import { createPrivateKey } from 'node:crypto';
import { type InnerList, parseDictionary } from 'structured-headers';
import * as z from 'zod/mini';
import { MAX_BATCH_ITEMS } from '#shared/api/definitions';
import { historyItemSchema } from '#shared/api/history-handlers';
import { type Auth, OPENAPI_PATH } from '#shared/api/operations';
import { batchItemSchema } from '#shared/api/plan-handlers';
import {
  commitmentDefinitionSchema,
  httpUrlSchema,
  LIMITS,
  planDefinitionSchema,
  slugSchema,
  updateRequestSchema,
} from '#shared/domain/model';
import { PROBLEM_CONTENT_TYPE } from '#shared/domain/problem';
import { signatureBase, signRequest } from '#shared/signing/http-signature';
import { documentedOperations, type OperationSpec } from './operation-docs.ts';
import {
  commitmentBatchResultSchema,
  commitmentDefinedSchema,
  commitmentListSchema,
  commitmentSchema,
  historyImportResultSchema,
  keyIdSchema,
  keyListSchema,
  keyRecordSchema,
  keyRegisteredSchema,
  keyRegistrationSchema,
  keyRevokedSchema,
  planDefinedSchema,
  planListSchema,
  planSchema,
  problemSchema,
  updateAcceptedSchema,
} from './response-schemas.ts';

export { OPENAPI_PATH };

type Json = Record<string, unknown>;
export const JSON_MEDIA_TYPE = 'application/json';

// --- schemas -----------------------------------------------------------------------------

/** Request bodies are described as clients send them (zod input), responses as the API writes them. */
const REQUEST_SCHEMAS: Record<string, z.ZodMiniType> = {
  UpdateRequest: updateRequestSchema,
  PlanDefinition: planDefinitionSchema,
  CommitmentDefinition: commitmentDefinitionSchema,
  CommitmentBatch: z.strictObject({
    commitments: z
      .array(batchItemSchema)
      .check(
        z.minLength(1),
        z.maxLength(MAX_BATCH_ITEMS),
        z.describe('Each commitment with its id; at most 100, and the body at most 64 KiB. Each commitmentId at most once.'),
      ),
  }),
  HistoryImport: z.strictObject({
    updates: z
      .array(historyItemSchema)
      .check(
        z.minLength(1),
        z.maxLength(MAX_BATCH_ITEMS),
        z.describe('Past updates, each with its date; at most 100, and the body at most 64 KiB.'),
      ),
  }),
  KeyRegistration: keyRegistrationSchema,
  RevokeRequest: z.strictObject({}).check(z.describe('Revocation takes no parameters; a body, if sent, must be {}.')),
};

const RESPONSE_SCHEMAS: Record<string, z.ZodMiniType> = {
  Problem: problemSchema,
  UpdateAccepted: updateAcceptedSchema,
  Commitment: commitmentSchema,
  CommitmentList: commitmentListSchema,
  CommitmentDefined: commitmentDefinedSchema,
  CommitmentBatchResult: commitmentBatchResultSchema,
  HistoryImportResult: historyImportResultSchema,
  Plan: planSchema,
  PlanList: planListSchema,
  PlanDefined: planDefinedSchema,
  Key: keyRecordSchema,
  KeyList: keyListSchema,
  KeyRegistered: keyRegisteredSchema,
  KeyRevoked: keyRevokedSchema,
};

const componentRef = (name: string) => `#/components/schemas/${name}`;

function convert(schemas: Record<string, z.ZodMiniType>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: converted } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    uri: componentRef,
    unrepresentable: 'throw',
    override: ({ zodSchema, jsonSchema }) => {
      // The refinement (http or https only) has no JSON Schema form; say it with format + pattern.
      if (zodSchema === httpUrlSchema) {
        jsonSchema.format = 'uri';
        jsonSchema.pattern = '^[Hh][Tt][Tt][Pp][Ss]?://';
        jsonSchema.description =
          'An absolute http(s) URL with a host, without control characters; stored in its WHATWG serialised form (as `new URL(value).href`).';
      }
    },
  });
  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(converted)) {
    if (id === '__shared') throw new Error('a schema is shared between components without an id; register it');
    const { $schema: _dialect, $id: _id, ...rest } = schema as Json;
    out[id] = rest;
  }
  return out;
}

// --- the worked signing example ----------------------------------------------------------

/**
 * The ed25519 test key of RFC 9421 Appendix B.1.4 (its JWK form): published, so anyone can
 * reproduce the example byte for byte. It signs the example only; no deployment has it.
 */
export const RFC9421_TEST_KEY_JWK = {
  kty: 'OKP',
  crv: 'Ed25519',
  d: 'n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU',
  x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs',
} as const;

export interface SigningExample {
  keyId: string;
  baseUrl: string;
  method: string;
  path: string;
  url: string;
  /** Unix seconds of the signature's `created`. */
  created: number;
  nonce: string;
  body: string;
  /** Request headers as sent, lower-case names. */
  headers: Record<string, string>;
  signatureBase: string;
}

export function signingExample(): SigningExample {
  const baseUrl = 'https://mandat.example.org';
  const path = '/api/v1/plans/terrassa-2015-2019/commitments/c4/updates';
  const created = 1_748_772_000; // 2025-06-01T10:00:00Z
  const nonce = 'cGxhbi1tYW5kYXQtMjAyNQ';
  const body = JSON.stringify({ status: 'delayed', observations: 'La licitació del projecte s\u2019ha endarrerit.' });
  const url = `${baseUrl}${path}`;
  const headers = signRequest(
    { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
    { keyId: 'demo-official', privateKey: createPrivateKey({ key: RFC9421_TEST_KEY_JWK, format: 'jwk' }), created, nonce },
  );
  const [, input] = [...parseDictionary(headers['signature-input']!)][0]!;
  const base = signatureBase({ method: 'POST', url, headers }, input as InnerList);
  return { keyId: 'demo-official', baseUrl, method: 'POST', path, url, created, nonce, body, headers, signatureBase: base };
}

/**
 * The same steps as a shell script (openssl 3 and curl). A test runs it against the local
 * runtime, so it is known to work as printed.
 */
export function signingShellRecipe(example: SigningExample): string {
  return [
    'API=http://localhost:3000',
    `KEY=.data/keys/${example.keyId}.pem KEYID=${example.keyId}`,
    `TARGET=${example.path}`,
    `BODY='${example.body}'`,
    'DIGEST="sha-256=:$(printf \'%s\' "$BODY" | openssl dgst -sha256 -binary | openssl base64 -A):"',
    'PARAMS="(\\"@method\\" \\"@authority\\" \\"@path\\" \\"content-type\\" \\"content-digest\\");created=$(date +%s);keyid=\\"$KEYID\\";nonce=\\"$(openssl rand -hex 16)\\""',
    'printf \'"@method": POST\\n"@authority": %s\\n"@path": %s\\n"content-type": application/json\\n"content-digest": %s\\n"@signature-params": %s\' \\',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    '  "${API#*://}" "$TARGET" "$DIGEST" "$PARAMS" > base.txt',
    'SIG=$(openssl pkeyutl -sign -inkey "$KEY" -rawin -in base.txt | openssl base64 -A)',
    'curl -sS "$API$TARGET" -H \'Content-Type: application/json\' -H "Content-Digest: $DIGEST" \\',
    '  -H "Signature-Input: sig1=$PARAMS" -H "Signature: sig1=:$SIG:" --data-binary "$BODY"',
  ].join('\n');
}

/** The worked example as an HTTP message in a fenced block (the docs and the document share it). */
export function signedExampleHttp(example: SigningExample): string[] {
  const h = example.headers;
  return [
    '```http',
    `${example.method} ${example.path} HTTP/1.1`,
    `Host: ${new URL(example.baseUrl).host}`,
    `Content-Type: ${h['content-type']}`,
    `Content-Digest: ${h['content-digest']}`,
    `Signature-Input: ${h['signature-input']}`,
    `Signature: ${h['signature']}`,
    '',
    example.body,
    '```',
  ];
}

function signingDescription(example: SigningExample): string {
  const h = example.headers;
  return [
    'Every request that changes something is signed with **RFC 9421 HTTP Message Signatures** (`ed25519`, or `hmac-sha256` for keys made so) over an **RFC 9530 `Content-Digest`** of the body. Any RFC 9421 implementation works; nothing in the wire format is specific to this API.',
    '',
    'Rules:',
    '- exactly one signature (one label in `Signature-Input` and `Signature`);',
    '- covered components include `"@method"`, `"@path"`, `"@query"` when the URL has a query, and `"content-digest"` when there is a body (covering `"@authority"` and `"content-type"` too is recommended; cover `"if-match"` and `"idempotency-key"` whenever you send them);',
    '- `Content-Digest` (`sha-256` or `sha-512`) of the exact body bytes;',
    "- parameters `created` (within the server's clock skew, 300 s by default), `keyid` (the registered key id), `nonce` (unique per request: a replayed nonce is 409 `nonce-reused`), optionally `expires` and `alg` (which must match the key);",
    "- the target URI is the API's public URL (what you call), e.g. `https://mandat.example.org/api/v1/...`.",
    '',
    '### Worked example',
    '',
    `An official with key \`${example.keyId}\` (locally, \`npm start\` writes its private key to \`.data/keys/${example.keyId}.pem\`) reports commitment c4 as delayed. ` +
      'So that you can reproduce every byte, this example is signed with the published test key of RFC 9421 Appendix B.1.4 instead of your demo key (ed25519 signatures are deterministic); with your own key only the `Signature` value differs.',
    '',
    '1. The body, sent byte for byte as signed:',
    '',
    '```',
    example.body,
    '```',
    '',
    '2. Its digest: `Content-Digest: sha-256=:` base64 of SHA-256 of those bytes `:`',
    '',
    '```',
    `Content-Digest: ${h['content-digest']}`,
    '```',
    '',
    '3. The signature base (RFC 9421 section 2.5), one line per covered component, then `"@signature-params"`; lines are joined by a single `\\n`, with no newline at the end:',
    '',
    '```',
    example.signatureBase,
    '```',
    '',
    "4. Sign the base's UTF-8 bytes with the private key (ed25519) and send the request:",
    '',
    ...signedExampleHttp(example),
    '',
    'With openssl (3.x) and curl, against the local runtime with its demo key:',
    '',
    '```sh',
    signingShellRecipe(example),
    '```',
  ].join('\n');
}

// --- the document --------------------------------------------------------------------------

/** Problem responses; `headers` are always sent, `optionalHeaders` only for some of the problem types. */
const PROBLEM_RESPONSES: Record<number, { name: string; description: string; headers?: string[]; optionalHeaders?: string[] }> = {
  400: {
    name: 'BadRequest',
    description:
      'The body is not JSON (`invalid-json`), does not match the schema or the plan (`invalid-body`, with each failing field in `errors`), or a header or the query is malformed (`invalid-if-match`, `invalid-idempotency-key`, `invalid-query` with the failing parameter in `errors`).',
  },
  401: {
    name: 'Unauthorized',
    description:
      'The request is not signed, the signature does not verify with the key named by `keyid`, is stale or expired, misses a required component or parameter, or the `Content-Digest` does not match the body (`missing-signature`, `invalid-signature`, `stale-signature`, `insufficient-coverage`, `duplicate-member`, `invalid-digest`, …). An unknown key id and a wrong signature get the same answer.',
    headers: ['WWW-Authenticate'],
  },
  403: {
    name: 'Forbidden',
    description:
      'The signature is valid but the key may not do this: outside its scopes (`out-of-scope`), not an admin key (`admin-only`), revoked (`key-revoked`), or an hmac-sha256 key whose secret an earlier version stored unencrypted (`key-secret-exposed`: register a new key).',
  },
  404: {
    name: 'NotFound',
    description: 'No such plan, commitment, key or resource (`plan-not-found`, `commitment-not-found`, `not-found`, …).',
  },
  405: {
    name: 'MethodNotAllowed',
    description: 'The path exists but not with this method (`method-not-allowed`); `Allow` lists the methods it has.',
    headers: ['Allow'],
  },
  409: {
    name: 'Conflict',
    description:
      "The signature's nonce was used before (`nonce-reused`: sign again with a fresh nonce), the resource is being changed by others (`write-conflict`: retry after `Retry-After`), a request with the same Idempotency-Key is still being processed (`write-conflict`), or a key id is taken (`key-exists`).",
    optionalHeaders: ['Retry-After'],
  },
  412: {
    name: 'PreconditionFailed',
    description:
      'If-Match named a revision the commitment is no longer at (`stale-revision`); `ETag` carries the current one when it is known.',
    optionalHeaders: ['ETag'],
  },
  413: { name: 'ContentTooLarge', description: `The body is over the limit (\`body-too-large\`; ${LIMITS.bodyBytes} bytes by default).` },
  415: {
    name: 'UnsupportedMediaType',
    description: 'The body is not sent as `Content-Type: application/json` (`unsupported-media-type`).',
    headers: ['Accept-Post'],
  },
  422: {
    name: 'UnprocessableContent',
    description: 'The Idempotency-Key was already used for a different request (`idempotency-key-reused`): use a new key for a new update.',
  },
  500: { name: 'InternalError', description: 'An unexpected failure (`internal-error`); nothing was written. Logged with the request id.' },
  503: {
    name: 'ServiceUnavailable',
    description:
      'The table is throttled or cannot be reached (`service-unavailable`). Retry after `Retry-After` seconds, signed again with a fresh nonce.',
    headers: ['Retry-After'],
  },
};

const RESPONSE_HEADERS: Record<string, Json> = {
  ETag: { description: 'The revision as an entity tag, e.g. "7".', schema: { type: 'string', pattern: '^"\\d+"$' } },
  Location: { description: 'Path of the resource.', schema: { type: 'string', pattern: '^/api/v1/' } },
  'WWW-Authenticate': { description: 'Always `Signature`: sign with RFC 9421.', schema: { type: 'string', const: 'Signature' } },
  Allow: { description: 'The methods the path has.', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string', pattern: '^\\d+$' } },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key: nothing new was written.',
    schema: { type: 'string', const: 'true' },
  },
  'Accept-Post': { description: 'The media type the API accepts.', schema: { type: 'string', const: 'application/json' } },
};

/** A Header Object: the shared description and schema, and whether this response always has it. */
const headerRef = (name: string, required: boolean): Json => ({ ...RESPONSE_HEADERS[name]!, required });

const headerParameterName = (header: string) => header.replace(/-/g, '');

function requestHeaderParameters(example: SigningExample): Record<string, Json> {
  const h = example.headers;
  return {
    SignatureInput: {
      name: 'Signature-Input',
      in: 'header',
      required: true,
      description:
        'RFC 9421 signature metadata: one label, the covered components and the parameters created, keyid, nonce (and optionally expires, alg).',
      schema: { type: 'string', minLength: 1, maxLength: 4096 },
      example: h['signature-input'],
    },
    Signature: {
      name: 'Signature',
      in: 'header',
      required: true,
      description: 'RFC 9421 signature: the same label, the signature bytes as a structured-field byte sequence (:base64:).',
      schema: { type: 'string', minLength: 1, maxLength: 4096 },
      example: h['signature'],
    },
    ContentDigest: {
      name: 'Content-Digest',
      in: 'header',
      required: false,
      description:
        'RFC 9530 digest of the exact body bytes (sha-256 or sha-512). Required, and covered by the signature, whenever there is a body.',
      schema: { type: 'string', minLength: 1, maxLength: 1024 },
      example: h['content-digest'],
    },
    ContentDigestRequired: {
      name: 'Content-Digest',
      in: 'header',
      required: true,
      description: 'RFC 9530 digest of the exact body bytes (sha-256 or sha-512), covered by the signature.',
      schema: { type: 'string', minLength: 1, maxLength: 1024 },
      example: h['content-digest'],
    },
    IfMatch: {
      name: 'If-Match',
      in: 'header',
      required: false,
      description:
        'Apply only if the commitment is still at this revision (its ETag, e.g. "7"); else 412. Cover it with the signature when you send it.',
      schema: { type: 'string', pattern: '^\\s*(W/)?"\\d+"\\s*$' },
    },
    IfNoneMatch: {
      name: 'If-None-Match',
      in: 'header',
      required: false,
      description: 'The ETag you have; 304 when it is still current.',
      schema: { type: 'string' },
    },
    Limit: {
      name: 'limit',
      in: 'query',
      required: false,
      description: `Items per page, from 1 to ${LIMITS.pageSize} (the default).`,
      schema: { type: 'integer', minimum: 1, maximum: LIMITS.pageSize, default: LIMITS.pageSize },
    },
    Cursor: {
      name: 'cursor',
      in: 'query',
      required: false,
      description: 'Where the page starts: the `nextCursor` of the page before (opaque). Without it, the first page.',
      schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,200}$' },
    },
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Optional: a key you choose for this update, as a structured-field string (quoted), e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324". ' +
        'Retrying the same request with the same key (signed again, with a fresh nonce) gets the first 201 answer back, marked Idempotent-Replayed: true, ' +
        'instead of recording the update twice; the same key with a different request is 422 idempotency-key-reused. ' +
        'When you send it, the signature must cover "idempotency-key" (else 401 insufficient-coverage).',
      schema: { type: 'string', minLength: 3, maxLength: 512 },
      example: '"8e03978e-40d5-43e8-bc93-6894a57f9324"',
    },
  };
}

function pathParameters(path: string): Json[] {
  const schemas: Record<string, z.ZodMiniType> = { planId: slugSchema, commitmentId: slugSchema, keyId: keyIdSchema };
  const descriptions: Record<string, string> = {
    planId: 'The plan, e.g. terrassa-2015-2019.',
    commitmentId: 'The commitment within the plan, e.g. c4.',
    keyId: "The key id, as in a signature's keyid.",
  };
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const { $schema: _dialect, ...schema } = z.toJSONSchema(schemas[name!]!) as Json;
    return { name, in: 'path', required: true, description: descriptions[name!], schema };
  });
}

const AUTH_NOTE: Record<Auth, string> = {
  none: '',
  official: "\n\nSigned: a key whose scopes cover the commitment (an official's, or an admin's).",
  admin: '\n\nSigned: an admin key (an admin with scopes only for its plans).',
  'key-admin': '\n\nSigned: an admin key without scopes.',
};

function operationObject(op: OperationSpec): Json {
  const parameters: Json[] = [...pathParameters(op.path)];
  const ref = (name: string) => ({ $ref: `#/components/parameters/${name}` });
  if (op.auth !== 'none') {
    parameters.push(ref('SignatureInput'), ref('Signature'));
    parameters.push(ref(op.requestBody && !op.requestBodyOptional ? 'ContentDigestRequired' : 'ContentDigest'));
  }
  for (const header of op.headers ?? []) parameters.push(ref(headerParameterName(header)));
  for (const name of op.query ?? []) parameters.push(ref(name === 'limit' ? 'Limit' : 'Cursor'));

  const responses: Json = {};
  for (const success of op.success) {
    const response: Json = { description: success.description };
    const described = [
      ...(success.headers ?? []).map((h) => [h, headerRef(h, true)]),
      ...(success.optionalHeaders ?? []).map((h) => [h, headerRef(h, false)]),
    ];
    if (described.length > 0) response.headers = Object.fromEntries(described);
    if (success.schema) response.content = { [JSON_MEDIA_TYPE]: { schema: { $ref: componentRef(success.schema) } } };
    responses[String(success.status)] = response;
  }
  for (const status of [...op.problems].sort((a, b) => a - b)) {
    responses[String(status)] = { $ref: `#/components/responses/${PROBLEM_RESPONSES[status]!.name}` };
  }

  const operation: Json = {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: op.description + AUTH_NOTE[op.auth],
    parameters,
    responses,
    security: op.auth === 'none' ? [] : [{ httpMessageSignature: [] }],
  };
  if (op.requestBody) {
    const content: Json = { schema: { $ref: componentRef(op.requestBody) } };
    if (op.operationId === 'postUpdate') content.example = JSON.parse(signingExample().body);
    operation.requestBody = { required: !op.requestBodyOptional, content: { [JSON_MEDIA_TYPE]: content } };
  }
  return operation;
}

export function buildOpenApiDocument(): Json {
  const example = signingExample();
  const paths: Record<string, Json> = {};
  for (const op of documentedOperations()) paths[op.path] = { ...paths[op.path], [op.method]: operationObject(op) };

  const responses: Record<string, Json> = {};
  for (const { name, description, headers = [], optionalHeaders = [] } of Object.values(PROBLEM_RESPONSES)) {
    const described = [...headers.map((h) => [h, headerRef(h, true)]), ...optionalHeaders.map((h) => [h, headerRef(h, false)])];
    responses[name] = {
      description,
      ...(described.length > 0 ? { headers: Object.fromEntries(described) } : {}),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: componentRef('Problem') } } },
    };
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Mandat Obert API',
      version: '1.0.0',
      summary: "Signed status updates of a city's mandate plan, and the plan's current state.",
      description: [
        'Officials post signed status updates for the commitments of a mandate plan; admins define plans, commitments and keys. ',
        'Reading is public. Every accepted change is republished within seconds as open data (CSV, JSON, RSS, …) under `/plans/{planId}/`.',
        '',
        'Paths are relative to the deployment (locally `http://localhost:3000`). Bodies are JSON (`application/json`, at most ' +
          `${LIMITS.bodyBytes} bytes). Every rejection is an RFC 9457 problem (\`${PROBLEM_CONTENT_TYPE}\`) whose \`type\` says what went wrong; ` +
          'invalid bodies list each failing field in `errors`. Bad input never causes a 5xx, and a rejected request writes nothing. ' +
          'A method a path does not have is answered 405 with `Allow` (components/responses/MethodNotAllowed).',
        '',
        '## Signing requests',
        '',
        signingDescription(example),
      ].join('\n'),
      license: { name: 'EUPL-1.2', identifier: 'EUPL-1.2' },
    },
    tags: [
      { name: 'Updates', description: "Officials' signed status updates." },
      { name: 'Plans and commitments', description: 'Reading state (public) and defining plans and commitments (admin).' },
      { name: 'Keys', description: 'Registering and revoking signing keys (admin).' },
      { name: 'Documentation', description: 'This document.' },
    ],
    paths,
    components: {
      schemas: {
        ...convert(REQUEST_SCHEMAS, 'input'),
        ...convert(RESPONSE_SCHEMAS, 'output'),
        OpenApiDocument: {
          type: 'object',
          description: 'An OpenAPI 3.1 document.',
          properties: { openapi: { type: 'string', pattern: '^3\\.1\\.' }, info: { type: 'object' }, paths: { type: 'object' } },
          required: ['openapi', 'info', 'paths'],
        },
      },
      responses,
      parameters: requestHeaderParameters(example),
      headers: RESPONSE_HEADERS,
      securitySchemes: {
        httpMessageSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Signature',
          description:
            'RFC 9421 HTTP Message Signature with `Signature-Input`, `Signature` and an RFC 9530 `Content-Digest` (OpenAPI has no scheme of its own for it). See "Signing requests" in the description.',
        },
      },
    },
  };
}

let cached: string | undefined;

/** The document as served and committed: 2-space JSON with a final newline. */
export function openApiJson(): string {
  cached ??= `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
  return cached;
}
