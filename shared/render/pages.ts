/**
 * The pages beside the plan summary: one per commitment (laid out as the city's own report page,
 * then its history), one per area (its commitments as a compact table), and the lists that find
 * a commitment without script (by status, by priority). Each lives two directories under the
 * plan, so every link back to the plan starts with "../../".
 */
import type { Commitment } from '../domain/model.ts';
import { statusLabel } from '../domain/vocabulary.ts';
import { SCOPE_FEED_FILES } from './files.ts';
import {
  badge,
  badgeStyles,
  countByStatus,
  dateOf,
  FORMAT_NAMES,
  feedAlternates,
  INDEX_FILE,
  type PriorityGroup,
  page,
  planFooter,
  priorityGroups,
  type StatusCount,
  scrollTable,
  section,
  statusChange,
} from './html.ts';
import { type Labels, labelsFor } from './labels.ts';
import { observationsHtml } from './observations.ts';
import {
  type AreaSummary,
  areaScope,
  areaUrl,
  commitmentScope,
  commitmentsOfArea,
  commitmentUrl,
  FEED_ITEM_LIMIT,
  latest,
  type PlanSnapshot,
  pagePaths,
  planUrl,
} from './snapshot.ts';
import { escapeXml as esc } from './xml.ts';

const UP = '../../';

/** The feeds beside the page, named as the dashboard names them. */
function localFeeds(words: Labels): string {
  const links = SCOPE_FEED_FILES.map(({ file, format }) => `<a href="${file}">${FORMAT_NAMES[format]}</a>`);
  return `<p class="feeds">${esc(words.feeds)}: ${links.join(' · ')}</p>`;
}

/**
 * Every page beside the summary: crumbs back to the plan, a kicker naming what the page is, its
 * heading and its own stamp (not the plan's: a page nothing touched must keep its bytes).
 */
function pageFrame(
  snapshot: PlanSnapshot,
  words: Labels,
  options: {
    title: string;
    canonical: string;
    kicker: string;
    heading: string;
    stamp: string;
    crumb?: string;
    main: string;
    feedsTitle?: string;
    codes: string[];
  },
): string {
  const { plan } = snapshot;
  // The vocabulary's colours and those of codes on this page only: another commitment's stray code must not change these bytes.
  const codes = [...new Set([...plan.statuses.map((st) => st.code), ...options.codes])];
  return page({
    lang: plan.language,
    words,
    title: `${options.title} · ${plan.title}`,
    description: `${plan.municipality}: ${plan.title}. ${options.title}`,
    canonical: options.canonical,
    head: [...(options.feedsTitle ? feedAlternates(options.feedsTitle, SCOPE_FEED_FILES) : []), badgeStyles(snapshot, codes)],
    header: [
      `<nav class="crumbs meta" aria-label="${esc(words.plans)}"><a href="${UP}${UP}${INDEX_FILE}">${esc(words.allPlans)}</a> › <a href="${UP}${INDEX_FILE}">${esc(plan.title)}</a>${options.crumb ?? ''}</nav>`,
      `<p class="kicker">${esc(options.kicker)}</p>`,
      `<h1>${esc(options.heading)}</h1>`,
      `<p class="meta">${esc(plan.municipality)} · ${esc(words.dataAsOf)} ${dateOf(options.stamp, plan.language)}</p>`,
    ].join('\n'),
    main: options.main,
    footer: planFooter(snapshot, words),
  });
}

/** Which columns a list shows: the status unless `status: false` (a list of the plan's structure). */
type Columns = { area?: boolean; date?: boolean; status?: false };

/**
 * Three columns at most, so a phone keeps room for the title: the number, the title (with the
 * area on lists that span areas), and the status (with the date of its last report when asked).
 */
function commitmentRow(snapshot: PlanSnapshot, c: Commitment, columns: Columns): string {
  const title = `<a href="${UP}${esc(pagePaths.commitment(c.commitmentId))}">${esc(c.title)}</a>${columns.area ? `<br><span class="meta">${esc(c.area)}</span>` : ''}`;
  const status = `${badge(snapshot, c.status)}${columns.date ? `<br><span class="meta">${dateOf(c.reportedAt, snapshot.plan.language)}</span>` : ''}`;
  return `<tr><td class="num">${c.number}</td><td>${title}</td>${columns.status === false ? '' : `<td>${status}</td>`}</tr>`;
}

