/**
 * Retrying writes that collided with another writer: "full jitter" backoff, and the answer a
 * client gets when a write still collides after the retries.
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

/**
 * "Full jitter" exponential backoff: a random delay up to base·2^attempt (capped), so that the
 * writers that collided do not collide again on the next attempt.
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor((policy.random ?? Math.random)() * ceiling);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The answer when a write still collides after the retries: nothing was written, and the
 * same request sent again shortly will most likely go through.
 */
export function contentionProblem(): Problem {
  return new Problem(503, 'write-contention', 'the commitment is being written by others right now; nothing was written, retry shortly', {
    headers: { 'retry-after': '1' },
  });
}
