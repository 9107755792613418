/**
 * The data model of a mandate plan, taken from the seed report page
 * (priority → commitment → responsible area → status → observations → related links),
 * and the zod schemas that validate what clients send.
 */

import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini (tree-shakable, so the ingest bundle stays small) ships no messages: without a locale
// every issue reads "Invalid input". English is what the API's 400 `errors` have always said.
z.config(en());

export const LIMITS = {
  bodyBytes: 64 * 1024,
  title: 500,
  observations: 20_000,
  links: 50,
  url: 2048,
  slug: 64,
  keyId: 64,
  publicKeyPem: 1000,
  /** Items per page of a list (plans, keys): every list is a bounded read. */
  pageSize: 100,
} as const;

export const slugSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(LIMITS.slug),
    z.regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and hyphens (a slug)'),
  );

export const languageSchema = z.string().check(z.regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag'));

/**
 * C0 and C1 control characters and DEL, except tab and line feed. Carriage returns are taken out
 * of CRLF line ends first (see `text`), so a lone one is refused here too.
 */
const CONTROL_CHARACTER = /(?![\t\n])\p{Cc}/u;
/** A UTF-16 surrogate not paired with its other half: not Unicode text, and not I-JSON (RFC 7493). */
const LONE_SURROGATE = /\p{Surrogate}/u;

const codePoint = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why a string is not text we store and publish, if it is not. */
function textProblem(value: string, options: { allowLineBreaks: boolean }): string | undefined {
  const surrogate = LONE_SURROGATE.exec(value);
  if (surrogate) return `must be valid Unicode: a lone surrogate ${codePoint(surrogate[0])} is at position ${surrogate.index}`;
  const control = (options.allowLineBreaks ? CONTROL_CHARACTER : /\p{Cc}/u).exec(value);
  if (control) {
    const allowed = options.allowLineBreaks ? ' (only tab and line feed are allowed)' : '';
    return `must not contain the control character ${codePoint(control[0])} (at position ${control.index})${allowed}`;
  }
  return undefined;
}

/** Refuses lone surrogates and control characters, naming the first one found. */
const wellFormedText = (options: { allowLineBreaks: boolean }) =>
  z.superRefine((value: string, ctx) => {
    const problem = textProblem(value, options);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });

/**
 * Every free text a client sends: CRLF line ends (Windows clients, spreadsheets) become LF, so
 * what is stored and published has one kind of line end; then no other control character.
 */
const textChecks = [z.overwrite((value: string) => value.replace(/\r\n/g, '\n')), wellFormedText({ allowLineBreaks: true })] as const;

const text = (max: number) => z.string().check(...textChecks, z.maxLength(max));
const nonEmptyText = (max: number) => z.string().check(...textChecks, z.minLength(1), z.maxLength(max));
/** Trimmed first, then measured: "   " is empty. */
const trimmedText = (max: number) => z.string().check(z.trim(), ...textChecks, z.minLength(1), z.maxLength(max));
const integer = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

/** The WHATWG serialisation of an absolute http(s) URL with a host, or why `value` is not one. */
function httpUrl(value: string): { href: string } | { problem: string } {
  // The URL parser silently drops tabs and line breaks and trims controls: refuse them instead.
  const problem = textProblem(value, { allowLineBreaks: false });
  if (problem) return { problem };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'must be an absolute http(s) URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'must be an absolute http(s) URL' };
  if (url.hostname.length === 0) return { problem: 'must be an absolute http(s) URL with a host' };
  if (url.href.length > LIMITS.url) return { problem: `is ${url.href.length} characters long once serialised; at most ${LIMITS.url}` };
  return { href: url.href };
}

/**
 * Only http(s): a `javascript:` or `data:` link in an official's update must never reach a feed.
 * Parsed as browsers do (WHATWG URL) and stored in its serialised form, so `https:\\x.example`
 * and `http:/x.example` are stored as the `https://x.example/` every reader of the feeds will see.
 */
export const httpUrlSchema = z.string().check(
  z.maxLength(LIMITS.url),
  z.superRefine((value: string, ctx) => {
    const url = httpUrl(value);
    if ('problem' in url) ctx.addIssue({ code: 'custom', message: url.problem, input: value });
  }),
  z.overwrite((value: string) => {
    const url = httpUrl(value);
    return 'href' in url ? url.href : value;
  }),
);

export const linkSchema = z.strictObject({
  title: trimmedText(LIMITS.title),
  url: httpUrlSchema,
});
export type Link = z.infer<typeof linkSchema>;

export const statusCodeSchema = z.string().check(z.regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a status code such as "on_track"'));

export const statusDefinitionSchema = z.strictObject({
  code: statusCodeSchema,
  labels: z.record(languageSchema, nonEmptyText(200)),
  /** A colour for charts and badges (#rrggbb); contrast is checked by the dashboard. */
  color: z.optional(z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/))),
});
export type StatusDefinition = z.infer<typeof statusDefinitionSchema>;

