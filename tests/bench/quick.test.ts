/**
 * Smoke test of `npm run bench`: its --quick mode runs to the end in a child process and emits
 * every figure. No timing is asserted — only that each measurement produced numbers, and the one
 * correctness property the bench checks: after a burst, every update is public.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/results.ts';

const out = mkdtempSync(join(tmpdir(), 'mandat-bench-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const finite = expect.any(Number);
const summary = { n: expect.any(Number), median: finite, p99: finite };

it('runs every measurement and writes the JSON and the chart', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'bench/run.ts', '--quick', '--json', '--quiet', '--out', out],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const results = JSON.parse(stdout) as BenchResults;
  expect(JSON.parse(readFileSync(join(out, 'quick.json'), 'utf8'))).toEqual(results);
  expect(readFileSync(join(out, 'quick.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\n$/);

  expect(results.machine).toMatchObject({ cpuModel: expect.any(String), cores: expect.any(Number), node: process.version });
  expect(results.productErrors).toBe(0);

  const f = results.freshness!;
  expect(f.measuredFiles).toEqual(expect.arrayContaining(['commitments.csv', 'feed.rss']));
  for (const file of f.measuredFiles) {
    expect(f.single.perFile[file]).toMatchObject(summary);
    expect(f.load.perFile[file]).toMatchObject(summary);
  }

  const { separatePlans, onePlan, oneCommitment } = results.ingest!;
  expect(separatePlans.map((l) => l.clients)).toEqual([1, 8, 32]);
  expect(onePlan.map((l) => l.clients)).toEqual([1, 8, 32, 64]);
  expect(oneCommitment.map((l) => l.clients)).toEqual([16]);
  for (const level of [...separatePlans, ...onePlan, ...oneCommitment]) {
    expect(level).toMatchObject({ ingestMs: summary, floorMs: summary, p99Ratio: finite });
  }

  const b = results.burst!;
  expect(b.regenerations).toBeGreaterThan(0);
  expect(b.regenerationsPerUpdate).toEqual(finite);
  expect(b.s3PutsPerUpdate).toBeGreaterThan(0);
  expect(b.allPresent).toBe(true);
  expect(b.baseline.bytesWrittenPerUpdate).toBeGreaterThan(0);
  expect(b).toMatchObject({ timeRatio: finite, bytesRatio: finite });

  const g = results.growth!;
  expect(g.cells.length).toBeGreaterThanOrEqual(3);
  for (const cell of g.cells)
    expect(cell).toMatchObject({ memory: { ms: summary, baselineMs: summary }, timeRatio: finite, bytesRatio: finite });
  expect(g.cells.some((cell) => cell.dynamoLocal !== undefined)).toBe(true);
  expect(g.historyRatio.ratio).toEqual(finite);

  expect(results.render).toMatchObject({ renderMs: summary, floorMs: summary, ratio: finite });
  expect(results.render!.artifacts).toBeGreaterThan(0);
  expect(results.render!.markdownWorst).toMatchObject({ msPer10KB: finite, baselineMsPer10KB: finite, growth: finite });
  expect(results.render!.markdownWorst.cases).toBeGreaterThan(50);

  expect(results.coldStart!.functions.map((fn) => fn.name)).toEqual(['ingest', 'publish']);
  for (const fn of results.coldStart!.functions) expect(fn).toMatchObject({ bundleKB: finite, importMs: summary });

  const r = results.regional!;
  expect(r).toMatchObject({ publishMs: { regional: summary, alone: summary }, ratio: finite });
  expect(r.writes.rejected).toBe(0);
  expect(r.writes.hottestKeyShare).toBeLessThanOrEqual(r.writes.fairShare);

  const bulk = results.bulkImport!;
  for (const run of [bulk.import, bulk.importAgain, bulk.historyImport, bulk.historyAgain])
    expect(run).toMatchObject({ ms: finite, requests: finite });
  expect(bulk.import.requests).toBeLessThan(bulk.commitments / 50);
  // Re-running either import writes nothing.
  expect(bulk.importAgain.revisionMoves).toBe(0);
  expect(bulk.historyAgain.revisionMoves).toBe(0);
  expect(bulk.speedup).toEqual(finite);

  expect(results.cost!.models).toHaveLength(2);
  for (const model of results.cost!.models) expect(model.usdPerMillionUpdates).toBeGreaterThan(0);
}, 420_000);
