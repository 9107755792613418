/**
 * The citizen's view: a light summary per plan (status charts as inline SVG with text tables,
 * areas by status, latest updates, the lists that find a commitment, every file linked), the
 * page frame the area and commitment pages share, and a root page listing the plans. No script
 * at all, and a Content-Security-Policy that forbids it, so nothing an official typed can run.
 * Links between pages are relative, so the site works under any host; the canonical link
 * carries the configured public URL.
 */
import type { Commitment, StatusDefinition, StatusUpdate } from '../domain/model.ts';
import { statusLabel } from '../domain/vocabulary.ts';
import { CATALOG_FILE, type DatasetNode, siteLanguage } from './dcat.ts';
import { FEED_FILES, type FileFormat, fileTitle, planFiles } from './files.ts';
import { chromeLanguage, fillLabel, formatDate, type Labels, labelsFor } from './labels.ts';
import { packJson, unpackJson } from './packed.ts';
import { PAGE_CONTENT_SECURITY_POLICY } from './security-headers.ts';
import { commitmentsOfArea, dashboardUrl, liveUpdates, type PlanSnapshot, pagePaths, planAreas } from './snapshot.ts';
import { statusTimeline, type TimelineMonth } from './status-timeline.ts';
import { escapeXml as esc } from './xml.ts';

export const INDEX_FILE = 'index.html';

// --- colour contrast (WCAG 2.x), so a plan's own status colours stay readable --------------

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const DARK = '#111111';
const LIGHT = '#ffffff';
/** Colours for statuses that bring none: distinct, and each ≥ 4.5:1 against white text. */
const FALLBACK_COLOURS = ['#1d4ed8', '#7c3aed', '#0f766e', '#9d174d', '#4b5563', '#92400e'];

export function statusColour(statuses: StatusDefinition[], code: string): { background: string; text: string } {
  const index = Math.max(
    0,
    statuses.findIndex((s) => s.code === code),
  );
  const background = (statuses[index]?.color ?? FALLBACK_COLOURS[index % FALLBACK_COLOURS.length]!).toLowerCase();
  const text = contrastRatio(background, LIGHT) >= contrastRatio(background, DARK) ? LIGHT : DARK;
  return { background, text };
}

// --- shared page frame ---------------------------------------------------------------------

const STYLE_SOURCE = `
:root{color-scheme:light;--ink:#1a1a1a;--muted:#4a4a4a;--line:#d4d4d4;--link:#0b57d0;--soft:#f5f5f4}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
.wrap{max-width:60rem;margin:0 auto;padding:1rem}
a{color:var(--link)}a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
header{border-bottom:1px solid var(--line);background:var(--soft)}
h1{font-size:1.6rem;line-height:1.25;margin:.25rem 0 .5rem}
h2{font-size:1.3rem;margin:2rem 0 .75rem;border-bottom:2px solid var(--line);padding-bottom:.25rem}
h3{font-size:1.1rem;margin:1.25rem 0 .5rem}
.meta{color:var(--muted);margin:.25rem 0}
.chart svg{width:100%;max-width:32rem;height:auto;display:block}
.legend,.plain{list-style:none;padding:0;margin:.5rem 0}
.legend li{margin:.25rem 0}
.cards{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}
.card{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;background:#fff;overflow-wrap:anywhere}
.badge{display:inline-block;border-radius:.75rem;padding:.1rem .6rem;font-size:.9rem;font-weight:600}
.facts{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;margin:.25rem 0 .5rem;color:var(--muted)}
meter{width:6rem;vertical-align:middle}
.observations{margin:.5rem 0}
.observations :first-child{margin-top:0}
.feeds{font-size:.9rem;margin:.5rem 0 0}
.files{padding-left:1.25rem}.files li{margin:.2rem 0}
footer{border-top:1px solid var(--line);margin-top:2rem;color:var(--muted);font-size:.9rem}
figure.chart{margin:0}.chart.wide svg{max-width:40rem}
.scroll{overflow-x:auto;margin:.75rem 0}.scroll:focus-visible{outline:3px solid #f59e0b}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
thead th{background:var(--soft)}.num{text-align:right;font-variant-numeric:tabular-nums}
.list td:first-child{white-space:nowrap}.list .meta{font-size:.85rem}
.columns{display:grid;gap:0 2rem}
.updates,.history{padding-left:1.25rem}.updates li{margin:.5rem 0}
.history>li{margin:0 0 1rem;padding-bottom:.5rem;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
.history h3{font-size:1rem;font-weight:600;margin:0 0 .25rem}
.kicker,.record h2{text-transform:uppercase;letter-spacing:.03em;font-size:.9rem;margin:1.5rem 0 .25rem}.kicker{font-weight:700;color:var(--muted)}
@media (min-width:48rem){h1{font-size:2rem}.columns{grid-template-columns:1fr 2fr}}
@media print{@page{size:A4;margin:18mm 16mm}body{font-size:11pt}.skip,.feeds,nav.crumbs{display:none}
header,thead th{background:none}a{color:inherit}.wrap{max-width:none;padding:0}
.badge{border:1px solid #000}.history>li{break-inside:avoid}h2{break-after:avoid}
.links a::after{content:" — " attr(href);overflow-wrap:anywhere}}
`;