export const prioritySchema = z.strictObject({
  number: integer(1, 10_000),
  title: trimmedText(LIMITS.title),
});
export type Priority = z.infer<typeof prioritySchema>;

const isoDateTime = z.iso.datetime({ offset: true });

/** Body of `PUT /api/v1/plans/{planId}` (admin). */
export const planDefinitionSchema = z.strictObject({
  title: trimmedText(LIMITS.title),
  municipality: trimmedText(200),
  /** The municipality in a gazetteer (GeoNames `https://sws.geonames.org/{id}/`, or the EU place table): the catalog's dct:spatial. */
  municipalityUri: z.optional(httpUrlSchema),
  period: z.strictObject({
    start: integer(1900, 2200),
    end: integer(1900, 2200),
  }),
  language: languageSchema,
  languages: z.optional(z.array(languageSchema).check(z.maxLength(10))),
  license: z.strictObject({ id: nonEmptyText(100), title: text(200), url: httpUrlSchema }),
  description: z.optional(text(LIMITS.observations)),
  publisher: z.strictObject({ name: nonEmptyText(200), url: z.optional(httpUrlSchema), email: z.optional(z.email()) }),
  source: z.optional(z.strictObject({ title: nonEmptyText(LIMITS.title), url: httpUrlSchema })),
  statuses: z.optional(z.array(statusDefinitionSchema).check(z.minLength(1), z.maxLength(20))),
});
export type PlanDefinition = z.infer<typeof planDefinitionSchema>;

export interface Plan extends PlanDefinition {
  planId: string;
  statuses: StatusDefinition[];
  /** Bumped by every change anywhere in the plan: the publisher's high-water mark. */
  revision: number;
  /** The revision at which the plan's own definition (not its commitments) last changed. */
  metadataRevision?: number;
  createdAt: string;
  updatedAt: string;
}

/** Body of `PUT /api/v1/plans/{planId}/commitments/{commitmentId}` (admin). */
export const commitmentDefinitionSchema = z.strictObject({
  number: integer(1, 100_000),
  title: trimmedText(LIMITS.title),
  priority: prioritySchema,
  area: trimmedText(200),
  areaSlug: z.optional(slugSchema),
  /** Initial state; later changes come only through signed updates. */
  status: z.optional(statusCodeSchema),
  observations: z.optional(text(LIMITS.observations)),
  links: z.optional(z.array(linkSchema).check(z.maxLength(LIMITS.links))),
  progress: z.optional(integer(0, 100)),
});
export type CommitmentDefinition = z.infer<typeof commitmentDefinitionSchema>;

export interface Commitment {
  planId: string;
  commitmentId: string;
  number: number;
  title: string;
  priority: Priority;
  area: string;
  areaSlug: string;
  status: string;
  /** Markdown, as the official wrote it. */
  observations: string;
  links: Link[];
  progress?: number;
  revision: number;
  /** When the current status was reported (the last update's reportedAt, or definition time). */
  reportedAt: string;
  updatedAt: string;
  /**
   * When its definition (number, title, priority, area) last changed: updates leave it alone, so
   * what shows only the definitions (the priority lists) is stamped by it. Absent on commitments
   * last defined before it was kept.
   */
  definedAt?: string;
  lastUpdateId?: string;
  /** The plan's revision when this commitment last changed: the publisher re-renders what moved past its mark. */
  planRevision?: number;
  /** The area it left, when its last change moved it: that area's feeds change too. */
  previousAreaSlug?: string;
}

/** Body of `POST .../commitments/{commitmentId}/updates` (an official's status update). */
export const updateRequestSchema = z.strictObject({
  status: statusCodeSchema,
  observations: text(LIMITS.observations),
  links: z.optional(z.array(linkSchema).check(z.maxLength(LIMITS.links))),
  progress: z.optional(integer(0, 100)),
  reportedAt: z.optional(isoDateTime),
});
export type UpdateRequest = z.infer<typeof updateRequestSchema>;

