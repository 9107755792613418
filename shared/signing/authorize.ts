/**
 * Which key may do what.
 *
 * - An official's scopes list plans and, optionally, the areas or the commitments of a plan it
 *   may post updates for. No scope, nothing.
 * - An admin with no scopes may do everything: define any plan, update any commitment, manage
 *   keys. An admin with scopes may define and update only the plans its scopes name (areas
 *   and commitments narrow updates as for an official), and may not manage keys: otherwise it
 *   could register itself a wider key.
 */
import type { SigningKey } from '../domain/model.ts';
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

/** Registering, listing and revoking keys: admins without scopes only. */
export function requireKeyAdmin(key: SigningKey): void {
  if (!isUnrestrictedAdmin(key)) {
    throw new Problem(403, 'admin-only', `key ${key.keyId} may not manage keys; only an admin key without scopes may`);
  }
}
