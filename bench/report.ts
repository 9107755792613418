/** The results as rows: a fixed-width table for the terminal and a Markdown table for the docs. */
import type { BenchResults } from './results.ts';
import type { Summary } from './stats.ts';

export interface Row {
  section: string;
  label: string;
  median?: string;
  p99?: string;
  detail?: string;
  target?: string;
  /** undefined: no target */
  ok?: boolean;
}

export const fmtMs = (ms: number) =>
  !Number.isFinite(ms)
    ? '–'
    : ms >= 10_000
      ? `${(ms / 1000).toFixed(1)} s`
      : ms >= 1000
        ? `${(ms / 1000).toFixed(2)} s`
        : ms >= 10
          ? `${ms.toFixed(0)} ms`
          : `${ms.toFixed(1)} ms`;
export const fmtBytes = (b: number) =>
  b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KB` : `${b.toFixed(0)} B`;
export const fmtRatio = (r: number) =>
  !Number.isFinite(r) ? '–' : r >= 10 ? `×${r.toFixed(0)}` : r >= 0.1 ? `×${r.toFixed(2)}` : `×${r.toFixed(3)}`;
const fmtCount = (n: number) => n.toLocaleString('en-US');
const fmtUsd = (usd: number) =>
  `$${usd >= 100 ? usd.toFixed(0) : usd >= 1 ? usd.toFixed(2) : usd >= 0.001 ? usd.toFixed(4) : usd.toExponential(2)}`;

function timed(s: Summary): Pick<Row, 'median' | 'p99'> {
  return { median: fmtMs(s.median), p99: fmtMs(s.p99) };
}

export function rows(r: BenchResults): Row[] {
  const out: Row[] = [];
  if (r.freshness) {
    const f = r.freshness;
    const section = `1. Freshness: 201 → visible over HTTP (plan of ${f.plan.commitments} commitments, ${f.plan.history} updates)`;
    const target = 'p50 ≤ 300 ms, p99 ≤ 1 s';
    const ok = (s: Summary) => s.median <= 300 && s.p99 <= 1000;
    for (const [name, run] of [
      [`single updates (n=${f.single.updates})`, f.single],
      [`${f.load.targetRate}/s for ${f.load.seconds.toFixed(0)} s (n=${f.load.updates})`, f.load],
    ] as const) {
      for (const file of f.measuredFiles)
        out.push({ section, label: `${name}: ${file}`, ...timed(run.perFile[file]!), target, ok: ok(run.perFile[file]!) });
      out.push({
        section,
        label: `${name}: every file`,
        ...timed(run.allFiles),
        detail:
          [
            run.missed ? `${run.missed} not visible within the timeout` : '',
            run.breakdown
              ? `medians: ${run.breakdown.waitMs.toFixed(0)} ms until its publish started, ${run.breakdown.publishMs.toFixed(0)} ms publishing, ${run.breakdown.visibleMs.toFixed(0)} ms until seen`
              : '',
            'invocations' in run && run.invocations
              ? `${run.invocations.count} publish invocations, the longest ${(run.invocations.longestMs / 1000).toFixed(1)} s (rounds back to back while updates keep coming)`
              : '',
          ]
            .filter(Boolean)
            .join('; ') || undefined,
        target,
        ok: ok(run.allFiles) && run.missed === 0,
      });
    }
    const rejected = Object.entries(f.load.rejected);
    out.push({
      section,
      label: 'accepted under load',
      detail:
        `${f.load.updates} of ${f.load.sent} (${f.load.achievedRate.toFixed(1)}/s)` +
        (rejected.length ? `; rejected: ${rejected.map(([status, n]) => `${n}× ${status}`).join(', ')}` : ''),
      target: 'all',
      ok: rejected.length === 0,
    });
    for (const file of f.absentFiles) out.push({ section, label: `${file}: not published by this build`, detail: 'not measured' });
    out.push({
      section,
      label: 'watcher polls stalled by the S3 server',
      detail: `${f.stalledPolls} (each file is polled by two loops; see docs/PERFORMANCE.md)`,
    });
  }
  if (r.ingest) {
    const section = '2. Ingest latency (signed POST over HTTP) vs a bare PutItem';
    for (const [variant, levels] of [
      ['separate plans', r.ingest.separatePlans],
      ['one plan', r.ingest.onePlan],
      ['one commitment', r.ingest.oneCommitment ?? []],
    ] as const) {
      for (const level of levels) {
        const rejected = Object.entries(level.rejected)
          .map(([status, n]) => `${n}× ${status}`)
          .join(', ');
        out.push({
          section,
          label: `${level.clients} client${level.clients > 1 ? 's' : ''}, ${variant}`,
          ...timed(level.ingestMs),
          detail: `PutItem ${fmtMs(level.floorMs.median)} / ${fmtMs(level.floorMs.p99)}; p99 ${fmtRatio(level.p99Ratio)}; ${level.throughput.toFixed(0)}/s${rejected ? `; ${rejected}` : ''}`,
          target: 'p99 ≤ 3 × PutItem p99',
          ok: level.p99Ratio <= 3,
        });
      }
    }
    // Issue #18, goal 1: writers are never bounced for being many.
    const goal = '2. Goal: no bounced writers (issue #18)';
    for (const [variant, levels] of [
      ['writers on one plan', r.ingest.onePlan],
      ['writers on one commitment, no If-Match', r.ingest.oneCommitment ?? []],
    ] as const) {
      for (const level of levels) {
        const bounced = (level.rejected['409'] ?? 0) + (level.rejected['503'] ?? 0);
        out.push({
          section: goal,
          label: `${level.clients} ${variant}`,
          ...timed(level.ingestMs),
          detail: `${bounced} × 409/503 of ${level.requests}; ${level.throughput.toFixed(0)}/s`,
          target: '0 × 409/503',
          ok: bounced === 0,
        });
      }
    }
  }
  if (r.burst) {
    const b = r.burst;
    const section = `3. Burst: ${b.updates} updates to one plan, ${r.sizes.burst.concurrency} clients`;
    out.push({
      section,
      label: 'regenerations per update',
      detail: `${b.regenerations} regenerations in ${b.invocations} invocations for ${b.accepted} updates = ${b.regenerationsPerUpdate.toFixed(3)}${b.roundsWritten === undefined ? '' : `; the plan's files were written in ${b.roundsWritten} rounds`}`,
      target: '≤ 0.1',
      ok: b.regenerationsPerUpdate <= 0.1,
    });
    out.push({
      section,
      label: 'S3 PUTs per update',
      detail: `${b.s3PutsPerUpdate.toFixed(2)} (+ ${b.s3ListsPerUpdate.toFixed(2)} LIST, ${(b.s3HeadsPerUpdate ?? 0).toFixed(2)} HEAD, ${(b.s3GetsPerUpdate ?? 0).toFixed(2)} GET)`,
    });
    out.push({ section, label: 'bytes written per update', detail: fmtBytes(b.bytesWrittenPerUpdate) });
    out.push({ section, label: 'publish time per update', detail: fmtMs(b.publishMsPerUpdate) });
    out.push({ section, label: 'publish invocation time', ...timed(b.publishMs) });
    out.push({
      section,
      label: 'accepted / drained',
      detail: `${b.acceptedPerSecond.toFixed(0)} updates/s accepted (${b.retried} 409s retried); quiet ${b.drainSeconds.toFixed(1)} s after the first POST`,
    });
    out.push({
      section,
      label: 'every update public after quiet',
      detail: b.allPresent ? 'yes' : `no: ${b.missingFromHistory} missing from history, ${b.staleCommitments} stale commitments`,
      target: 'all',
      ok: b.allPresent,
    });
  }
  if (r.growth) {
    const g = r.growth;
    const section = `4. Growth: publish after one update, render + write (reads from memory); history over ${g.period.start}–${g.period.end}, update in ${g.period.end}`;
    for (const cell of g.cells) {
      const e2e = cell.dynamoLocal
        ? `end to end on DynamoDB Local ${fmtMs(cell.dynamoLocal.ms.median)} / ${fmtMs(cell.dynamoLocal.ms.p99)} (read ${fmtMs(cell.dynamoLocal.readMs)})`
        : 'end to end: not measured (partition too large for DynamoDB Local)';
      out.push({
        section,
        label: `${fmtCount(cell.commitments)} commitments × ${fmtCount(cell.history)} updates`,
        ...timed(cell.memory.ms),
        detail: `n=${cell.memory.ms.n}; render ${fmtMs(cell.memory.renderMs)}, write ${fmtMs(cell.memory.writeMs)}; reads ${fmtCount(cell.itemsRead)} items (${fmtCount(cell.readUnits)} RRU); writes ${cell.objectsWritten} objects, ${fmtBytes(cell.bytesWritten)} (S3: ${cell.s3Puts} PUT, ${cell.s3Lists} LIST, ${cell.s3Heads ?? 0} HEAD); ${e2e}`,
      });
    }
    out.push({
      section,
      label: `history ${fmtCount(g.historyRatio.to)} / ${fmtCount(g.historyRatio.from)} (${fmtCount(g.historyRatio.commitments)} commitments)`,
      detail: `${fmtRatio(g.historyRatio.ratio)} (render + write)`,
      target: '≤ 1.3',
      ok: g.historyRatio.ratio <= 1.3,
    });
    if (g.historyRatio.dynamoLocal) {
      out.push({
        section,
        label: `history ${fmtCount(g.historyRatio.dynamoLocal.to)} / ${fmtCount(g.historyRatio.from)}, end to end`,
        detail: `${fmtRatio(g.historyRatio.dynamoLocal.ratio)} (DynamoDB Local)`,
        target: '≤ 1.3',
        ok: g.historyRatio.dynamoLocal.ratio <= 1.3,
      });
    }
    out.push({
      section,
      label: `commitments ${fmtCount(g.commitmentsRatio.to)} / ${fmtCount(g.commitmentsRatio.from)} (${fmtCount(g.commitmentsRatio.history)} updates)`,
      detail: `${fmtRatio(g.commitmentsRatio.ratio)} (render + write)`,
    });
  }
  if (r.render) {
    const x = r.render;
    out.push({
      section: `5. Render: every artifact of a ${fmtCount(x.commitments)}-commitment plan (${fmtCount(x.history)} updates)`,
      label: `${x.artifacts} artifacts, ${x.renderedMB.toFixed(1)} MB`,
      ...timed(x.renderMs),
      detail: `JSON.stringify of the same data (${x.floorMB.toFixed(1)} MB): ${fmtMs(x.floorMs.median)} / ${fmtMs(x.floorMs.p99)}; ${fmtRatio(x.ratio)}`,
      target: '≤ 5 × JSON.stringify',
      ok: x.ratio <= 5,
    });
    const w = x.markdownWorst;
    out.push({
      section: `5. Render: every artifact of a ${fmtCount(x.commitments)}-commitment plan (${fmtCount(x.history)} updates)`,
      label: 'worst-case Markdown transform per 10 KB',
      median: fmtMs(w.msPer10KB),
      detail: `${w.transform} on "${w.input}" (${fmtBytes(w.bytes)}; slowest of ${w.cases}); escapeXml of the same bytes ${fmtMs(w.baselineMsPer10KB)} (${fmtRatio(w.ratio)}); half the length → the limit ${fmtRatio(w.growth)}`,
      target: 'linear: ×≤ 2.5 for twice the length',
      ok: w.growth <= 2.5,
    });
  }
  if (r.bulkImport) {
    const x = r.bulkImport;
    const section = `10. Bulk import: the CLI against the local runtime (issue 16)`;
    const again = (run: { revisionMoves: number }) =>
      run.revisionMoves === 0 ? 'nothing written' : `${run.revisionMoves} plan revisions moved`;
    out.push({
      section,
      label: `mandat import of ${fmtCount(x.commitments)} commitments`,
      median: fmtMs(x.import.ms),
      detail: `${x.import.requests} requests; baseline per-row PUTs ${x.baseline.perSecond.toFixed(0)}/s (${x.baseline.commitments}), batch ${fmtRatio(x.speedup)}`,
      target: '≤ 10 s',
      ok: x.import.ms <= 10_000,
    });
    out.push({
      section,
      label: 'the same import again',
      median: fmtMs(x.importAgain.ms),
      detail: `${x.importAgain.requests} requests; ${again(x.importAgain)}`,
      target: 'changes nothing',
      ok: x.importAgain.revisionMoves === 0,
    });
    out.push({
      section,
      label: `mandat import-history of ${fmtCount(x.history)} past updates`,
      median: fmtMs(x.historyImport.ms),
      detail:
        `${x.historyImport.requests} requests, ${(x.history / (x.historyImport.ms / 1000)).toFixed(0)} updates/s` +
        (x.publishedMs === undefined ? '' : `; every file published ${fmtMs(x.publishedMs)} after the last request`),
    });
    out.push({
      section,
      label: 'the same history again',
      median: fmtMs(x.historyAgain.ms),
      detail: `${x.historyAgain.requests} requests; ${again(x.historyAgain)}`,
      target: 'changes nothing',
      ok: x.historyAgain.revisionMoves === 0,
    });
  }
  if (r.citizenSite) {
    const x = r.citizenSite;
    const section = `9. Citizen site: a ${fmtCount(x.commitments)}-commitment plan in ${x.areas} areas (${fmtCount(x.history)} updates); uncompressed HTML`;
    out.push({
      section,
      label: 'summary page (plans/{id}/index.html)',
      median: fmtBytes(x.summaryBytes),
      target: '≤ 150 KB',
      ok: x.summaryBytes <= x.budgets.summary,
    });
    out.push({
      section,
      label: 'area page (areas/{slug}/index.html)',
      median: fmtBytes(x.areaBytes.median),
      p99: fmtBytes(x.areaBytes.max),
      detail: 'median / largest',
      target: '≤ 120 KB',
      ok: x.areaBytes.max <= x.budgets.area,
    });
    out.push({
      section,
      label: 'commitment page without its history',
      median: fmtBytes(x.commitmentBytes.median),
      p99: fmtBytes(x.commitmentBytes.max),
      detail: `median / largest; its history list: ${fmtBytes(x.historyBytes.median)} / ${fmtBytes(x.historyBytes.max)}`,
      target: '≤ 30 KB + history',
      ok: x.commitmentBytes.max <= x.budgets.commitment,
    });
    out.push({
      section,
      label: 'S3 PUTs per update',
      detail: `${x.putsPerUpdate.after} with the pages, ${x.putsPerUpdate.before} without (as before them); pages written: ${x.putsPerUpdate.pages.join(', ')}; ${fmtBytes(x.bytesPerUpdate)} written`,
    });
    out.push({
      section,
      label: `full republish: ${fmtCount(x.republish.artifacts)} objects, ${fmtBytes(x.republish.bytes)}`,
      ...timed(x.republish.ms),
      detail: `${fmtCount(x.republish.pages)} HTML pages, ${fmtBytes(x.republish.htmlBytes)}; render + in-memory write`,
    });
  }
  if (r.coldStart) {
    const section = '6. Cold-start proxy: bundle size and import in a fresh Node process';
    for (const fn of r.coldStart.functions) {
      out.push({
        section,
        label: `${fn.name}: bundle`,
        detail: `${fn.bundleKB.toFixed(1)} KB minified (largest: ${fn.largestParts
          .slice(0, 2)
          .map((p) => `${p.source} ${p.kB.toFixed(0)} KB`)
          .join(', ')})`,
        target: '≤ 150 KB',
        ok: fn.bundleKB <= 150,
      });
      out.push({
        section,
        label: `${fn.name}: import`,
        ...timed(fn.importMs),
        detail: `AWS SDK ${fmtMs(fn.sdkImportMs.median)} + own code ${fmtMs(fn.ownImportMs.median)}`,
        target: '≤ 50 ms',
        ok: fn.importMs.median <= 50,
      });
    }
    if (r.coldStart.console) {
      out.push({
        section,
        label: 'signing console: bundle',
        detail: `${r.coldStart.console.scriptKB.toFixed(1)} KB minified script (${r.coldStart.console.totalKB.toFixed(1)} KB with its page and stylesheet)`,
        target: '≤ 60 KB',
        ok: r.coldStart.console.scriptKB <= 60,
      });
    }
  }
  {
    const section = '7. Baseline (scan everything, rewrite everything, every change): ours / baseline';
    if (r.burst) {
      const b = r.burst;
      out.push({
        section,
        label: `burst: publish time per update`,
        detail: `${fmtMs(b.publishMsPerUpdate)} vs ${fmtMs(b.baseline.msPerUpdate.median)} = ${fmtRatio(b.timeRatio)}`,
      });
      out.push({
        section,
        label: `burst: bytes written per update`,
        detail: `${fmtBytes(b.bytesWrittenPerUpdate)} vs ${fmtBytes(b.baseline.bytesWrittenPerUpdate)} = ${fmtRatio(b.bytesRatio)}`,
      });
    }
    for (const cell of r.growth?.cells ?? []) {
      out.push({
        section,
        label: `growth ${fmtCount(cell.commitments)} × ${fmtCount(cell.history)}: time, bytes`,
        detail:
          `${fmtRatio(cell.timeRatio)} (${fmtMs(cell.memory.ms.median)} vs ${fmtMs(cell.memory.baselineMs.median)}), ` +
          `${fmtRatio(cell.bytesRatio)} (${fmtBytes(cell.bytesWritten)} vs ${fmtBytes(cell.baseline.bytesWritten)})` +
          (cell.dynamoLocal
            ? `; end to end with its scan ${fmtMs(cell.dynamoLocal.ms.median)} vs ${fmtMs(cell.dynamoLocal.baselineMs.median)}`
            : ''),
      });
    }
  }
  if (r.regional) {
    const g = r.regional;
    const section = `8. Regional: ${fmtCount(g.plans)} plans × ${g.commitmentsPerPlan} commitments in one table`;
    out.push({ section, label: 'publish one plan, regional table', ...timed(g.publishMs.regional) });
    out.push({ section, label: 'publish one plan, alone in a table', ...timed(g.publishMs.alone) });
    out.push({ section, label: 'regional / alone', detail: fmtRatio(g.ratio), target: '≤ 1.2', ok: g.ratio <= 1.2 });
    out.push({
      section,
      label: 'writes per partition key',
      detail: `${g.writes.updates} updates → ${g.writes.distinctKeys} keys; hottest ${(g.writes.hottestKeyShare * 100).toFixed(2)}% of writes (fair share ${(g.writes.fairShare * 100).toFixed(2)}%); per plan key max/mean ${g.writes.perPlanKey.maxOverMean.toFixed(2)}`,
      target: '≤ fair share',
      ok: g.writes.hottestKeyShare <= g.writes.fairShare,
    });
    out.push({
      section,
      label: 'write units per update',
      detail: `${g.writes.writeUnitsPerUpdate} WRU (${g.writes.writeUnitsPerUpdateOnPlanKey} on the plan's key → ≤ ${g.writes.maxUpdatesPerSecondPerPlan.toFixed(0)} updates/s per plan)`,
    });
  }
  if (r.cost) {
    const section = `Cost per accepted update on AWS (${r.cost.prices.region} list prices)`;
    // Issue 18's targets: one at a time, then in a burst (the models' order).
    const targets = [100, 15];
    for (const [i, model] of r.cost.models.entries()) {
      const target = targets[i];
      out.push({
        section,
        label: model.label,
        detail: `${fmtUsd(model.usdPerMillionUpdates)} per million updates (${fmtUsd(model.usdPerUpdate * 1000)} per 1,000); + CloudFront ${fmtUsd(model.cloudFrontUsdPerUpdatePer1000Followers)} per update per 1,000 followers`,
        ...(target === undefined ? {} : { target: `≤ $${target} per million`, ok: model.usdPerMillionUpdates <= target }),
      });
    }
  }
  return out;
}

