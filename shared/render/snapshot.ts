/** Everything a renderer needs about a plan, read once per regeneration. */
import { compareNewestFirst, type HistorySummary, historyMonthKeys, reportedMonth, summarizeHistory } from '../domain/history.ts';
import type { Commitment, Plan, StatusUpdate } from '../domain/model.ts';

export interface PlanSnapshot {
  plan: Plan;
  /** Sorted by priority number, then commitment number. */
  commitments: Commitment[];
  /** Years, counts and areas of the whole history. */
  history: HistorySummary;
  /** The plan's newest updates, newest first: at most FEED_ITEM_LIMIT, all a feed shows. */
  latest: StatusUpdate[];
  /**
   * The newest updates (at most FEED_ITEM_LIMIT, newest first) of the areas and commitments whose
   * feeds are rendered, and of every area left only in the history. A publish after one update
   * loads these for what it touched; a full snapshot has them all.
   */
  latestByArea: Map<string, StatusUpdate[]>;
  latestByCommitment: Map<string, StatusUpdate[]>;
  /** The months (`YYYY-MM`) whose history files are rendered, each complete, oldest first. */
  months: Map<string, StatusUpdate[]>;
  /**
   * The instant the data last changed (the plan's `updatedAt`, bumped by every change), never
   * the clock: unchanged data must render to unchanged bytes, or every ETag would churn.
   */
  generatedAt: string;
  /** Public base URL of the site, no trailing slash. */
  baseUrl: string;
  /** WebSub hubs every feed advertises (rel="hub"); none when WebSub is off. */
  hubs?: readonly string[];
}

/** Readers show at most this many items; older ones stay in the monthly history files. */
export const FEED_ITEM_LIMIT = 100;

function group<T>(items: Iterable<T>, keyOf: (item: T) => string | number, limit = Number.POSITIVE_INFINITY) {
  const groups = new Map<string | number, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (!list) groups.set(key, [item]);
    else if (list.length < limit) list.push(item);
  }
  return groups;
}

/**
 * A complete snapshot from the whole history: what a full republish renders, and the definition
 * of what a partial one must equal for the files it renders.
 */
export function snapshotOf(
  plan: Plan,
  commitments: Commitment[],
  updates: StatusUpdate[],
  baseUrl: string,
  hubs: readonly string[] = [],
): PlanSnapshot {
  const newestFirst = [...updates].sort(compareNewestFirst);
  const byMonth = group(newestFirst, (u) => reportedMonth(u)) as Map<string, StatusUpdate[]>;
  const latestByCommitment = group(newestFirst, (u) => u.commitmentId, FEED_ITEM_LIMIT) as Map<string, StatusUpdate[]>;
  for (const c of commitments) if (!latestByCommitment.has(c.commitmentId)) latestByCommitment.set(c.commitmentId, []);
  return {
    plan,
    commitments: sortCommitments(commitments),
    history: summarizeHistory(updates),
    latest: newestFirst.slice(0, FEED_ITEM_LIMIT),
    latestByArea: group(newestFirst, (u) => u.areaSlug, FEED_ITEM_LIMIT) as Map<string, StatusUpdate[]>,
    latestByCommitment,
    months: new Map([...byMonth].sort(([a], [b]) => a.localeCompare(b)).map(([month, list]) => [month, list.reverse()])),
    generatedAt: plan.updatedAt,
    baseUrl,
    hubs,
  };
}

/** Years that have history, oldest first. */
export function historyYears(snapshot: Pick<PlanSnapshot, 'history'>): number[] {
  return [...snapshot.history.years.keys()].sort((a, b) => a - b);
}

/** Months (`YYYY-MM`) that have history, oldest first: one history file each, or more (see MONTH_PART_ROWS). */
export function historyMonths(snapshot: Pick<PlanSnapshot, 'history'>): string[] {
  return historyMonthKeys(snapshot.history);
}

/**
 * Rows per monthly history file. A longer month continues in parts of this many rows, in the
 * files' order: an update reported now lands in the last part, so a publish rewrites that part
 * alone instead of every row of a dense month (25,000 updates a year make months of 2,000 rows,
 * 2.5 MB per file). A city's usual month (tens of updates) is one file, as before.
 */
