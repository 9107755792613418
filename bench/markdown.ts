/**
 * Prints a results file as the Markdown that docs/PERFORMANCE.md shows: the machine and the
 * table, then the cost model; or only one of them, or writes both into the page between its
 * markers.
 *
 *   npx tsx bench/markdown.ts [results.json] [--results | --cost | --update docs/PERFORMANCE.md]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { markdownTable } from './report.ts';
import type { BenchResults } from './results.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--update');
const file = positional[0] ?? new URL('./results/latest.json', import.meta.url).pathname;
const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
const m = results.machine;
const usd = (v: number) => (v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`);

const table = [
  `Run: \`${results.mode}\` mode, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(results.durationSeconds)} s.`,
  `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.java}; ` +
    `load average ${m.loadAverageAtStart.join(' / ')} at start and ${m.loadAverageAtEnd.join(' / ')} at end (1 / 5 / 15 min).`,
  '',
  markdownTable(results),
];
const lines: string[] = [];
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
    lines.push(
      `| ${item} | ${models.map((model) => `${usd(model.lines[i]!.usdPerMillionUpdates)} (${model.lines[i]!.quantity})`).join(' | ')} |`,
    );
  }
  lines.push(
    `| **total per million updates** | ${models.map((model) => `**${usd(model.usdPerMillionUpdates)}**`).join(' | ')} |`,
    `| CloudFront, per update, per 1,000 followers fetching commitments.csv and feed.rss | ${models.map((model) => usd(model.cloudFrontUsdPerUpdatePer1000Followers)).join(' | ')} |`,
    '',
  );
}
const cost = lines;

const update = args[args.indexOf('--update') + 1];
if (flag('--update') && update) {
  const page = readFileSync(update, 'utf8');
  const replace = (text: string, marker: string, body: string) =>
    text.replace(
      new RegExp(`(<!-- ${marker}:start[^>]*-->\\n)[\\s\\S]*?(<!-- ${marker}:end -->)`),
      (_m, start: string, end: string) => `${start}${body}${end}`,
    );
  writeFileSync(update, replace(replace(page, 'results', table.join('\n')), 'cost', cost.join('\n')));
} else {
  const parts = flag('--results') ? [table] : flag('--cost') ? [cost] : [table, cost];
  process.stdout.write(parts.map((p) => p.join('\n')).join('\n'));
}
