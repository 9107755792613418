/** The worker side of bench/remote-repository.ts: one MemoryPlanRepository, called by message. */
import { parentPort } from 'node:worker_threads';
import { MemoryPlanRepository } from './memory-repository.ts';

const repository = new MemoryPlanRepository();
const methods: Record<string, (...args: never[]) => unknown> = {
  addItems: (items: Record<string, unknown>[]) => {
    for (const item of items) repository.addItem(item);
  },
  planIds: () => repository.planIds(),
  getPlanHistory: (planId: string) => repository.getPlanHistory(planId),
  latestUpdates: (...args: Parameters<MemoryPlanRepository['latestUpdates']>) => repository.latestUpdates(...args),
  getPlan: (planId: string) => repository.getPlan(planId),
  listPlans: () => repository.listPlans(),
  getCommitment: (planId: string, commitmentId: string) => repository.getCommitment(planId, commitmentId),
  listCommitments: (planId: string) => repository.listCommitments(planId),
  listUpdates: (...args: Parameters<MemoryPlanRepository['listUpdates']>) => repository.listUpdates(...args),
  recordUpdate: (input: Parameters<MemoryPlanRepository['recordUpdate']>[0]) => repository.recordUpdate(input),
};

parentPort!.on('message', async ({ id, method, args }: { id: number; method: string; args: never[] }) => {
  try {
    const run = methods[method];
    if (!run) throw new Error(`no method ${method}`);
    parentPort!.postMessage({ id, result: await run(...args) });
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
