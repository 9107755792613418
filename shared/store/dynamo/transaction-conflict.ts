/**
 * DynamoDB cancels a transaction with reason `TransactionConflict` when another transaction (or
 * a plain write) touches one of its items at the same moment. Nothing was written and the
 * conditions were not even evaluated, so sending the same items again is safe; DynamoDB Local
 * never does this, AWS does under load. Single-item writes that collide with a transaction
 * fail with `TransactionConflictException` instead, with the same meaning.
 */
import { backoffDelay, CONTENTION_RETRY, type RetryPolicy, sleep } from '../../domain/retry.ts';

interface CancellationReason {
  Code?: string;
}

/** True when the error says only "another transaction got there first", not "a condition failed". */
export function isTransactionConflict(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'TransactionConflictException') return true;
  if (name !== 'TransactionCanceledException') return false;
  const reasons = ((error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? []).map((r) => r.Code);
  return reasons.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
}

/** Runs `send` again while it fails with a transaction conflict; rethrows the last error. */
export async function retryTransactionConflicts<T>(send: () => Promise<T>, policy: RetryPolicy = CONTENTION_RETRY): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!isTransactionConflict(error) || attempt + 1 >= policy.attempts) throw error;
      await (policy.sleep ?? sleep)(backoffDelay(attempt, policy));
    }
  }
}
