/**
 * The in-memory table of bench/memory-repository.ts, held in a worker thread. The growth
 * measurement reads 100,000 updates "from memory" so that DynamoDB Local's own time stays out of
 * the figure; held in the measuring thread, those updates were a heap of about 200 MB that every
 * major garbage collection of the publisher had to mark (100–180 ms, in every other publish of
 * the dense year). A publish function's heap holds none of the table: here the table has its own
 * isolate, and the publisher pays only for the items it reads (copied across, as if received).
 */
import { Worker } from 'node:worker_threads';
import type { HistoryScope, HistorySummary } from '#shared/domain/history';
import type { Commitment, Plan, StatusUpdate } from '#shared/domain/model';
import type { PlanReader } from '#shared/store/plans';

type Reply = { id: number; result?: unknown; error?: string };

export class RemotePlanRepository implements PlanReader {
  private readonly worker = new Worker(new URL('./memory-worker.ts', import.meta.url));
  private next = 0;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor() {
    this.worker.on('message', (reply: Reply) => {
      const call = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.error !== undefined) call?.reject(new Error(reply.error));
      else call?.resolve(reply.result);
    });
    this.worker.on('error', (error) => {
      for (const call of this.waiting.values()) call.reject(error);
      this.waiting.clear();
    });
  }

  private call<T>(method: string, ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, method, args });
    });
  }

  /** Table items (as bench/data.ts makes them), sent in chunks. */
  async addItems(items: Iterable<Record<string, unknown>>): Promise<void> {
    let chunk: Record<string, unknown>[] = [];
    for (const item of items) {
      chunk.push(item);
      if (chunk.length === 5_000) {
        await this.call('addItems', chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await this.call('addItems', chunk);
  }

  planIds = (): Promise<string[]> => this.call('planIds');
  getPlanHistory = (planId: string): Promise<{ plan: Plan; history?: HistorySummary } | undefined> => this.call('getPlanHistory', planId);
  latestUpdates = (planId: string, scope: HistoryScope, limit: number): Promise<StatusUpdate[]> =>
    this.call('latestUpdates', planId, scope, limit);
  getPlan = (planId: string): Promise<Plan | undefined> => this.call('getPlan', planId);
  listPlans = (): Promise<Plan[]> => this.call('listPlans');
  getCommitment = (planId: string, commitmentId: string): Promise<Commitment | undefined> =>
    this.call('getCommitment', planId, commitmentId);
  listCommitments = (planId: string): Promise<Commitment[]> => this.call('listCommitments', planId);
  listUpdates = (planId: string, options?: { year?: number; month?: string }): Promise<StatusUpdate[]> =>
    this.call('listUpdates', planId, options);
  recordUpdate = (input: { update: StatusUpdate; commitment: Commitment; now: string }): Promise<void> => this.call('recordUpdate', input);

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
