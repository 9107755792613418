/**
 * The citizen's view: a static dashboard per plan (status chart as inline SVG, commitments by
 * priority and area, every feed and file linked) and a root page listing the plans. No script
 * at all, and a Content-Security-Policy that forbids it, so nothing an official typed can run.
 * Links between pages are relative, so the site works under any host; the canonical link
 * carries the configured public URL.
 */
import type { Commitment, StatusDefinition } from '../domain/model.ts';
import { statusLabel } from '../domain/vocabulary.ts';
import { CATALOG_FILE, type DatasetNode, siteLanguage } from './dcat.ts';
import { areaFeedPath, commitmentFeedPath, FEED_FILES, type FileFormat, fileTitle, planFiles } from './files.ts';
import { chromeLanguage, formatDate, type Labels, labelsFor } from './labels.ts';
import { observationsHtml } from './observations.ts';
import { PAGE_CONTENT_SECURITY_POLICY } from './security-headers.ts';
import { anchors, dashboardUrl, type PlanSnapshot, planAreas } from './snapshot.ts';
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

const STYLE = `
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
h4{font-size:1rem;margin:0 0 .5rem}
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
@media (min-width:48rem){h1{font-size:2rem}}
`;

function page(options: {
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

const FORMAT_NAMES: Record<FileFormat, string> = {
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

function feedLinks(dir: (file: string) => string, label: string): string {
  const links = FEED_FILES.map(({ file, format }) => `<a href="${esc(dir(file))}">${FORMAT_NAMES[format]}</a>`);
  return `<p class="feeds">${esc(label)}: ${links.join(' · ')}</p>`;
}

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
  const description = words.chartDescription(
    total,
    counts.map((c) => `${c.label}: ${c.count}`),
  );
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

// --- the plan dashboard --------------------------------------------------------------------

function badge(snapshot: PlanSnapshot, code: string): string {
  return `<span class="badge status-${esc(code)}">${esc(statusLabel(snapshot.plan.statuses, code, snapshot.plan.language))}</span>`;
}

function commitmentCard(snapshot: PlanSnapshot, c: Commitment, words: Labels): string {
  const { plan } = snapshot;
  const facts = [
    badge(snapshot, c.status),
    ...(c.progress !== undefined
      ? [`<span>${esc(words.progress)}: <meter min="0" max="100" value="${c.progress}" aria-hidden="true"></meter> ${c.progress}%</span>`]
      : []),
    `<span>${esc(words.lastUpdate)}: <time datetime="${esc(c.reportedAt)}">${esc(formatDate(c.reportedAt, plan.language))}</time></span>`,
  ];
  const observations = c.observations.trim()
    ? observationsHtml(c.observations, `commitment ${c.commitmentId}`)
    : `<p>${esc(words.noObservations)}</p>`;
  const links =
    c.links.length > 0
      ? `<p><strong>${esc(words.relatedLinks)}:</strong></p><ul>${c.links
          .map((l) => `<li><a href="${esc(l.url)}" rel="nofollow noopener">${esc(l.title)}</a></li>`)
          .join('')}</ul>`
      : '';
  return [
    `<li><article class="card" id="${esc(anchors.commitment(c.commitmentId))}">`,
    `<h4>${c.number}. ${esc(c.title)}</h4>`,
    `<div class="facts">${facts.join('')}</div>`,
    `<div class="observations">${observations}</div>`,
    links,
    feedLinks((file) => commitmentFeedPath(c.commitmentId, file), words.feeds),
    '</article></li>',
  ].join('\n');
}

function priorityGroups(commitments: Commitment[]) {
  const priorities = new Map<number, { title: string; areas: Map<string, { name: string; commitments: Commitment[] }> }>();
  for (const c of commitments) {
    const priority = priorities.get(c.priority.number) ?? { title: c.priority.title, areas: new Map() };
    priorities.set(c.priority.number, priority);
    const area = priority.areas.get(c.areaSlug) ?? { name: c.area, commitments: [] };
    priority.areas.set(c.areaSlug, area);
    area.commitments.push(c);
  }
  return priorities;
}

export function renderDashboard(snapshot: PlanSnapshot): string {
  const { plan, commitments } = snapshot;
  const words = labelsFor(plan.language);
  const counts = countByStatus(snapshot);
  const asOf = `<time datetime="${esc(snapshot.generatedAt)}">${esc(formatDate(snapshot.generatedAt, plan.language))}</time>`;
  const badgeStyles = counts
    .map((c) => {
      const { background, text } = statusColour(plan.statuses, c.code);
      return `.status-${c.code}{background:${background};color:${text}}`;
    })
    .join('');

  const sections: string[] = [];
  sections.push(
    '<section aria-labelledby="status-heading">',
    `<h2 id="status-heading">${esc(words.commitmentsByStatus)}</h2>`,
    `<figure class="chart" style="margin:0">${statusChart(snapshot, counts, words)}</figure>`,
    `<ul class="legend">${counts.map((c) => `<li>${badge(snapshot, c.code)} <strong>${c.count}</strong></li>`).join('')}</ul>`,
    '</section>',
  );

  for (const [number, priority] of priorityGroups(commitments)) {
    sections.push(
      `<section aria-labelledby="${anchors.priority(number)}">`,
      `<h2 id="${anchors.priority(number)}">${esc(words.priority)} ${number}. ${esc(priority.title)}</h2>`,
    );
    for (const [, area] of priority.areas) {
      sections.push(
        `<h3>${esc(area.name)}</h3>`,
        '<ul class="cards">',
        ...area.commitments.map((c) => commitmentCard(snapshot, c, words)),
        '</ul>',
      );
    }
    sections.push('</section>');
  }

  const areas = planAreas(snapshot);
  sections.push(
    '<section aria-labelledby="areas-heading">',
    `<h2 id="areas-heading">${esc(words.areas)}</h2>`,
    '<ul class="plain">',
    ...areas.map((area) => {
      const count = commitments.filter((c) => c.areaSlug === area.slug).length;
      return `<li id="${esc(anchors.area(area.slug))}"><strong>${esc(area.name)}</strong> (${count}) ${feedLinks(
        (file) => areaFeedPath(area, file),
        words.feeds,
      )}</li>`;
    }),
    '</ul>',
    '</section>',
  );

  const files = planFiles(snapshot).filter((f) => f.kind !== 'dashboard');
  const fileItem = (f: (typeof files)[number]) =>
    `<li><a href="${esc(f.path)}">${esc(f.path)}</a> — ${esc(fileTitle(f, words))} (${FORMAT_NAMES[f.format]})</li>`;
  sections.push(
    '<section aria-labelledby="data-heading">',
    `<h2 id="data-heading">${esc(words.downloads)}</h2>`,
    `<h3>${esc(words.dataFiles)}</h3>`,
    `<ul class="files">${files
      .filter((f) => f.format !== 'rss' && f.format !== 'atom' && f.format !== 'jsonFeed')
      .map(fileItem)
      .join('')}</ul>`,
    `<h3>${esc(words.feeds)}</h3>`,
    `<ul class="files">${files
      .filter((f) => f.format === 'rss' || f.format === 'atom' || f.format === 'jsonFeed')
      .map(fileItem)
      .join('')}</ul>`,
    `<p>${esc(words.feedsNote)} ${esc(words.areaFeedsNote)}: <a href="#areas-heading">${esc(words.areas)}</a>.</p>`,
    `<p><a href="../../${CATALOG_FILE}">${esc(words.catalog)}</a></p>`,
    '</section>',
  );

  const header = [
    `<p class="meta"><a href="../../${INDEX_FILE}">${esc(words.allPlans)}</a></p>`,
    `<h1>${esc(plan.title)}</h1>`,
    `<p class="meta">${esc(plan.municipality)} · ${esc(words.period)} ${plan.period.start}–${plan.period.end} · ${esc(words.dataAsOf)} ${asOf}</p>`,
    ...(plan.description ? [`<p>${esc(plan.description)}</p>`] : []),
  ].join('\n');
  const footer = [
    `<p>${esc(words.publisher)}: ${plan.publisher.url ? `<a href="${esc(plan.publisher.url)}">${esc(plan.publisher.name)}</a>` : esc(plan.publisher.name)}`,
    ` · ${esc(words.license)}: <a href="${esc(plan.license.url)}" rel="license">${esc(plan.license.title || plan.license.id)}</a>`,
    plan.source ? ` · ${esc(words.source)}: <a href="${esc(plan.source.url)}">${esc(plan.source.title)}</a>` : '',
    '</p>',
  ].join('');
  return page({
    lang: plan.language,
    words,
    title: `${plan.municipality}: ${plan.title}`,
    description: plan.description || `${plan.municipality}: ${plan.title}`,
    canonical: dashboardUrl(snapshot),
    head: [
      ...FEED_FILES.map(
        ({ file, format }) =>
          `<link rel="alternate" type="${format === 'rss' ? 'application/rss+xml' : format === 'atom' ? 'application/atom+xml' : 'application/feed+json'}" title="${esc(`${plan.title} (${FORMAT_NAMES[format]})`)}" href="${file}">`,
      ),
      '<link rel="describedby" type="application/json" href="datapackage.json">',
      `<style>${badgeStyles}</style>`,
    ],
    header,
    main: sections.join('\n'),
    footer,
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
