/**
 * A hang guard for synchronous code: the text transforms run in a worker thread, and a text
 * they do not finish within the guard's time terminates the worker and rejects. (A test
 * timeout alone cannot stop a synchronous loop: the test would just end late, and pass.)
 */
import { Worker } from 'node:worker_threads';
import type { TransformOutputs } from './transform-worker.ts';

export class TransformGuard {
  private worker?: Worker;
  private next = 0;

  constructor(private readonly timeoutMs: number) {}

  /** Every transform's output for the text, or a rejection naming the guard's time. */
  run(text: string, timeoutMs = this.timeoutMs): Promise<TransformOutputs> {
    this.worker ??= new Worker(new URL('./transform-worker.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
    const worker = this.worker;
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.off('message', onMessage);
        this.worker = undefined;
        void worker.terminate();
        reject(new Error(`the transforms did not finish within ${timeoutMs} ms on a text of ${text.length} characters`));
      }, timeoutMs);
      const onMessage = (message: { id: number; outputs?: TransformOutputs; error?: string }) => {
        if (message.id !== id) return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        if (message.error) reject(new Error(message.error));
        else resolve(message.outputs!);
      };
      worker.on('message', onMessage);
      worker.postMessage({ id, text });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
