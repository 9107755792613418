/**
 * Prints a results file as the Markdown that docs/PERFORMANCE.md shows: the machine, the
 * table, and the cost model. `npx tsx bench/markdown.ts [bench/results/latest.json]`
 */
import { readFileSync } from 'node:fs';
import { markdownTable } from './report.ts';
import type { BenchResults } from './results.ts';

const file = process.argv[2] ?? new URL('./results/latest.json', import.meta.url).pathname;
const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
const m = results.machine;
const usd = (v: number) => (v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`);

const lines = [
  `Run: \`${results.mode}\` mode, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(results.durationSeconds)} s.`,
  `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.java}; ` +
    `load average ${m.loadAverageAtStart.join(' / ')} at start and ${m.loadAverageAtEnd.join(' / ')} at end (1 / 5 / 15 min).`,
  '',
  markdownTable(results),
];
if (results.cost) {
  const { prices, assumedMemoryMB, models } = results.cost;
  lines.push(
    `Cost per accepted update (${prices.region} list prices checked ${prices.checked}; Lambda arm64 with ` +
      `${assumedMemoryMB.ingest} MB ingest and ${assumedMemoryMB.publish} MB publish; free tiers left out):`,
    '',
    `| item | ${models.map((model) => model.label).join(' | ')} |`,
    `|---|${models.map(() => '---:').join('|')}|`,
  );
  const items = models[0]!.lines.map((line) => line.item);
  for (const [i, item] of items.entries()) {
    lines.push(`| ${item} | ${models.map((model) => `${usd(model.lines[i]!.usdPerMillionUpdates)} (${model.lines[i]!.quantity})`).join(' | ')} |`);
  }
  lines.push(
    `| **total per million updates** | ${models.map((model) => `**${usd(model.usdPerMillionUpdates)}**`).join(' | ')} |`,
    `| CloudFront, per update, per 1,000 followers fetching commitments.csv and feed.rss | ${models.map((model) => usd(model.cloudFrontUsdPerUpdatePer1000Followers)).join(' | ')} |`,
    '',
  );
}
process.stdout.write(lines.join('\n'));