export const MONTH_PART_ROWS = 500;

/** How many files a month of `count` updates takes. */
export const monthPartCount = (count: number) => Math.max(1, Math.ceil(count / MONTH_PART_ROWS));

/** A month's rows (oldest first) cut into its files' parts: the first MONTH_PART_ROWS, the next, … */
export function monthParts<T>(rows: readonly T[]): T[][] {
  const parts: T[][] = [];
  for (let start = 0; start < rows.length; start += MONTH_PART_ROWS) parts.push(rows.slice(start, start + MONTH_PART_ROWS));
  return parts.length > 0 ? parts : [[]];
}

/**
 * Where a month's history lives under plans/{planId}/: `updates/{YYYY}/{MM}.csv|json`, and a
 * long month's further parts `updates/{YYYY}/{MM}-part-{n}.csv|json` (n from 2).
 */
export const historyPath = (month: string, extension: 'csv' | 'json', part = 1) =>
  `updates/${month.slice(0, 4)}/${month.slice(5, 7)}${part > 1 ? `-part-${part}` : ''}.${extension}`;

export function planUrl(snapshot: { baseUrl: string; plan: Pick<Plan, 'planId'> }, path = ''): string {
  return `${snapshot.baseUrl}/plans/${encodeURIComponent(snapshot.plan.planId)}/${path}`;
}

/**
 * The plan's dashboard, named in full: a CDN in front of a bucket does not turn "…/" into
 * "…/index.html" unless told to, and these URLs end up in feed readers and portals.
 */