const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'ok' : 'MISS');

export function textTable(r: BenchResults): string {
  const all = rows(r);
  const m = r.machine;
  const lines = [
    `Mandat Obert benchmark (${r.mode}), ${r.startedAt}, ${r.durationSeconds.toFixed(0)} s`,
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.java}; load average ${m.loadAverageAtStart[0]} at start, ${m.loadAverageAtEnd[0]} at end`,
  ];
  const width = { label: 52, median: 9, p99: 9, target: 24, ok: 4 };
  let section = '';
  for (const row of all) {
    if (row.section !== section) {
      section = row.section;
      lines.push(
        '',
        section,
        `  ${'measure'.padEnd(width.label)} ${'median'.padStart(width.median)} ${'p99'.padStart(width.p99)}  ${'target'.padEnd(width.target)} ${''.padEnd(width.ok)}  detail`,
      );
    }
    lines.push(
      `  ${row.label.padEnd(width.label)} ${(row.median ?? '').padStart(width.median)} ${(row.p99 ?? '').padStart(width.p99)}  ${(row.target ?? '').padEnd(width.target)} ${mark(row.ok).padEnd(width.ok)}  ${row.detail ?? ''}`.trimEnd(),
    );
  }
  if (r.productErrors) lines.push('', `The product logged ${r.productErrors} error(s) during the run; see the log file.`);
  return lines.join('\n') + '\n';
}

export function markdownTable(r: BenchResults): string {
  const lines = ['| measure | median | p99 | target | | detail |', '|---|---:|---:|---|---|---|'];
  let section = '';
  for (const row of rows(r)) {
    if (row.section !== section) {
      section = row.section;
      lines.push(`| **${section}** | | | | | |`);
    }
    const cell = (s?: string) => (s ?? '').replace(/\|/g, '\\|');
    lines.push(
      `| ${cell(row.label)} | ${cell(row.median)} | ${cell(row.p99)} | ${cell(row.target)} | ${row.ok === undefined ? '' : row.ok ? '✅' : '❌'} | ${cell(row.detail)} |`,
    );
  }
  return lines.join('\n') + '\n';
}
