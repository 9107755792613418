/**
 * Zod schemas of what the API answers: the request schemas live in the model (the handlers
 * validate with them); these describe the responses so the OpenAPI document is
 * generated from code, and the type assertions at the bottom make `tsc` fail when a response
 * type in the model drifts from its schema.
 */
import * as z from 'zod/mini';
import {
  type Commitment,
  commitmentDefinitionSchema,
  keyAlgorithmSchema,
  keyIdSchema,
  keyRegistrationSchema,
  linkSchema,
  type Plan,
  planDefinitionSchema,
  prioritySchema,
  roleSchema,
  type SigningKey,
  scopeSchema,
  slugSchema,
  statusCodeSchema,
  statusDefinitionSchema,
} from '#shared/domain/model';
import type { ProblemBody } from '#shared/domain/problem';

const timestamp = z.iso.datetime({ offset: true });
const revision = z.int().check(z.minimum(1));

/** A copy of `schema` that the OpenAPI document describes so (the shared schema stays undescribed). */
const described = <T extends z.ZodMiniType>(schema: T, description: string): T => schema.check(z.describe(description));

export const fieldErrorSchema = z.strictObject({
  path: described(z.string(), 'Path of the failing field, segments joined by "/" (e.g. "links/0/url"); "/" for the body as a whole.'),
  message: z.string(),
});

/** RFC 9457 problem details, as every rejection is answered. */
export const problemSchema = z.strictObject({
  type: described(
    z.url(),
    'Identifies the kind of problem; branch on this, e.g. https://mandat-obert.github.io/problems/invalid-signature',
  ),
  title: described(z.string(), 'The HTTP status phrase.'),
  status: z.int().check(z.minimum(400), z.maximum(599)),
  detail: described(z.string().check(z.minLength(1)), 'What went wrong, for a person to read.'),
  instance: described(z.optional(z.string()), 'The request path.'),
  errors: described(
    z.optional(z.array(fieldErrorSchema).check(z.minLength(1))),
    'Each failing field of an invalid body (400 invalid-body).',
  ),
});

/** A commitment's current state. */
export const commitmentSchema = z.extend(commitmentDefinitionSchema, {
  planId: slugSchema,
  commitmentId: slugSchema,
  priority: prioritySchema,
  areaSlug: slugSchema,
  status: statusCodeSchema,
  observations: described(z.string(), 'Markdown, as the official wrote it.'),
  links: z.array(linkSchema),
  revision: described(revision, 'Bumped by every change of this commitment; its ETag is "<revision>".'),
  reportedAt: described(timestamp, 'When the current status was reported.'),
  updatedAt: timestamp,
  definedAt: described(z.optional(timestamp), 'When its definition (number, title, priority, area) last changed; updates leave it alone.'),
  lastUpdateId: described(z.optional(z.uuid()), 'The update that produced the current state, if any.'),
  planRevision: described(z.optional(revision), "The plan's revision when this commitment last changed."),
  previousAreaSlug: described(z.optional(slugSchema), 'The area it left, when its last change moved it to another.'),
});

