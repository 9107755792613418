/**
 * 5. Render speed: every artifact of a large plan rendered by the product's publisher (reading
 * from memory, writing nowhere), against JSON.stringify of the same data in the same run, the
 * cheapest serialisation there is. Then the worst case of the Markdown transforms (markdown-worst.ts).
 */
import { makeCommitment, makePlan, makeUpdate, type PlanShape } from '../data.ts';
import { RenderOnlyStore, utf8Bytes } from '../instrument.ts';
import { MemoryPlanRepository } from '../memory-repository.ts';
import { publishPlan } from '../product.ts';
import { progress } from '../progress.ts';
import { ratio, type Summary, summarize } from '../stats.ts';
import { type MarkdownWorstResult, markdownWorst } from './markdown-worst.ts';

export interface RenderResult {
  commitments: number;
  history: number;
  artifacts: number;
  renderedMB: number;
  floorMB: number;
  renderMs: Summary;
  floorMs: Summary;
  /** median render / median floor */
  ratio: number;
  markdownWorst: MarkdownWorstResult;
}

export async function renderSpeed(options: { commitments: number; history: number; samples: number }): Promise<RenderResult> {
  const shape: PlanShape = { planId: 'render-bench', commitments: options.commitments, period: { start: 2022, end: 2025 } };
  const repository = new MemoryPlanRepository();
  const plan = makePlan(shape, options.commitments + options.history + 1);
  repository.addPlan(plan);
  for (let i = 0; i < options.commitments; i++) repository.addCommitment(makeCommitment(shape, i));
  for (let i = 0; i < options.history; i++) repository.addUpdate(makeUpdate(shape, options.commitments, i));
  const data = {
    plan,
    commitments: await repository.listCommitments(shape.planId),
    updates: await repository.listUpdates(shape.planId),
  };

  const store = new RenderOnlyStore();
  const deps = { repository, store, baseUrl: 'https://mandat.example.org', now: () => new Date('2025-12-31T12:00:00Z') };
  await publishPlan(shape.planId, deps); // warm-up: JIT, and the repository's one-time sort
  const artifacts = store.take();
  const renderedBytes = utf8Bytes(artifacts);
  const floorBytes = Buffer.byteLength(JSON.stringify(data), 'utf8');

  const render: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    let t0 = performance.now();
    await publishPlan(shape.planId, deps);
    render.push(performance.now() - t0);
    store.take();
    t0 = performance.now();
    const json = JSON.stringify(data);
    floor.push(performance.now() - t0);
    if (json.length === 0) throw new Error('unreachable');
  }
  const result: RenderResult = {
    commitments: options.commitments,
    history: options.history,
    artifacts: artifacts.length,
    renderedMB: renderedBytes / 2 ** 20,
    floorMB: floorBytes / 2 ** 20,
    renderMs: summarize(render),
    floorMs: summarize(floor),
    ratio: ratio(summarize(render).median, summarize(floor).median),
    markdownWorst: markdownWorst({ samples: options.samples }),
  };
  progress(
    `render: ${result.artifacts} artifacts, ${result.renderMs.median.toFixed(0)} ms vs JSON.stringify ${result.floorMs.median.toFixed(0)} ms (×${result.ratio.toFixed(1)})`,
  );
  return result;
}