export function dashboardUrl(snapshot: { baseUrl: string; plan: Pick<Plan, 'planId'> }, fragment = ''): string {
  return planUrl(snapshot, `index.html${fragment ? `#${fragment}` : ''}`);
}

/** Where each citizen page lives under plans/{planId}/ (each an index.html beside its feeds). */
export const pagePaths = {
  commitment: (commitmentId: string) => `commitments/${commitmentId}/index.html`,
  area: (areaSlug: string) => `areas/${areaSlug}/index.html`,
  status: (code: string) => `statuses/${code}/index.html`,
  priority: (number: number) => `priorities/${number}/index.html`,
};

/** A commitment's own page: what feed items and readers link to. */
export function commitmentUrl(snapshot: Pick<PlanSnapshot, 'baseUrl' | 'plan'>, commitmentId: string): string {
  return planUrl(snapshot, pagePaths.commitment(commitmentId));
}

export function areaUrl(snapshot: Pick<PlanSnapshot, 'baseUrl' | 'plan'>, areaSlug: string): string {
  return planUrl(snapshot, pagePaths.area(areaSlug));
}

export function sortCommitments(commitments: Commitment[]): Commitment[] {
  return [...commitments].sort(
    (a, b) => a.priority.number - b.priority.number || a.number - b.number || a.commitmentId.localeCompare(b.commitmentId),
  );
}

/** ISO timestamps compare as strings once normalised to UTC, which the API does on the way in. */
export function latest(instants: Array<string | undefined>, fallback: string): string {
  let best = fallback;
  for (const instant of instants) if (instant && instant > best) best = instant;
  return best;
}

/** What one feed covers: the whole plan, one area or one commitment. */
export interface FeedScope {
  kind: 'plan' | 'area' | 'commitment';
  /** Title suffix (area name, commitment title); undefined for the whole plan. */
  label?: string;
  /** Directory of the feed under the plan: "", "areas/{slug}/" or "commitments/{id}/". */
  dir: string;
  /** Newest first. */
  updates: StatusUpdate[];
  /** Where a person reads the same thing: the plan summary, the area's page or the commitment's page. */
  alternateUrl: string;
  /**
   * When the scope's content last changed, from the data only: its newest update or its
   * commitments' definitions. An area that nothing touched keeps its stamp, and its bytes.
   */
  updated: string;
  /** The area or commitment the scope is about (its page is rendered with its feeds). */
  area?: AreaSummary;
  commitment?: Commitment;
}

export interface AreaSummary {
  slug: string;
  name: string;
}

/**
 * Areas of the plan: those of current commitments, then areas left only in the history (a
 * commitment moved away), newest activity first, named as their latest update names them.
 */
export function planAreas(snapshot: Pick<PlanSnapshot, 'commitments' | 'history' | 'latestByArea'>): AreaSummary[] {
  const areas = new Map<string, string>();
  for (const c of snapshot.commitments) if (!areas.has(c.areaSlug)) areas.set(c.areaSlug, c.area);
  const historyOnly = [...snapshot.history.areaSlugs]
    .filter((slug) => !areas.has(slug))
    .map((slug) => ({ slug, newest: latestOfArea(snapshot, slug)[0] }))
    .filter((entry): entry is { slug: string; newest: StatusUpdate } => entry.newest !== undefined)
    .sort((a, b) => compareNewestFirst(a.newest, b.newest));
  for (const { slug, newest } of historyOnly) areas.set(slug, newest.area);
  return [...areas].map(([slug, name]) => ({ slug, name }));
}

/** A scope's window must have been loaded: rendering a feed from a window never read would empty it. */
function latestOfArea(snapshot: Pick<PlanSnapshot, 'latestByArea' | 'history'>, slug: string): StatusUpdate[] {
  const updates = snapshot.latestByArea.get(slug);
  if (updates) return updates;
  if (!snapshot.history.areaSlugs.has(slug)) return [];
  throw new Error(`the snapshot has no updates loaded for area ${slug}`);
}

function latestOfCommitment(snapshot: PlanSnapshot, commitment: Commitment): StatusUpdate[] {
  const updates = snapshot.latestByCommitment.get(commitment.commitmentId);
  if (updates) return updates;
  throw new Error(`the snapshot has no updates loaded for commitment ${commitment.commitmentId}`);
}

/** What feeds announce: updates posted live, never the past an admin imported. */
export const liveUpdates = (updates: StatusUpdate[]) => updates.filter((u) => u.imported !== true);

export function planScope(snapshot: PlanSnapshot): FeedScope {
  const updates = liveUpdates(snapshot.latest);
  return {
    kind: 'plan',
    dir: '',
    updates,
    alternateUrl: dashboardUrl(snapshot),
    updated: latest([...updates.map((u) => u.receivedAt), ...snapshot.commitments.map((c) => c.updatedAt)], snapshot.plan.createdAt),
  };
}

const commitmentsByArea = new WeakMap<PlanSnapshot, Map<string, Commitment[]>>();

export function commitmentsOfArea(snapshot: PlanSnapshot, slug: string): Commitment[] {
  let groups = commitmentsByArea.get(snapshot);
  if (!groups) {
    groups = group(snapshot.commitments, (c) => c.areaSlug) as Map<string, Commitment[]>;
    commitmentsByArea.set(snapshot, groups);
  }
  return groups.get(slug) ?? [];
}

export function areaScope(snapshot: PlanSnapshot, area: AreaSummary): FeedScope {
  const updates = liveUpdates(latestOfArea(snapshot, area.slug));
  const commitments = commitmentsOfArea(snapshot, area.slug);
  return {
    kind: 'area',
    area,
    label: area.name,
    dir: `areas/${area.slug}/`,
    updates,
    alternateUrl: areaUrl(snapshot, area.slug),
    updated: latest([...updates.map((u) => u.receivedAt), ...commitments.map((c) => c.updatedAt)], snapshot.plan.createdAt),
  };
}

export function commitmentScope(snapshot: PlanSnapshot, commitment: Commitment): FeedScope {
  const updates = liveUpdates(latestOfCommitment(snapshot, commitment));
  return {
    kind: 'commitment',
    commitment,
    label: `${commitment.number}. ${commitment.title}`,
    dir: `commitments/${commitment.commitmentId}/`,
    updates,
    alternateUrl: commitmentUrl(snapshot, commitment.commitmentId),
    updated: latest([commitment.updatedAt, ...updates.map((u) => u.receivedAt)], snapshot.plan.createdAt),
  };
}