/** Replaced by esbuild's `define` in the Lambda bundles (`packPageStyle()`); absent (undefined) when run from source. */
declare const MANDAT_PAGE_STYLE: string | undefined;

/** The name the bundling defines. */
export const PAGE_STYLE_DEFINE = 'MANDAT_PAGE_STYLE';

export function packPageStyle(): string {
  return packJson(STYLE_SOURCE);
}

// Inline in every page, so that a page saved to disk keeps its looks under its own CSP.
const STYLE = typeof MANDAT_PAGE_STYLE === 'string' ? unpackJson<string>(MANDAT_PAGE_STYLE) : STYLE_SOURCE;

export function page(options: {
  lang: string;
  title: string;
  description: string;
  canonical: string;
  head?: string[];
  header: string;
  main: string;
  footer: string;
  words: Labels;
}): string {
  return [
    '<!doctype html>',
    `<html lang="${esc(options.lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${PAGE_CONTENT_SECURITY_POLICY}">`,
    `<title>${esc(options.title)}</title>`,
    `<meta name="description" content="${esc(options.description)}">`,
    `<link rel="canonical" href="${esc(options.canonical)}">`,
    ...(options.head ?? []),
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<a class="skip" href="#main">${esc(options.words.skipToContent)}</a>`,
    `<header><div class="wrap">${options.header}</div></header>`,
    `<main id="main" class="wrap">${options.main}</main>`,
    `<footer><div class="wrap">${options.footer}</div></footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export const FORMAT_NAMES: Record<FileFormat, string> = {
  csv: 'CSV',
  json: 'JSON',
  rss: 'RSS',
  atom: 'Atom',
  jsonFeed: 'JSON Feed',
  jsonld: 'JSON-LD',
  html: 'HTML',
  markdown: 'Markdown',
  xlsx: 'Excel (XLSX)',
};

// --- the status chart ----------------------------------------------------------------------

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

export interface StatusCount {
  code: string;
  label: string;
  count: number;
}

export function countByStatus(snapshot: PlanSnapshot): StatusCount[] {
  const { plan, commitments } = snapshot;
  const codes = [...plan.statuses.map((s) => s.code)];
  // A commitment whose status left the vocabulary still counts, under its code.
  for (const c of commitments) if (!codes.includes(c.status)) codes.push(c.status);
  return codes.map((code) => ({
    code,
    label: statusLabel(plan.statuses, code, plan.language),
    count: commitments.filter((c) => c.status === code).length,
  }));
}

/** Horizontal bars, label above each bar; the numbers are also in <desc> for screen readers. */
function statusChart(snapshot: PlanSnapshot, counts: StatusCount[], words: Labels): string {
  const width = 320;
  const row = 46;
  const max = Math.max(1, ...counts.map((c) => c.count));
  const barSpace = width - 44;
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  const description = fillLabel(words.chartDescription, { total, parts: counts.map((c) => `${c.label}: ${c.count}`).join('; ') });
  const bars = counts.map((c, i) => {
    const y = i * row;
    const { background } = statusColour(snapshot.plan.statuses, c.code);
    const barWidth = c.count === 0 ? 0 : Math.max(3, Math.round((c.count / max) * barSpace));
    // Bars lighter than 3:1 against white get an outline (WCAG 1.4.11, non-text contrast).
    const outline = contrastRatio(background, LIGHT) < 3 ? ` stroke="${DARK}" stroke-width="1"` : '';
    return [
      `<text x="0" y="${y + 14}" font-size="13" fill="${DARK}">${esc(truncate(c.label, 46))}</text>`,
      `<rect x="0" y="${y + 20}" width="${barWidth}" height="18" rx="3" fill="${background}"${outline}/>`,
      `<text x="${barWidth + 6}" y="${y + 34}" font-size="14" font-weight="700" fill="${DARK}">${c.count}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${counts.length * row}" role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui,sans-serif">`,
    `<title id="chart-title">${esc(words.commitmentsByStatus)}</title>`,
    `<desc id="chart-desc">${esc(description)}</desc>`,
    ...bars,
    '</svg>',
  ].join('\n');
}

// --- pieces the citizen pages share -------------------------------------------------------

export function badge(snapshot: PlanSnapshot, code: string): string {
  return `<span class="badge status-${esc(code)}">${esc(statusLabel(snapshot.plan.statuses, code, snapshot.plan.language))}</span>`;
}

/** Status colours as classes, so a badge needs no inline style (and the label carries the meaning). */
export function badgeStyles(snapshot: PlanSnapshot, codes: string[]): string {
  const rules = codes.map((code) => {
    const { background, text } = statusColour(snapshot.plan.statuses, code);
    return `.status-${code}{background:${background};color:${text}}`;
  });
  return `<style>${rules.join('')}</style>`;
}

const FEED_TYPES = { rss: 'application/rss+xml', atom: 'application/atom+xml', jsonFeed: 'application/feed+json' } as const;

/** Feed autodiscovery for the feeds beside a page. */
export function feedAlternates(title: string, files: ReadonlyArray<(typeof FEED_FILES)[number]> = FEED_FILES): string[] {
  return files.map(
    ({ file, format }) =>
      `<link rel="alternate" type="${FEED_TYPES[format]}" title="${esc(`${title} (${FORMAT_NAMES[format]})`)}" href="${file}">`,
  );
}

export function asOf(snapshot: PlanSnapshot): string {
  return `<time datetime="${esc(snapshot.generatedAt)}">${esc(formatDate(snapshot.generatedAt, snapshot.plan.language))}</time>`;
}

export function dateOf(iso: string, language: string): string {
  return `<time datetime="${esc(iso)}">${esc(formatDate(iso, language))}</time>`;
}

export function planFooter(snapshot: PlanSnapshot, words: Labels): string {
  const { plan } = snapshot;
  return [
    `<p>${esc(words.publisher)}: ${plan.publisher.url ? `<a href="${esc(plan.publisher.url)}">${esc(plan.publisher.name)}</a>` : esc(plan.publisher.name)}`,
    ` · ${esc(words.license)}: <a href="${esc(plan.license.url)}" rel="license">${esc(plan.license.title || plan.license.id)}</a>`,
    plan.source ? ` · ${esc(words.source)}: <a href="${esc(plan.source.url)}">${esc(plan.source.title)}</a>` : '',
    '</p>',
  ].join('');
}

/** A table that may be wider than a phone scrolls on its own, reachable by keyboard. */
export function scrollTable(label: string, table: string): string {
  return `<div class="scroll" role="region" aria-label="${esc(label)}" tabindex="0">${table}</div>`;
}

/** A section named by its heading (`{id}-heading`): the pieces to join, in order. */
export const section = (id: string, heading: string, ...body: string[]): string[] => [
  `<section aria-labelledby="${id}-heading">`,
  `<h2 id="${id}-heading">${esc(heading)}</h2>`,
  ...body,
  '</section>',
];

export interface PriorityGroup {
  number: number;
  title: string;
  commitments: Commitment[];
}

/** Priorities in order (the snapshot's commitments are sorted by priority already). */
export function priorityGroups(commitments: Commitment[]): PriorityGroup[] {
  const groups = new Map<number, PriorityGroup>();
  for (const c of commitments) {
    const group = groups.get(c.priority.number) ?? { number: c.priority.number, title: c.priority.title, commitments: [] };
    groups.set(c.priority.number, group);
    group.commitments.push(c);
  }
  return [...groups.values()];
}

// --- the plan summary ----------------------------------------------------------------------

/** The newest updates the summary lists; the feeds hold more. */
export const SUMMARY_UPDATES = 20;

/** Stacked columns, one per month; the table after it holds the same numbers as text. */
function timelineChart(snapshot: PlanSnapshot, counts: StatusCount[], months: TimelineMonth[], words: Labels): string {
  const column = 24;
  const gap = 6;
  const height = 150;
  const top = 8;
  const width = months.length * (column + gap);
  const max = Math.max(1, ...months.map((m) => m.counts.reduce((a, b) => a + b, 0)));
  const columns = months.map((m, i) => {
    const x = i * (column + gap);
    let y = top + height;
    const parts = m.counts.map((n, s) => {
      const h = (n / max) * height;
      y -= h;
      if (n === 0) return '';
      const { background } = statusColour(snapshot.plan.statuses, counts[s]!.code);
      return `<rect x="${x}" y="${y.toFixed(1)}" width="${column}" height="${h.toFixed(1)}" fill="${background}" stroke="#fff" stroke-width="0.5"/>`;
    });
    const label = `<text x="${x + column / 2}" y="${top + height + 14}" font-size="10" text-anchor="middle" fill="${DARK}">${m.month.slice(5)}</text>`;
    const year =
      i === 0 || m.month.endsWith('-01')
        ? `<text x="${x + column / 2}" y="${top + height + 27}" font-size="10" text-anchor="middle" fill="${DARK}">${m.month.slice(0, 4)}</text>`
        : '';
    return parts.join('') + label + year;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${top + height + 32}" role="img" aria-labelledby="timeline-title timeline-desc" font-family="system-ui,sans-serif">`,
    `<title id="timeline-title">${esc(words.pages.statusOverTime)}</title>`,
    `<desc id="timeline-desc">${esc(words.pages.statusOverTimeNote)}</desc>`,
    `<line x1="0" y1="${top + height}" x2="${width}" y2="${top + height}" stroke="${DARK}" stroke-width="1"/>`,
    ...columns,
    '</svg>',
  ].join('\n');
}

function timelineTable(counts: StatusCount[], months: TimelineMonth[], words: Labels): string {
  const head = `<tr><th scope="col">${esc(words.pages.month)}</th>${counts.map((c) => `<th scope="col">${esc(c.label)}</th>`).join('')}</tr>`;
  const rows = months.map(
    (m) => `<tr><th scope="row">${esc(m.month)}</th>${m.counts.map((n) => `<td class="num">${n}</td>`).join('')}</tr>`,
  );
  // Folded: the chart says it at a glance; the numbers are one activation away, and always in the markup.
  return `<details><summary>${esc(words.pages.statusOverTime)}: ${esc(words.pages.month)} × ${esc(words.status)}</summary>${scrollTable(
    words.pages.statusOverTime,
    `<table><caption>${esc(words.pages.statusOverTime)}</caption><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`,
  )}</details>`;
}

/**
 * Commitments counted by status: a row for each group (an area, a priority) headed by a link to
 * its page, their total last.
 */
function countTable(
  counts: StatusCount[],
  words: Labels,
  caption: string,
  column: string,
  groups: Array<[path: string, name: string, commitments: Commitment[]]>,
): string {
  const head = `<tr><th scope="col">${esc(column)}</th>${counts.map((c) => `<th scope="col">${esc(c.label)}</th>`).join('')}<th scope="col">${esc(words.pages.total)}</th></tr>`;
  const rows = groups.map(([path, name, inGroup]) => {
    const cells = counts.map((s) => `<td class="num">${inGroup.filter((c) => c.status === s.code).length}</td>`);
    return `<tr><th scope="row"><a href="${esc(path)}">${esc(name)}</a></th>${cells.join('')}<td class="num">${inGroup.length}</td></tr>`;
  });
  return scrollTable(caption, `<table><caption>${esc(caption)}</caption><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`);
}

/** One history entry as the summary and the commitment page list it. */
export function statusChange(snapshot: PlanSnapshot, u: StatusUpdate, words: Labels): string {
  if (u.previousStatus === u.status) return `${badge(snapshot, u.status)} (${esc(words.unchanged)})`;
  return `${badge(snapshot, u.previousStatus)} → ${badge(snapshot, u.status)}`;
}

export function renderDashboard(snapshot: PlanSnapshot): string {
  const { plan, commitments } = snapshot;
  const words = labelsFor(plan.language);
  const pw = words.pages;
  const counts = countByStatus(snapshot);
  const sections: string[] = [];

  const priorities = priorityGroups(commitments);
  sections.push(
    ...section(
      'find',
      pw.findCommitment,
      '<div class="columns">',
      `<nav aria-labelledby="by-status"><h3 id="by-status">${esc(pw.byStatus)}</h3><ul class="plain">${counts
        .map((c) => `<li><a href="${esc(pagePaths.status(c.code))}">${esc(c.label)}</a> (${c.count})</li>`)
        .join('')}</ul></nav>`,
      `<nav aria-labelledby="by-priority"><h3 id="by-priority">${esc(pw.byPriority)}</h3><ul class="plain">${priorities
        .map(
          (p) =>
            `<li><a href="${esc(pagePaths.priority(p.number))}">${esc(words.priority)} ${p.number}. ${esc(p.title)}</a> (${p.commitments.length})</li>`,
        )
        .join('')}</ul></nav>`,
      '</div>',
    ),
    ...section(
      'status',
      words.commitmentsByStatus,
      `<figure class="chart">${statusChart(snapshot, counts, words)}</figure>`,
      `<ul class="legend">${counts.map((c) => `<li>${badge(snapshot, c.code)} <strong>${c.count}</strong></li>`).join('')}</ul>`,
    ),
  );

  const months = statusTimeline(
    snapshot,
    counts.map((c) => c.code),
  );
  sections.push(
    ...section(
      'timeline',
      pw.statusOverTime,
      `<p class="meta">${esc(pw.statusOverTimeNote)}</p>`,
      `<figure class="chart wide">${timelineChart(snapshot, counts, months, words)}</figure>`,
      `<ul class="legend">${counts.map((c) => `<li>${badge(snapshot, c.code)}</li>`).join('')}</ul>`,
      timelineTable(counts, months, words),
    ),
    ...section(
      'areas',
      words.areas,
      countTable(
        counts,
        words,
        pw.areasByStatus,
        words.area,
        planAreas(snapshot).map((a) => [pagePaths.area(a.slug), a.name, commitmentsOfArea(snapshot, a.slug)]),
      ),
    ),
    // Each priority's progress at a glance: its own list shows only the plan's structure.
    ...section(
      'priorities',
      pw.byPriority,
      countTable(
        counts,
        words,
        `${words.priority} × ${words.status}`,
        words.priority,
        priorities.map((p) => [pagePaths.priority(p.number), `${p.number}. ${p.title}`, p.commitments]),
      ),
    ),
  );

  const latest = liveUpdates(snapshot.latest).slice(0, SUMMARY_UPDATES);
  sections.push(
    ...section(
      'latest',
      pw.latestUpdates,
      latest.length === 0
        ? `<p>${esc(pw.noUpdates)}</p>`
        : `<ol class="updates">${latest
            .map(
              (u) =>
                `<li>${dateOf(u.reportedAt, plan.language)} · <a href="${esc(pagePaths.commitment(u.commitmentId))}">${u.commitmentNumber}. ${esc(u.commitmentTitle)}</a><br>${statusChange(snapshot, u, words)}</li>`,
            )
            .join('')}</ol>`,
    ),
  );

  const files = planFiles(snapshot).filter((f) => f.kind !== 'dashboard');
  const fileItem = (f: (typeof files)[number]) =>
    `<li><a href="${esc(f.path)}">${esc(f.path)}</a> — ${esc(fileTitle(f, words))} (${FORMAT_NAMES[f.format]})</li>`;
  const isFeed = (f: (typeof files)[number]) => f.format === 'rss' || f.format === 'atom' || f.format === 'jsonFeed';
  // One line per year and format for the monthly history files, so the list stays short over a long plan.
  const historyLines = new Map<string, (typeof files)[number][]>();
  for (const f of files) {
    if (!f.month) continue;
    const line = `${f.month.slice(0, 4)} ${f.format}`;
    historyLines.set(line, [...(historyLines.get(line) ?? []), f]);
  }
  const historyItem = (group: (typeof files)[number][]) =>
    `<li>${esc(fillLabel(words.updatesOfYear, { year: Number(group[0]!.month!.slice(0, 4)) }))} (${FORMAT_NAMES[group[0]!.format]}): ${group
      .map((f) => `<a href="${esc(f.path)}">${f.month}${f.part ? ` (${f.part.index}/${f.part.of})` : ''}</a>`)
      .join(', ')}</li>`;
  const dataItems = files.filter((f) => !isFeed(f) && !f.month).map(fileItem);
  dataItems.splice(dataItems.length - 2, 0, ...[...historyLines.values()].map(historyItem));
  sections.push(
    '<section aria-labelledby="data-heading">',
    `<h2 id="data-heading">${esc(words.downloads)}</h2>`,
    `<h3>${esc(words.dataFiles)}</h3>`,
    `<ul class="files">${dataItems.join('')}</ul>`,
    `<h3>${esc(words.feeds)}</h3>`,
    `<ul class="files">${files.filter(isFeed).map(fileItem).join('')}</ul>`,
    `<p>${esc(words.feedsNote)} ${esc(words.areaFeedsNote)}; ${esc(words.commitmentFeedsNote)}.</p>`,
    `<p><a href="../../${CATALOG_FILE}">${esc(words.catalog)}</a></p>`,
    '</section>',
  );

  const header = [
    `<p class="meta"><a href="../../${INDEX_FILE}">${esc(words.allPlans)}</a></p>`,
    `<h1>${esc(plan.title)}</h1>`,
    `<p class="meta">${esc(plan.municipality)} · ${esc(words.period)} ${plan.period.start}–${plan.period.end} · ${esc(words.dataAsOf)} ${asOf(snapshot)}</p>`,
    ...(plan.description ? [`<p>${esc(plan.description)}</p>`] : []),
  ].join('\n');
  return page({
    lang: plan.language,
    words,
    title: `${plan.municipality}: ${plan.title}`,
    description: plan.description || `${plan.municipality}: ${plan.title}`,
    canonical: dashboardUrl(snapshot),
    head: [
      ...feedAlternates(plan.title),
      '<link rel="describedby" type="application/json" href="datapackage.json">',
      badgeStyles(
        snapshot,
        counts.map((c) => c.code),
      ),
    ],
    header,
    main: sections.join('\n'),
    footer: planFooter(snapshot, words),
  });
}

// --- the root page -------------------------------------------------------------------------

export function renderSiteIndex(baseUrl: string, datasets: DatasetNode[]): string {
  const sorted = [...datasets].sort((a, b) => a['dct:title']['@value'].localeCompare(b['dct:title']['@value']));
  const lang = siteLanguage(sorted);
  const words = labelsFor(lang);
  const items = sorted.map((d) => {
    const planLang = d['dct:title']['@language'] ?? lang;
    const dir = `plans/${encodeURIComponent(d['dct:identifier'])}/`;
    const href = `${dir}${INDEX_FILE}`;
    const start = d['dct:temporal']['dcat:startDate']['@value'].slice(0, 4);
    const end = d['dct:temporal']['dcat:endDate']['@value'].slice(0, 4);
    const modified = d['dct:modified']['@value'];
    return [
      `<li class="card" lang="${esc(planLang)}">`,
      `<h2 style="border:0;margin:0 0 .25rem;font-size:1.15rem"><a href="${esc(href)}">${esc(d['dct:title']['@value'])}</a></h2>`,
      `<p class="meta">${esc(d['dct:publisher']['foaf:name'])} · ${start}–${end}</p>`,
      `<p class="meta" lang="${esc(lang)}">${esc(words.modified)}: <time datetime="${esc(modified)}">${esc(formatDate(modified, lang))}</time> · <a href="${esc(dir)}feed.atom">Atom</a> · <a href="${esc(dir)}feed.rss">RSS</a> · <a href="${esc(dir)}commitments.csv">CSV</a></p>`,
      `<p>${esc(d['dct:description']['@value'])}</p>`,
      '</li>',
    ].join('\n');
  });
  return page({
    lang: chromeLanguage(lang),
    words,
    title: words.siteTitle,
    description: words.siteIntro,
    canonical: `${baseUrl}/`,
    head: [`<link rel="alternate" type="application/ld+json" title="DCAT-AP" href="${CATALOG_FILE}">`],
    header: `<h1>${esc(words.siteTitle)}</h1>\n<p class="meta">${esc(words.siteIntro)}</p>`,
    main: [
      `<p style="margin-top:1.5rem">${esc(words.plans)}: ${sorted.length} · <a href="${CATALOG_FILE}">${esc(words.catalog)}</a></p>`,
      `<ul class="cards">${items.join('\n')}</ul>`,
    ].join('\n'),
    footer: `<p><a href="${CATALOG_FILE}">${esc(words.catalog)}</a></p>`,
  });
}
