/**
 * The results as one SVG of four panels, written by hand: a charting library would be a large
 * dependency for four plots, and an SVG diffs and renders on GitHub as it is.
 */

import { fmtMs } from './report.ts';
import type { BenchResults } from './results.ts';

const W = 480;
const H = 320;
const M = { top: 40, right: 16, bottom: 58, left: 58 };
const COLORS = {
  a: '#2563eb',
  b: '#93c5fd',
  c: '#f97316',
  d: '#fdba74',
  floor: '#6b7280',
  ok: '#16a34a',
  miss: '#dc2626',
  grid: '#e5e7eb',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
}

interface Panel {
  x: number;
  y: number;
  body: string[];
}

function panel(x: number, y: number, title: string): Panel {
  return {
    x,
    y,
    body: [
      `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff" stroke="${COLORS.grid}"/>`,
      text(12, 22, title, 'font-weight="bold" font-size="13"'),
    ],
  };
}

function close(p: Panel): string {
  return `<g transform="translate(${p.x},${p.y})">${p.body.join('')}</g>`;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ v: tick steps a reader can add up. */
function niceCeil(v: number): number {
  const exponent = 10 ** Math.floor(Math.log10(Math.max(v, 1e-9)));
  return [1, 2, 2.5, 5, 10].map((m) => m * exponent).find((x) => x >= v)!;
}

const tickLabel = (t: number) => (t >= 1000 ? `${Math.round(t / 100) / 10}k` : String(Math.round(t * 100) / 100));

/** A y axis, linear or log, with grid lines; returns the value → pixel mapping. */
function yAxis(p: Panel, rawMax: number, label: string, log = false, min = 1): (v: number) => number {
  const step = niceCeil(rawMax / 4);
  const max = log ? rawMax : step * 4;
  const top = M.top;
  const bottom = H - M.bottom;
  const scale = log
    ? (v: number) => bottom - ((Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * (bottom - top)
    : (v: number) => bottom - (v / max) * (bottom - top);
  const ticks = log
    ? Array.from({ length: Math.ceil(Math.log10(max) - Math.log10(min)) + 1 }, (_, i) => min * 10 ** i).filter((t) => t <= max)
    : Array.from({ length: 5 }, (_, i) => step * i);
  for (const t of ticks) {
    const y = scale(t);
    p.body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${COLORS.grid}"/>`);
    p.body.push(text(M.left - 6, y + 4, tickLabel(t), 'text-anchor="end" font-size="10"'));
  }
  p.body.push(text(12, (top + bottom) / 2, label, `font-size="10" transform="rotate(-90 12 ${(top + bottom) / 2})" text-anchor="middle"`));
  return scale;
}

function legend(p: Panel, items: Array<[string, string]>): void {
  let x = M.left;
  for (const [color, label] of items) {
    p.body.push(`<rect x="${x}" y="${H - 18}" width="10" height="10" fill="${color}"/>`, text(x + 14, H - 9, label, 'font-size="10"'));
    x += 22 + label.length * 5.6;
  }
}

function targetLine(p: Panel, y: number, label: string): void {
  p.body.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${COLORS.miss}" stroke-dasharray="4 3"/>`,
    text(W - M.right - 2, y - 3, label, `text-anchor="end" font-size="9" fill="${COLORS.miss}"`),
  );
}

function freshnessPanel(r: BenchResults, x: number, y: number): string {
  const p = panel(x, y, 'Freshness: 201 → visible over HTTP (ms)');
  const f = r.freshness;
  if (!f) return close(p);
  const groups = [...f.measuredFiles, 'every file'];
  const pick = (run: typeof f.single, g: string) => (g === 'every file' ? run.allFiles : run.perFile[g]!);
  const max = Math.max(1100, ...groups.flatMap((g) => [pick(f.single, g).p99, pick(f.load, g).p99])) * 1.05;
  const scale = yAxis(p, max, 'ms');
  const slot = (W - M.left - M.right) / groups.length;
  groups.forEach((g, i) => {
    const bars = [pick(f.single, g).median, pick(f.single, g).p99, pick(f.load, g).median, pick(f.load, g).p99];
    const colors = [COLORS.a, COLORS.b, COLORS.c, COLORS.d];
    const bw = (slot - 16) / 4;
    bars.forEach((v, j) => {
      const bx = M.left + i * slot + 8 + j * bw;
      p.body.push(
        `<rect x="${bx.toFixed(1)}" y="${scale(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(scale(0) - scale(v)).toFixed(1)}" fill="${colors[j]}"><title>${esc(fmtMs(v))}</title></rect>`,
      );
    });
    p.body.push(text(M.left + i * slot + slot / 2, H - M.bottom + 14, g, 'text-anchor="middle" font-size="10"'));
  });
  targetLine(p, scale(300), 'target p50 300 ms');
  targetLine(p, scale(1000), 'target p99 1 s');
  legend(p, [
    [COLORS.a, 'single p50'],
    [COLORS.b, 'single p99'],
    [COLORS.c, `${f.load.targetRate}/s p50`],
    [COLORS.d, `${f.load.targetRate}/s p99`],
  ]);
  return close(p);
}

function ingestPanel(r: BenchResults, x: number, y: number): string {
  const p = panel(x, y, 'Ingest p99 (ms) by concurrent signing clients');
  const g = r.ingest;
  if (!g) return close(p);
  const levels = [...new Set([...g.separatePlans, ...g.onePlan].map((l) => l.clients))].sort((a, b) => a - b);
  const series: Array<[string, string, (c: number) => number]> = [
    [COLORS.a, 'separate plans', (c) => g.separatePlans.find((l) => l.clients === c)?.ingestMs.p99 ?? 0],
    [COLORS.c, 'one plan', (c) => g.onePlan.find((l) => l.clients === c)?.ingestMs.p99 ?? 0],
    [COLORS.floor, 'bare PutItem', (c) => [...g.separatePlans, ...g.onePlan].find((l) => l.clients === c)?.floorMs.p99 ?? 0],
  ];
  const max = Math.max(...levels.flatMap((c) => series.map(([, , f]) => f(c)))) * 1.1;
  const scale = yAxis(p, max, 'ms');
  const slot = (W - M.left - M.right) / levels.length;
  levels.forEach((c, i) => {
    const bw = (slot - 20) / series.length;
    series.forEach(([color, , f], j) => {
      const v = f(c);
      const bx = M.left + i * slot + 10 + j * bw;
      p.body.push(
        `<rect x="${bx.toFixed(1)}" y="${scale(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(scale(0) - scale(v)).toFixed(1)}" fill="${color}"><title>${esc(fmtMs(v))}</title></rect>`,
      );
    });
    p.body.push(
      text(M.left + i * slot + slot / 2, H - M.bottom + 14, `${c} client${c > 1 ? 's' : ''}`, 'text-anchor="middle" font-size="10"'),
    );
  });
  legend(
    p,
    series.map(([color, label]) => [color, label] as [string, string]),
  );
  return close(p);
}

function growthPanel(r: BenchResults, x: number, y: number): string {
  const p = panel(x, y, 'Publish after one update (ms) vs history length');
  const g = r.growth;
  if (!g) return close(p);
  const cells = g.cells.filter((c) => c.commitments === g.historyRatio.commitments).sort((a, b) => a.history - b.history);
  const values = cells.flatMap((c) => [c.memory.ms.median, c.memory.baselineMs.median, c.dynamoLocal?.ms.median ?? c.memory.ms.median]);
  const max = Math.max(...values) * 2;
  const min = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...values) / 2)));
  const scale = yAxis(p, max, 'ms (log)', true, min);
  const xs = cells.map((c) => c.history);
  const lx = (h: number) =>
    M.left +
    20 +
    ((Math.log10(h) - Math.log10(xs[0]!)) / Math.max(1e-9, Math.log10(xs[xs.length - 1]!) - Math.log10(xs[0]!))) *
      (W - M.left - M.right - 40);
  const line = (color: string, points: Array<[number, number]>, dash = '') => {
    const path = points.map(([h, v]) => `${lx(h).toFixed(1)},${scale(v).toFixed(1)}`).join(' ');
    p.body.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`);
    for (const [h, v] of points) {
      p.body.push(
        `<circle cx="${lx(h).toFixed(1)}" cy="${scale(v).toFixed(1)}" r="3" fill="${color}"><title>${esc(fmtMs(v))}</title></circle>`,
      );
    }
  };
  line(
    COLORS.a,
    cells.map((c) => [c.history, c.memory.ms.median]),
  );
  const endToEnd = cells.filter((c) => c.dynamoLocal).map((c): [number, number] => [c.history, c.dynamoLocal!.ms.median]);
  if (endToEnd.length) line(COLORS.b, endToEnd, '6 3');
  line(
    COLORS.c,
    cells.map((c) => [c.history, c.memory.baselineMs.median]),
    '5 3',
  );
  line(
    COLORS.ok,
    cells.map((c) => [c.history, cells[0]!.memory.ms.median * 1.3]),
    '2 3',
  );
  for (const h of xs) {
    p.body.push(text(lx(h), H - M.bottom + 14, `${h >= 1000 ? `${h / 1000}k` : h} updates`, 'text-anchor="middle" font-size="10"'));
  }
  legend(p, [
    [COLORS.a, 'render + write'],
    [COLORS.b, 'end to end (DDB Local)'],
    [COLORS.c, 'baseline'],
    [COLORS.ok, 'target 1.3 × first'],
  ]);
  return close(p);
}

function targetsPanel(r: BenchResults, x: number, y: number): string {
  const p = panel(x, y, 'Measured / target (≤ 1 meets the target)');
  const bars: Array<[string, number]> = [];
  if (r.freshness) {
    bars.push(
      ['freshness p50 (single)', r.freshness.single.allFiles.median / 300],
      ['freshness p99 (20/s)', r.freshness.load.allFiles.p99 / 1000],
    );
  }
  if (r.ingest) bars.push(['ingest p99 / PutItem (worst)', Math.max(...r.ingest.separatePlans.map((l) => l.p99Ratio)) / 3]);
  if (r.burst) bars.push(['regenerations per update', r.burst.regenerationsPerUpdate / 0.1]);
  if (r.growth)
    bars.push([
      `history ${tickLabel(r.growth.historyRatio.to)}/${tickLabel(r.growth.historyRatio.from)}`,
      r.growth.historyRatio.ratio / 1.3,
    ]);
  if (r.render) bars.push(['render / JSON.stringify', r.render.ratio / 5]);
  for (const fn of r.coldStart?.functions ?? [])
    bars.push([`${fn.name} bundle KB`, fn.bundleKB / 150], [`${fn.name} import ms`, fn.importMs.median / 50]);
  if (r.regional) bars.push(['regional / alone', r.regional.ratio / 1.2]);
  if (bars.length === 0) return close(p);
  const left = 170;
  const right = W - 40;
  const lo = 0.01;
  const hi = Math.max(10, ...bars.map(([, v]) => v)) * 1.2;
  const sx = (v: number) => left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (right - left);
  const rowH = Math.min(22, (H - M.top - 36) / bars.length);
  for (const t of [0.01, 0.1, 1, 10, 100, 1000].filter((t) => t <= hi)) {
    p.body.push(
      `<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${M.top}" y2="${M.top + rowH * bars.length}" stroke="${t === 1 ? COLORS.miss : COLORS.grid}" ${t === 1 ? 'stroke-dasharray="4 3"' : ''}/>`,
    );
    p.body.push(text(sx(t), M.top + rowH * bars.length + 12, `×${t}`, 'text-anchor="middle" font-size="9"'));
  }
  bars.forEach(([label, v], i) => {
    const by = M.top + i * rowH;
    p.body.push(text(left - 6, by + rowH / 2 + 4, label, 'text-anchor="end" font-size="10"'));
    p.body.push(
      `<rect x="${left}" y="${(by + 3).toFixed(1)}" width="${Math.max(1, sx(v) - left).toFixed(1)}" height="${(rowH - 6).toFixed(1)}" fill="${v <= 1 ? COLORS.ok : COLORS.miss}"><title>${v.toFixed(2)}</title></rect>`,
    );
    p.body.push(text(sx(v) + 4, by + rowH / 2 + 4, v.toFixed(2), 'font-size="9"'));
  });
  return close(p);
}

export function chart(r: BenchResults): string {
  const width = W * 2 + 30;
  const height = H * 2 + 70;
  const m = r.machine;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">`,
    `<rect width="100%" height="100%" fill="#f9fafb"/>`,
    text(
      10,
      22,
      `Mandat Obert benchmark (${r.mode}), ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
      'font-size="15" font-weight="bold"',
    ),
    text(
      10,
      40,
      `${m.cpuModel}, ${m.cores} cores, Node ${m.node}; DynamoDB Local + s3rver on the same machine`,
      'font-size="11" fill="#4b5563"',
    ),
    freshnessPanel(r, 10, 55),
    ingestPanel(r, W + 20, 55),
    growthPanel(r, 10, H + 65),
    targetsPanel(r, W + 20, H + 65),
    '</svg>',
    '',
  ].join('\n');
}
