/**
 * Which key may do what.
 *
 * - An official's scopes list plans and, optionally, the areas or the commitments of a plan it
 *   may post updates for. No scope, nothing.
 * - An admin with no scopes may do everything: define any plan, update any commitment, manage
 *   keys. An admin with scopes may define and update only the plans its scopes name (areas
 *   and commitments narrow updates as for an official).
 * - Delegation: a scoped admin manages official keys whose every scope lies within its own, so
 *   that each municipality of a shared deployment administers its own officials. Never an
 *   admin key and never a wider scope: otherwise it could register itself a wider key.
 */
import type { Scope, SigningKey } from '../domain/model.ts';
import { Problem } from '../domain/problem.ts';

const isUnrestrictedAdmin = (key: SigningKey) => key.role === 'admin' && key.scopes.length === 0;

export function canUpdateCommitment(key: SigningKey, planId: string, commitment: { commitmentId: string; areaSlug: string }): boolean {
  if (isUnrestrictedAdmin(key)) return true;
  return key.scopes.some((scope) => {
    if (scope.planId !== planId) return false;
    if (scope.areas && !scope.areas.includes(commitment.areaSlug)) return false;
    if (scope.commitments && !scope.commitments.includes(commitment.commitmentId)) return false;
    return true;
  });
}

export function requireCommitmentScope(key: SigningKey, planId: string, commitment: { commitmentId: string; areaSlug: string }): void {
  if (!canUpdateCommitment(key, planId, commitment)) {
    throw new Problem(
      403,
      'out-of-scope',
      `key ${key.keyId} may not update commitment ${commitment.commitmentId} (area ${commitment.areaSlug}) of plan ${planId}: it is outside the key's scopes`,
    );
  }
}

/** Defining a plan or its commitments: admins, within their plans. */
export function requirePlanAdmin(key: SigningKey, planId: string): void {
  if (key.role !== 'admin')
    throw new Problem(403, 'admin-only', `key ${key.keyId} is an official's key; only an admin key may define plans and commitments`);
  if (!isUnrestrictedAdmin(key) && !key.scopes.some((scope) => scope.planId === planId)) {
    throw new Problem(403, 'out-of-scope', `admin key ${key.keyId} is limited to plans ${key.scopes.map((s) => s.planId).join(', ')}`);
  }
}

/** Whether `inner` grants nothing that `outer` does not: same plan, and no area or commitment outside it. */
function scopeWithin(inner: Scope, outer: Scope): boolean {
  if (inner.planId !== outer.planId) return false;
  if (outer.areas) return inner.areas?.every((area) => outer.areas!.includes(area)) ?? false;
  if (outer.commitments) return inner.commitments?.every((commitment) => outer.commitments!.includes(commitment)) ?? false;
  return true;
}

/** Whether `admin` may manage a key with this role and these scopes (its own officials). */
export function canManageKey(admin: SigningKey, target: { role: SigningKey['role']; scopes: Scope[] }): boolean {
  if (admin.role !== 'admin') return false;
  if (isUnrestrictedAdmin(admin)) return true;
  return (
    target.role === 'official' &&
    target.scopes.length > 0 &&
    target.scopes.every((scope) => admin.scopes.some((own) => scopeWithin(scope, own)))
  );
}

/** Listing keys and the key routes at all: admins (a scoped admin sees only the keys it may manage). */
export function requireKeyAdmin(key: SigningKey): void {
  if (key.role !== 'admin') {
    throw new Problem(403, 'admin-only', `key ${key.keyId} is an official's key; only an admin key may manage keys`);
  }
}

/** Registering or revoking one key: an unscoped admin any key, a scoped admin officials within its plans. */
export function requireKeyManager(admin: SigningKey, target: { keyId: string; role: SigningKey['role']; scopes: Scope[] }): void {
  requireKeyAdmin(admin);
  if (canManageKey(admin, target)) return;
  const own = admin.scopes.map((scope) => scope.planId).join(', ');
  if (target.role === 'admin') {
    throw new Problem(
      403,
      'admin-only',
      `admin key ${admin.keyId} is limited to plans ${own}: only an admin key without scopes may manage admin keys`,
    );
  }
  throw new Problem(
    403,
    'out-of-scope',
    `admin key ${admin.keyId} may manage official keys within plans ${own} only; key ${target.keyId} has a scope outside them`,
  );
}