function commitmentTable(snapshot: PlanSnapshot, words: Labels, caption: string, commitments: Commitment[], columns: Columns): string {
  const head = [
    `<th scope="col" class="num">${esc(words.pages.number)}</th>`,
    `<th scope="col">${esc(words.pages.title)}${columns.area ? ` · ${esc(words.area)}` : ''}</th>`,
    columns.status === false ? '' : `<th scope="col">${esc(words.status)}${columns.date ? ` · ${esc(words.lastUpdate)}` : ''}</th>`,
  ];
  return scrollTable(
    caption,
    `<table class="list"><caption>${esc(caption)}</caption><thead><tr>${head.join('')}</tr></thead><tbody>${commitments
      .map((c) => commitmentRow(snapshot, c, columns))
      .join('')}</tbody></table>`,
  );
}

function statusCounts(snapshot: PlanSnapshot, commitments: Commitment[]): StatusCount[] {
  const { plan } = snapshot;
  return countByStatus(snapshot)
    .map((c) => ({
      ...c,
      label: statusLabel(plan.statuses, c.code, plan.language),
      count: commitments.filter((x) => x.status === c.code).length,
    }))
    .filter((c) => c.count > 0);
}

// --- a commitment's page -------------------------------------------------------------------

export function renderCommitmentPage(snapshot: PlanSnapshot, c: Commitment): string {
  const { plan } = snapshot;
  const words = labelsFor(plan.language);
  const pw = words.pages;
  const history = snapshot.latestByCommitment.get(c.commitmentId);
  if (!history) throw new Error(`the snapshot has no updates loaded for commitment ${c.commitmentId}`);

  const facts = [
    badge(snapshot, c.status),
    ...(c.progress !== undefined
      ? [`<span>${esc(words.progress)}: <meter min="0" max="100" value="${c.progress}" aria-hidden="true"></meter> ${c.progress}%</span>`]
      : []),
    `<span>${esc(words.lastUpdate)}: ${dateOf(c.reportedAt, plan.language)}</span>`,
  ];
  const observations = c.observations.trim()
    ? observationsHtml(c.observations, `commitment ${c.commitmentId}`)
    : `<p>${esc(words.noObservations)}</p>`;
  const rows = history.map((u) =>
    [
      '<li>',
      `<h3>${dateOf(u.reportedAt, plan.language)}${u.imported ? ` <small>(${esc(pw.imported)})</small>` : ''}</h3>`,
      `<p>${statusChange(snapshot, u, words)}${u.progress !== undefined ? ` · ${esc(words.progress)} ${u.progress}%` : ''}</p>`,
      u.observations.trim() ? `<div class="observations">${observationsHtml(u.observations, `update ${u.updateId}`)}</div>` : '',
      '</li>',
    ].join(''),
  );
  // The page shows what the feeds hold; a longer history is complete in the monthly files, linked
  // from the summary (listing the years here would rewrite every such page when a year begins).
  const older = history.length >= FEED_ITEM_LIMIT ? `<p><a href="${UP}${INDEX_FILE}#data-heading">${esc(pw.olderHistory)}</a></p>` : '';

  const main = [
    '<div class="record">',
    `<h2>${esc(words.priority)} ${c.priority.number}</h2>`,
    `<p><a href="${UP}${esc(pagePaths.priority(c.priority.number))}">${esc(c.priority.title)}</a></p>`,
    `<h2>${esc(words.area)}</h2>`,
    `<p><a href="${UP}${esc(pagePaths.area(c.areaSlug))}">${esc(c.area)}</a></p>`,
    `<h2>${esc(words.status)}</h2>`,
    `<div class="facts">${facts.join('')}</div>`,
    `<h2>${esc(words.observations)}</h2>`,
    `<div class="observations">${observations}</div>`,
    ...(c.links.length > 0
      ? [
          `<h2>${esc(words.relatedLinks)}</h2>`,
          `<ul class="links">${c.links.map((l) => `<li><a href="${esc(l.url)}" rel="nofollow noopener">${esc(l.title)}</a></li>`).join('')}</ul>`,
        ]
      : []),
    `<h2 id="history">${esc(pw.history)}</h2>`,
    rows.length > 0 ? `<ol class="history" reversed>${rows.join('')}</ol>` : `<p>${esc(pw.noHistory)}</p>`,
    older,
    localFeeds(words),
    '</div>',
  ].join('\n');
  return pageFrame(snapshot, words, {
    title: `${words.commitment} ${c.number}. ${c.title}`,
    canonical: commitmentUrl(snapshot, c.commitmentId),
    kicker: `${words.commitment} ${c.number}`,
    heading: c.title,
    stamp: commitmentScope(snapshot, c).updated,
    crumb: ` › <a href="${UP}${esc(pagePaths.area(c.areaSlug))}">${esc(c.area)}</a>`,
    main,
    feedsTitle: `${c.number}. ${c.title}`,
    codes: [c.status, ...history.flatMap((u) => [u.status, u.previousStatus])],
  });
}

