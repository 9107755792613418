import * as z from 'zod/mini';
import { keyIdSchema, keyRegistrationSchema, type SealedSecret, type SigningKey } from '../domain/model.ts';
import { Problem } from '../domain/problem.ts';
import { revokedDuringRequest } from '../signing/authenticate.ts';
import { canManageKey, requireKeyAdmin, requireKeyManager } from '../signing/authorize.ts';
import { canonicalPublicKeyPem, generateSharedSecret, KeyMaterialError, publicViewOf } from '../signing/key-material.ts';
import { SecretSealerMissingError } from '../signing/secret-sealer.ts';
import { ConflictError } from '../store/conflicts.ts';
import type { ApiResponse } from './http.ts';

import { json, nextCursor, nonceClaim, pageRequest, type RoutedRequest, readJsonBody, replayed, signed, spendNonce } from './request.ts';
export function keyIdParam(value: string): string {
  if (!keyIdSchema.safeParse(value).success) throw new Problem(404, 'key-not-found', `"${value}" is not a valid key id`);
  return value;
}

export async function listKeys(ctx: RoutedRequest): Promise<ApiResponse> {
  const auth = await signed(ctx);
  requireKeyAdmin(auth.key);
  const page = pageRequest(ctx.request, (id) => keyIdSchema.safeParse(id).success);
  await spendNonce(ctx, auth);
  const found = await ctx.deps.repository.listKeys(page);
  // A scoped admin sees its own officials (a page may then hold fewer keys; the cursor still walks them all).
  const visible = found.items.filter((key) => key.keyId === auth.key.keyId || canManageKey(auth.key, key));
  return json(200, { keys: visible.map(publicViewOf), ...nextCursor(found.next) });
}

export async function getKey(ctx: RoutedRequest): Promise<ApiResponse> {
  const keyId = keyIdParam(ctx.params[0]!);
  const auth = await signed(ctx);
  requireKeyAdmin(auth.key);
  const key = await ctx.deps.repository.getKey(keyId);
  if (key && key.keyId !== auth.key.keyId) requireKeyManager(auth.key, key);
  await spendNonce(ctx, auth);
  if (!key) throw new Problem(404, 'key-not-found', `there is no key ${keyId}`);
  return json(200, publicViewOf(key));
}

export async function registerKey(ctx: RoutedRequest): Promise<ApiResponse> {
  const auth = await signed(ctx);
  requireKeyAdmin(auth.key);
  const registration = readJsonBody(ctx.request, keyRegistrationSchema);
  requireKeyManager(auth.key, registration);
  let publicKeyPem: string | undefined;
  if (registration.algorithm === 'ed25519') {
    try {
      publicKeyPem = canonicalPublicKeyPem(registration.publicKeyPem!);
    } catch (error) {
      if (!(error instanceof KeyMaterialError)) throw error;
      throw new Problem(400, 'invalid-body', `publicKeyPem: ${error.message}`, {
        errors: [{ path: 'publicKeyPem', message: error.message }],
      });
    }
  }
  const secret = registration.algorithm === 'hmac-sha256' ? generateSharedSecret() : undefined;
  let sealedSecret: SealedSecret | undefined;
  if (secret) {
    if (!ctx.deps.secrets)
      throw new SecretSealerMissingError(
        'registering an hmac-sha256 key needs a secret sealer (SECRETS_KMS_KEY_ID or SECRETS_MASTER_KEY_FILE)',
      );
    // Only the sealed form is stored: the plaintext leaves in this answer and nowhere else.
    sealedSecret = await ctx.deps.secrets.seal(registration.keyId, secret);
  }
  const key: SigningKey = {
    keyId: registration.keyId,
    algorithm: registration.algorithm,
    ...(publicKeyPem ? { publicKeyPem } : {}),
    ...(sealedSecret ? { sealedSecret } : {}),
    owner: registration.owner,
    ...(registration.contact ? { contact: registration.contact } : {}),
    role: registration.role,
    scopes: registration.scopes,
    active: true,
    createdAt: ctx.now.toISOString(),
  };
  try {
    await ctx.deps.repository.createKey(key, nonceClaim(ctx, auth));
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    if (error.conflict === 'nonce') throw replayed();
    if (error.conflict === 'revoked') throw revokedDuringRequest(auth.key.keyId);
    throw new Problem(
      409,
      'key-exists',
      `a key ${key.keyId} is already registered (key ids are never reused, even after revocation); choose another id`,
    );
  }
  const location = `/api/v1/keys/${encodeURIComponent(key.keyId)}`;
  // The shared secret is in this answer and nowhere else, ever: the caller must keep it now.
  return json(201, { key: publicViewOf(key), ...(secret ? { sharedSecret: secret.toString('base64') } : {}) }, { location });
}

export async function revokeKey(ctx: RoutedRequest): Promise<ApiResponse> {
  const keyId = keyIdParam(ctx.params[0]!);
  const auth = await signed(ctx);
  requireKeyAdmin(auth.key);
  if (ctx.request.body.length > 0) readJsonBody(ctx.request, revokeRequestSchema);
  const { repository } = ctx.deps;
  const existing = await repository.getKey(keyId);
  if (!existing) throw new Problem(404, 'key-not-found', `there is no key ${keyId}`);
  requireKeyManager(auth.key, existing);
  if (!existing.active) {
    await spendNonce(ctx, auth);
    return json(200, { changed: false, key: publicViewOf(existing) });
  }
  const revokedAt = ctx.now.toISOString();
  try {
    await repository.revokeKey({ keyId, revokedAt, nonce: nonceClaim(ctx, auth) });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    if (error.conflict === 'nonce') throw replayed();
    if (error.conflict === 'revoked') throw revokedDuringRequest(auth.key.keyId);
    // Revoked by someone else in the meantime: the outcome asked for holds.
    const now = await repository.getKey(keyId);
    return json(200, { changed: false, key: publicViewOf(now ?? existing) });
  }
  return json(200, { changed: true, key: publicViewOf({ ...existing, active: false, revokedAt }) });
}

/** Revocation takes no parameters; a body, if any, must be the empty object. */
export const revokeRequestSchema = z.strictObject({});
