/** Which key may do what: scopes list plans and, optionally, areas or commitments. */
import type { SigningKey } from './model.ts';
import { Problem } from './problem.ts';

export function canUpdateCommitment(key: SigningKey, planId: string, commitment: { commitmentId: string; areaSlug: string }): boolean {
  if (key.role === 'admin' && key.scopes.length === 0) return true;
  return key.scopes.some((scope) => {
    if (scope.planId !== planId && scope.planId !== '*') return false;
    if (scope.areas && !scope.areas.includes(commitment.areaSlug)) return false;
    if (scope.commitments && !scope.commitments.includes(commitment.commitmentId)) return false;
    return true;
  });
}

export function requireCommitmentScope(key: SigningKey, planId: string, commitment: { commitmentId: string; areaSlug: string }): void {
  if (!canUpdateCommitment(key, planId, commitment)) {
    throw new Problem(403, 'out-of-scope', `key ${key.keyId} may not update commitment ${commitment.commitmentId} of plan ${planId}`);
  }
}

export function requireAdmin(key: SigningKey): void {
  if (key.role !== 'admin') throw new Problem(403, 'admin-only', `key ${key.keyId} is not an admin key`);
}