// --- an area's page ------------------------------------------------------------------------

export function renderAreaPage(snapshot: PlanSnapshot, area: AreaSummary): string {
  const { plan } = snapshot;
  const words = labelsFor(plan.language);
  const commitments = commitmentsOfArea(snapshot, area.slug);
  const counts = statusCounts(snapshot, commitments);
  const main = [
    ...section(
      'status',
      words.commitmentsByStatus,
      `<ul class="legend">${counts.map((c) => `<li>${badge(snapshot, c.code)} <strong>${c.count}</strong></li>`).join('')}</ul>`,
      `<p>${esc(words.pages.total)}: <strong>${commitments.length}</strong></p>`,
    ),
    ...section('list', words.commitments, commitmentTable(snapshot, words, words.commitments, commitments, { date: true })),
    localFeeds(words),
  ].join('\n');
  return pageFrame(snapshot, words, {
    title: area.name,
    canonical: areaUrl(snapshot, area.slug),
    kicker: words.area,
    heading: area.name,
    stamp: areaScope(snapshot, area).updated,
    main,
    feedsTitle: area.name,
    codes: commitments.map((x) => x.status),
  });
}

// --- the lists that find a commitment without script ---------------------------------------

/** A status list is stamped by what it lists, not by the plan: an update rewrites only the lists it moved. */
const listStamp = (snapshot: PlanSnapshot, commitments: Commitment[]) =>
  latest(
    commitments.map((c) => c.updatedAt),
    snapshot.plan.createdAt,
  );

export function renderStatusList(snapshot: PlanSnapshot, code: string): string {
  const { plan } = snapshot;
  const words = labelsFor(plan.language);
  const label = statusLabel(plan.statuses, code, plan.language);
  const commitments = snapshot.commitments.filter((c) => c.status === code);
  const caption = `${words.pages.byStatus}: ${label}`;
  return pageFrame(snapshot, words, {
    title: label,
    canonical: planUrl(snapshot, pagePaths.status(code)),
    kicker: words.pages.byStatus,
    heading: `${label} (${commitments.length})`,
    stamp: listStamp(snapshot, commitments),
    main: commitmentTable(snapshot, words, caption, commitments, { area: true }),
    codes: [code],
  });
}

/**
 * The plan's structure under one priority: number, title and area, no status (the summary counts
 * them). Only definitions change it, and its stamp is theirs, so an update leaves its bytes alone
 * and no update's round writes it.
 */
export function renderPriorityList(snapshot: PlanSnapshot, priority: PriorityGroup): string {
  const { plan } = snapshot;
  const words = labelsFor(plan.language);
  const title = `${words.priority} ${priority.number}. ${priority.title}`;
  return pageFrame(snapshot, words, {
    title,
    canonical: planUrl(snapshot, pagePaths.priority(priority.number)),
    kicker: `${words.priority} ${priority.number}`,
    heading: priority.title,
    stamp: latest(
      priority.commitments.map((c) => c.definedAt),
      plan.createdAt,
    ),
    main: commitmentTable(snapshot, words, title, priority.commitments, { area: true, status: false }),
    codes: [],
  });
}

export { priorityGroups };