/** One accepted update: immutable history, and what feed items are made of. */
export interface StatusUpdate {
  planId: string;
  commitmentId: string;
  updateId: string;
  reportedAt: string;
  receivedAt: string;
  status: string;
  previousStatus: string;
  observations: string;
  links: Link[];
  progress?: number;
  /** The commitment's revision this update produced. */
  revision: number;
  /**
   * Its place in the plan's order, given by the publisher's sequencer after the update is
   * accepted (0 until then; unsequenced updates are not published yet).
   */
  planRevision: number;
  keyId: string;
  /** Denormalised so a feed item needs no join. */
  commitmentNumber: number;
  commitmentTitle: string;
  area: string;
  areaSlug: string;
  /**
   * A historical update an admin imported (POST …/history): kept in the history with its own
   * reportedAt, never announced in a feed. Absent on the updates officials post.
   */
  imported?: boolean;
}

export const roleSchema = z.enum(['official', 'admin']);
export type Role = z.infer<typeof roleSchema>;

/** A key's name as it appears in `keyid`: short, printable, safe in a table key and a URL path. */
export const keyIdSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(LIMITS.keyId),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" and "-", starting with a letter or digit'),
  );

export const scopeSchema = z
  .strictObject({
    planId: slugSchema,
    /** When present, only these areas (by slug) of the plan. */
    areas: z.optional(z.array(slugSchema).check(z.minLength(1), z.maxLength(100))),
    /** When present, only these commitments of the plan. */
    commitments: z.optional(z.array(slugSchema).check(z.minLength(1), z.maxLength(1000))),
  })
  .check(
    z.refine((scope) => !(scope.areas && scope.commitments), {
      message: 'a scope lists areas or commitments, not both (use two scopes for both)',
    }),
  );
export type Scope = z.infer<typeof scopeSchema>;

export const keyAlgorithmSchema = z.enum(['ed25519', 'hmac-sha256']);
export type KeyAlgorithm = z.infer<typeof keyAlgorithmSchema>;

/**
 * A shared secret as stored: ciphertext only. `scheme` names the sealer that made it: AWS KMS
 * (encryption context `{keyId}`) or the local runtime's AES-256-GCM master key (keyId as
 * additional authenticated data); either way it opens only for the key record it was made for.
 */
export interface SealedSecret {
  scheme: 'aws-kms' | 'local-aes-256-gcm';
  /** Base64. */
  ciphertext: string;
}

export interface SigningKey {
  keyId: string;
  algorithm: KeyAlgorithm;
  /** SPKI PEM for ed25519. Never a private key. */
  publicKeyPem?: string;
  /**
   * hmac-sha256 only: the shared secret, sealed (encrypted and bound to this keyId) by the
   * ingest function's SecretSealer. Generated by the server, shown once at registration,
   * never stored, listed or returned in the clear (docs/SIGNING.md, "Shared-secret keys").
   */
  sealedSecret?: SealedSecret;
  /**
   * Legacy: the plaintext secret that versions before sealing stored. Never written now; a
   * key that still has one is refused until it is replaced, since the secret was readable by
   * whoever could read the table or its stream.
   */
  sharedSecret?: string;
  owner: string;
  contact?: string;
  role: Role;
  scopes: Scope[];
  active: boolean;
  createdAt: string;
  revokedAt?: string;
}

/** Body of `POST /api/v1/keys` (admin): a key to register. */
export const keyRegistrationSchema = z
  .strictObject({
    keyId: keyIdSchema,
    algorithm: z._default(keyAlgorithmSchema, 'ed25519'),
    /** ed25519: the public key, SPKI PEM (what `mandat keygen` prints). */
    publicKeyPem: z.optional(text(LIMITS.publicKeyPem)),
    owner: trimmedText(200),
    contact: z.optional(trimmedText(200)),
    role: roleSchema,
    scopes: z._default(z.array(scopeSchema).check(z.maxLength(50)), []),
  })
  .check(
    z.superRefine((key, ctx) => {
      if (key.algorithm === 'ed25519' && key.publicKeyPem === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['publicKeyPem'],
          message: 'an ed25519 key needs its public key (SPKI PEM, as printed by mandat keygen)',
        });
      }
      if (key.algorithm === 'hmac-sha256' && key.publicKeyPem !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['publicKeyPem'],
          message: 'an hmac-sha256 key has no public key: the server generates the shared secret',
        });
      }
      if (key.role === 'official' && key.scopes.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['scopes'],
          message: 'an official key needs at least one scope (the plans, areas or commitments it may update)',
        });
      }
    }),
  );
export type KeyRegistration = z.infer<typeof keyRegistrationSchema>;

/** Turn a free-text area name into the slug used in feed paths and key scopes. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/l·l/g, 'll')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|(?<!-)-+$/g, '')
    .slice(0, LIMITS.slug)
    .replace(/(?<!-)-+$/, '');
  return slug || 'area';
}
