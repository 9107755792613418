/**
 * DynamoDB cancels a transaction with reason `TransactionConflict` when another transaction (or
 * a plain write) touches one of its items at the same moment. Nothing was written and the
 * conditions were not even evaluated, so sending the same items again is safe; DynamoDB Local
 * never does this, AWS does under load. Single-item writes that collide with a transaction
 * fail with `TransactionConflictException` instead, with the same meaning.
 */
import { Problem } from './problem.ts';

export interface RetryPolicy {
  /** Sends in total, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const CONTENTION_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 20, maxDelayMs: 500 };

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

/**
 * "Full jitter" exponential backoff: a random delay up to base·2^attempt (capped), so that the
 * writers that collided do not collide again on the next attempt.
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor((policy.random ?? Math.random)() * ceiling);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/**
 * The answer when a write still collides after the retries: nothing was written, and the
 * same request sent again shortly will most likely go through.
 */
export function contentionProblem(): Problem {
  return new Problem(503, 'write-contention', 'the commitment is being written by others right now; nothing was written, retry shortly', {
    headers: { 'retry-after': '1' },
  });
}
