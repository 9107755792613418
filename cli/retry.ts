/**
 * Safe retries for a POST that carries an Idempotency-Key: after a timeout or a dropped
 * connection the client cannot know whether the server recorded the update, and the key makes
 * sending it again harmless (the server answers a repeat with the first answer).
 */
import { type ApiResult, NetworkError } from './client.ts';

export interface RetryOptions {
  /** Sends in total, the first included. */
  attempts: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (reason: string, delayMs: number, attempt: number) => void;
}

/** Answers worth another try: the server was overloaded, busy with a conflicting write, or failed. */
export function retryableStatus(result: ApiResult): boolean {
  if ([429, 500, 502, 503, 504].includes(result.status)) return true;
  const type = (result.body as { type?: string } | undefined)?.type ?? '';
  return result.status === 409 && type.endsWith('/write-conflict');
}

function retryAfterMs(result: ApiResult): number | undefined {
  const header = result.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export async function sendWithRetries(send: () => Promise<ApiResult>, options: RetryOptions): Promise<ApiResult> {
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    let reason: string;
    let delay = Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
    try {
      const result = await send();
      if (!retryableStatus(result) || attempt >= options.attempts) return result;
      reason = `the server answered ${result.status}`;
      const after = retryAfterMs(result);
      if (after !== undefined) delay = Math.min(max, after);
    } catch (error) {
      if (!(error instanceof NetworkError) || attempt >= options.attempts) throw error;
      reason = error.message;
    }
    options.onRetry?.(reason, delay, attempt);
    await sleep(delay);
  }
}
