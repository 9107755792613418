/**
 * Sending many rows through a batch operation of the API (`POST …/commitments`,
 * `POST …/history`): rows go in requests of at most `maxItems` and under the body limit, a few
 * requests at a time; a request the server could not take (write conflict, 503, network) is sent
 * again with backoff, and so is an item refused for a write conflict; every other refusal of an
 * item is reported with the row's line.
 */
import { LIMITS } from '#shared/domain/model';
import { type ApiResult, ensureOk, type SignedClient } from '../client.ts';
import { sendWithRetries } from '../retry.ts';

/** Requests in flight at once: enough to hide latency, few enough not to make the plan's writes collide much. */
export const PARALLEL_REQUESTS = 2;
/** Under the API's body limit, leaving room for the envelope. */
const BODY_BUDGET = LIMITS.bodyBytes - 1024;
/** Rounds of resending the items refused for a write conflict. */
const ITEM_ROUNDS = 5;

export interface OutgoingRow {
  /** The row's line (or sheet row) in the file, for the report. */
  line: number;
  /** The item as the batch operation takes it. */
  item: Record<string, unknown>;
}

export interface ItemOutcome {
  line: number;
  /** The server's outcome for the item ('created', 'changed', 'unchanged', 'recorded', 'skipped' …). */
  result?: string;
  /** Why the item was refused. */
  reason?: string;
}

export interface SendReport {
  outcomes: ItemOutcome[];
  /** HTTP requests made, retries included. */
  requests: number;
}

interface BatchAnswer {
  results: Array<{ index: number; result?: string; problem?: { type?: string; status?: number; detail?: string } }>;
}

/** Splits rows into requests of at most `maxItems` whose JSON body stays under the API's limit. */
export function chunk(rows: OutgoingRow[], maxItems: number, field: string): OutgoingRow[][] {
  const chunks: OutgoingRow[][] = [];
  let current: OutgoingRow[] = [];
  let bytes = Buffer.byteLength(`{"${field}":[]}`);
  for (const row of rows) {
    const size = Buffer.byteLength(JSON.stringify(row.item)) + 1;
    if (current.length > 0 && (current.length >= maxItems || bytes + size > BODY_BUDGET)) {
      chunks.push(current);
      current = [];
      bytes = Buffer.byteLength(`{"${field}":[]}`);
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const isWriteConflict = (problem: { type?: string; status?: number } | undefined) =>
  problem !== undefined && (problem.status === 503 || (problem.status === 409 && String(problem.type).endsWith('/write-conflict')));

export async function sendInBatches(options: {
  client: SignedClient;
  path: string;
  /** The envelope's array: `commitments`, `updates`. */
  field: string;
  rows: OutgoingRow[];
  maxItems: number;
  parallel?: number;
  onProgress?: (done: number) => void;
}): Promise<SendReport> {
  const { client, path, field, maxItems } = options;
  const outcomes: ItemOutcome[] = [];
  let requests = 0;
  let pending = options.rows;
  for (let round = 0; pending.length > 0; round++) {
    const retry: OutgoingRow[] = [];
    const queue = chunk(pending, maxItems, field);
    const send = async (rows: OutgoingRow[]) => {
      const body = { [field]: rows.map((row) => row.item) };
      const result: ApiResult = await sendWithRetries(
        () => {
          requests++;
          return client.request('POST', path, body);
        },
        { attempts: 6, baseDelayMs: 100, maxDelayMs: 2000 },
      );
      if (result.status === 413 && rows.length === 1) {
        outcomes.push({ line: rows[0]!.line, reason: `the row is larger than the API takes in one request (${LIMITS.bodyBytes} bytes)` });
        options.onProgress?.(1);
        return;
      }
      // A refused key, an unknown plan or a server failure is not about these rows: stop there.
      const answer = ensureOk(result).body as BatchAnswer;
      let done = 0;
      for (const item of answer.results) {
        const row = rows[item.index]!;
        if (item.problem && isWriteConflict(item.problem) && round < ITEM_ROUNDS) {
          retry.push(row);
          continue;
        }
        done++;
        if (item.problem) {
          outcomes.push({
            line: row.line,
            reason: `the server refused it (${item.problem.status}): ${item.problem.detail ?? 'no detail'}`,
          });
        } else outcomes.push({ line: row.line, result: item.result });
      }
      options.onProgress?.(done);
    };
    const parallel = Math.max(1, options.parallel ?? PARALLEL_REQUESTS);
    await Promise.all(
      Array.from({ length: Math.min(parallel, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await send(next);
      }),
    );
    if (retry.length > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** round * Math.random()));
    pending = retry;
  }
  outcomes.sort((a, b) => a.line - b.line);
  return { outcomes, requests };
}