export const planSchema = z.extend(planDefinitionSchema, {
  planId: slugSchema,
  statuses: described(z.array(statusDefinitionSchema).check(z.minLength(1)), "The plan's status vocabulary."),
  revision: described(revision, 'Bumped by every change anywhere in the plan.'),
  metadataRevision: described(z.optional(revision), "The plan's revision when its own definition last changed."),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const planListSchema = z.strictObject({
  plans: z.array(z.strictObject({ planId: slugSchema, title: z.string(), municipality: z.string(), revision })),
  nextCursor: described(z.optional(z.string()), 'Present while more plans follow: send it back as `cursor` for the next page.'),
});

export const commitmentListSchema = z.strictObject({
  planId: slugSchema,
  revision: described(revision, "The plan's revision when the list was read."),
  commitments: z.array(commitmentSchema),
});

export const updateAcceptedSchema = z.strictObject({
  updateId: described(z.uuid(), 'Stable id of the update: the guid of its feed items.'),
  revision: described(revision, "The commitment's new revision."),
  commitment: commitmentSchema,
});

export const planDefinedSchema = z.strictObject({
  changed: described(z.boolean(), 'false when the definition was already exactly this (nothing written).'),
  plan: planSchema,
});

export const commitmentDefinedSchema = z.strictObject({
  changed: described(z.boolean(), 'false when the definition was already exactly this (nothing written).'),
  commitment: commitmentSchema,
});

/** One item's answer in a batch: its outcome, or the RFC 9457 problem that refused it. */
const batchItemResult = <T extends z.ZodMiniType>(outcome: T, extra: Record<string, z.ZodMiniType> = {}) =>
  z.strictObject({
    index: described(z.int().check(z.minimum(0)), 'The position of the item in the request.'),
    commitmentId: z.optional(slugSchema),
    result: described(z.optional(outcome), 'What happened to the item; absent when it was refused.'),
    problem: described(
      z.optional(problemSchema),
      'Why the item was refused (nothing of it written): 400 invalid-body, 404 commitment-not-found, 409 write-conflict (send it again).',
    ),
    ...extra,
  });

export const commitmentBatchResultSchema = z.strictObject({
  planId: slugSchema,
  planRevision: described(revision, "The plan's revision after the batch (one bump per transaction that wrote)."),
  created: z.int(),
  changed: z.int(),
  unchanged: z.int(),
  refused: z.int(),
  results: z.array(
    batchItemResult(z.enum(['created', 'changed', 'unchanged']), {
      revision: described(z.optional(revision), "The commitment's revision after the batch."),
    }),
  ),
});

export const historyImportResultSchema = z.strictObject({
  planId: slugSchema,
  planRevision: described(revision, "The plan's revision after the import."),
  recorded: z.int(),
  unchanged: z.int(),
  refused: z.int(),
  results: z.array(
    batchItemResult(z.enum(['recorded', 'unchanged']), {
      updateId: described(z.optional(z.uuid()), "The update's id, derived from its content: the same update sent again has the same id."),
      current: described(z.optional(z.boolean()), "true when the update is (now) the commitment's current state: the newest by date."),
    }),
  ),
});

// ---------------------------------------------------------------------------------------------
// Key management (POST/GET /api/v1/keys, GET /api/v1/keys/{keyId}, POST .../revoke), with the
// request schemas the handlers validate with.
// ---------------------------------------------------------------------------------------------

/** A registered key as the API shows it: never a private key or a shared secret. */
export { keyIdSchema, keyRegistrationSchema };

export const keyRecordSchema = z.strictObject({
  keyId: keyIdSchema,
  algorithm: keyAlgorithmSchema,
  publicKeyPem: z.optional(z.string()),
  owner: z.string(),
  contact: z.optional(z.string()),
  role: roleSchema,
  scopes: z.array(scopeSchema),
  active: z.boolean(),
  createdAt: timestamp,
  revokedAt: z.optional(timestamp),
});

export const keyListSchema = z.strictObject({
  keys: z.array(keyRecordSchema),
  nextCursor: described(z.optional(z.string()), 'Present while more keys follow: send it back as `cursor` for the next page.'),
});

export const keyRegisteredSchema = z.strictObject({
  key: keyRecordSchema,
  sharedSecret: described(
    z.optional(z.string()),
    'hmac-sha256 keys only: the shared secret (base64), shown in this answer and never again.',
  ),
});

export const keyRevokedSchema = z.strictObject({
  changed: described(z.boolean(), 'false when the key was already revoked.'),
  key: keyRecordSchema,
});

// Compile-time drift guards: each schema's output type must be exactly the model's type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type SchemaMatchesModel = [
  Assert<Same<z.output<typeof commitmentSchema>, Commitment>>,
  Assert<Same<z.output<typeof planSchema>, Plan>>,
  Assert<Same<z.output<typeof keyRecordSchema>, Omit<SigningKey, 'sharedSecret' | 'sealedSecret'>>>,
  // Every problem body the API builds fits the schema (the reverse cannot hold: ProblemBody allows extensions).
  Assert<z.output<typeof problemSchema> extends ProblemBody ? true : false>,
];
