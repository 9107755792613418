/**
 * Regenerates a plan's open-data files from the table's current state and writes the ones
 * whose bytes changed; then keeps the site's root (catalog.jsonld, index.html) in step.
 *
 * Nothing rendered depends on the clock: every stamp comes from the data, so publishing the
 * same state twice writes nothing and ETags stay stable for conditional GETs.
 */

import { compareNewestFirst, type HistoryMonth, type HistorySummary, yearOfMonth } from '../domain/history.ts';
import type { Commitment, Plan, StatusUpdate } from '../domain/model.ts';
import { renderAtom } from '../render/atom.ts';
import { renderCommitmentsCsv, renderUpdatesCsv } from '../render/csv.ts';
import { renderDatapackage } from '../render/datapackage.ts';
import {
  CATALOG_FILE,
  type DatasetNode,
  datasetRecordKey,
  parseDatasetRecord,
  renderCatalog,
  renderDatasetRecord,
} from '../render/dcat.ts';
import { CONTENT_TYPES, FEED_FILES, SCOPE_FEED_FILES } from '../render/files.ts';
import { countByStatus, INDEX_FILE, renderDashboard, renderSiteIndex } from '../render/html.ts';
import { renderCommitmentsJson, renderUpdatesJson } from '../render/json.ts';
import { renderJsonFeed } from '../render/json-feed.ts';
import { collectRenderFallbacks, type RenderFallback } from '../render/observations.ts';
import { priorityGroups, renderAreaPage, renderCommitmentPage, renderPriorityList, renderStatusList } from '../render/pages.ts';
import { renderReadme } from '../render/readme.ts';
import { renderRss } from '../render/rss.ts';
import {
  areaScope,
  commitmentScope,
  FEED_ITEM_LIMIT,
  type FeedScope,
  historyPath,
  monthParts,
  type PlanSnapshot,
  pagePaths,
  planAreas,
  planScope,
  snapshotOf,
  sortCommitments,
} from '../render/snapshot.ts';
import { renderCommitmentsXlsx, XLSX_FILE } from '../render/xlsx.ts';
import {
  type Artifact,
  type ArtifactStore,
  type ArtifactWriter,
  DEFAULT_CACHE_CONTROL,
  md5,
  type WriteResult,
} from '../store/artifacts.ts';
import type { PlanReader, PlanStore } from '../store/plans.ts';
import type { PublishLeaseStore } from '../store/publish-leases.ts';
import type { UpdateSequencer } from '../store/sequencer.ts';
import type { PublishRound } from './coordinator.ts';
import { monthFromPublished } from './month-history.ts';

export { CONTENT_TYPES } from '../render/files.ts';

/** What publishing reads of storage: a plan's items, the plans registry, the publish leases (and the sequencer it runs under them). */
export type PublishRepository = PlanReader & Pick<PlanStore, 'listPlans'> & PublishLeaseStore & UpdateSequencer;

export interface PublishDependencies {
  repository: PublishRepository;
  store: ArtifactStore;
  baseUrl: string;
  /** WebSub hubs the feeds advertise (the configured WEBSUB_HUBS); none when WebSub is off. */
  hubs?: readonly string[];
}

/**
 * Publishing one plan only writes (possibly through the coordinator's fenced writer). With
 * `snapshots`, a round also keeps the commitments it rendered (see loadCommitments).
 */
export type PlanPublishDependencies = Omit<PublishDependencies, 'store' | 'repository'> & {
  repository: PlanReader;
  store: ArtifactWriter;
  /** Where the previous round's commitments are read back from (the artifact store). */
  snapshots?: Pick<ArtifactStore, 'read'>;
  /** A coordinated round that keeps the site's root in step with the plan's record (see publishPlan). */
  site?: { round: SiteRound; store: ArtifactStore };
};

/** What a round knows of the site's root (see PublishRound). */
export type SiteRound = Pick<PublishRound, 'full' | 'siteRecord' | 'forgetSiteRecord' | 'confirmSiteRecord'>;

/** The commitments a complete round rendered, and the plan revision it rendered: private to the publisher. */
export const SNAPSHOTS_PREFIX = 'snapshots/';
export const snapshotKey = (planId: string) => `${SNAPSHOTS_PREFIX}${planId}.json`;

interface CommitmentsSnapshot {
  planId: string;
  revision: number;
  commitments: Commitment[];
  windows?: FeedWindows;
  /** The PAGES_LAYOUT of the round that wrote it (absent: written before there was one). */
  layout?: number;
}

/**
 * The layout of the pages a round of updates leaves alone (the priority lists, since they
 * stopped showing status). A round after a snapshot of another layout renders and compares every
 * list, and writes a new snapshot: a deployment catches up by itself, not only by a republish.
 */
const PAGES_LAYOUT = 2;

/**
 * The feeds' windows a round rendered, kept with its snapshot so that the next rounds move them
 * on by the updates ordered since instead of reading them again (a plan's and an area's window is
 * about 100 items, 25 read units each). Each is the newest FEED_ITEM_LIMIT updates of its scope
 * at the snapshot's revision or later (never earlier: they are read or moved on after the plan);
 * `updates` is how many updates the plan had ordered at the snapshot's revision.
 */
interface FeedWindows {
  updates: number;
  plan: StatusUpdate[];
  areas: Record<string, StatusUpdate[]>;
}

/**
 * What a batch of changes touched in one plan. The plan-level files always regenerate (they
 * summarise everything); the per-area and per-commitment feeds and the history files only for
 * what is named here.
 */
export interface ChangeHint {
  /** Commitments whose definition, state or history changed. */
  commitmentIds: Iterable<string>;
  /** Areas touched besides the changed commitments' current ones (e.g. the one a commitment left). */
  areaSlugs?: Iterable<string>;
  /** Years of the updates recorded (their `reportedAt`); without it (and without months), every year is re-rendered. */
  years?: Iterable<number>;
  /** Months (`YYYY-MM`) of the updates recorded: when given, only these history files are re-rendered, not whole years. */
  months?: Iterable<string>;
}

export interface PublishOptions {
  /** Without a hint every file of the plan is regenerated (republish, catch-up, metadata change). */
  changed?: ChangeHint;
  /**
   * The plan revision of the last complete publish: everything the table changed since is
   * added to the hint (or, when that cannot be told, everything is regenerated).
   */
  since?: number;
  /**
   * With a hint, whether to read only what it reaches ('changed') or whichever of that and the
   * whole history is fewer items ('cheaper', the default). Both produce the same files; tests
   * use 'changed' to race the partial reads on small plans.
   */
  reads?: 'cheaper' | 'changed';
}

interface ResolvedHint {
  commitmentIds: Set<string>;
  areaSlugs: Set<string>;
  /** Years whose every month is re-rendered (a hint that named years, not months). */
  years: Set<number>;
  /** Months (`YYYY-MM`) whose history files are re-rendered. */
  months: Set<string>;
}

/**
 * What changed in a plan after its revision `since`, told by the plan's own bookkeeping:
 * commitments written since (their `planRevision`), the commitments and areas of the newest
 * updates recorded since, and the years whose history moved since. Undefined means "cannot
 * tell": never published, the plan's own metadata changed, or items written before these
 * fields existed.
 */
export function changesSince(
  snapshot: Pick<PlanSnapshot, 'plan' | 'commitments' | 'latest' | 'history'>,
  since: number,
): ResolvedHint | undefined {
  if (since <= 0 || (snapshot.plan.metadataRevision ?? Number.POSITIVE_INFINITY) > since) return undefined;
  const hint: ResolvedHint = { commitmentIds: new Set(), areaSlugs: new Set(), years: new Set(), months: new Set() };
  for (const c of snapshot.commitments) {
    if (c.planRevision === undefined) return undefined;
    if (c.planRevision > since) {
      hint.commitmentIds.add(c.commitmentId);
      if (c.previousAreaSlug) hint.areaSlugs.add(c.previousAreaSlug);
    }
  }
  // Every update since also moved its commitment's planRevision (above); these add the area it
  // was recorded under, which the commitment may have left since.
  for (const u of snapshot.latest) {
    if (u.planRevision <= since) continue;
    hint.commitmentIds.add(u.commitmentId);
    hint.areaSlugs.add(u.areaSlug);
  }
  const { months, years } = snapshot.history;
  if (months) {
    for (const [month, entry] of months) if (entry.revision > since) hint.months.add(month);
  } else {
    for (const [year, entry] of years) if (entry.revision > since) hint.years.add(year);
  }
  return hint;
}

/** The batch's hint with what the table says changed since the last publish; undefined = everything. */
function resolveHint(
  snapshot: Pick<PlanSnapshot, 'plan' | 'commitments' | 'latest' | 'history'>,
  options: PublishOptions,
): ResolvedHint | undefined {
  const { changed } = options;
  if (!changed) return undefined;
  const hint: ResolvedHint = {
    commitmentIds: new Set(changed.commitmentIds),
    areaSlugs: new Set(changed.areaSlugs ?? []),
    months: new Set(changed.months ?? []),
    years: new Set(changed.months ? [] : (changed.years ?? snapshot.history.years.keys())),
  };
  if (options.since === undefined) return hint;
  const fromTable = changesSince(snapshot, options.since);
  if (!fromTable) return undefined;
  for (const id of fromTable.commitmentIds) hint.commitmentIds.add(id);
  for (const slug of fromTable.areaSlugs) hint.areaSlugs.add(slug);
  for (const year of fromTable.years) hint.years.add(year);
  for (const month of fromTable.months) hint.months.add(month);
  return hint;
}

export interface PublishResult extends WriteResult {
  planId: string;
  revision: number;
  /** How many artifacts were rendered (and compared); the rest of the plan's files were not touched. */
  artifacts: number;
  /** Updates read from the table for this publish (the whole history, or only what the hint reaches). */
  updatesRead: number;
  /** Observations the Markdown renderer failed on, published as plain text instead (to be reported). */
  renderFallbacks?: RenderFallback[];
  /** The site root's check, when the round ran one. */
  site?: SitePublishResult;
}

/**
 * The updates the publisher's sequencer has ordered: an accepted update waits (planRevision 0)
 * until then, and is published by the round that orders it.
 */
const sequenced = (updates: StatusUpdate[]) => updates.filter((u) => u.planRevision > 0);

/** Every update of the plan, read once: a full republish, `mandat verify`, or a history small enough. */
export async function loadSnapshot(
  planId: string,
  deps: { repository: PlanReader; baseUrl: string; hubs?: readonly string[] },
): Promise<PlanSnapshot | undefined> {
  const plan = await deps.repository.getPlan(planId);
  if (!plan) return undefined;
  const [commitments, updates] = await Promise.all([deps.repository.listCommitments(planId), deps.repository.listUpdates(planId)]);
  return snapshotOf(plan, commitments, sequenced(updates), deps.baseUrl, deps.hubs);
}

interface LoadedPlan {
  snapshot: PlanSnapshot;
  /** Undefined: render every file. */
  hint?: ResolvedHint;
  updatesRead: number;
  /** The revision of the previous round's snapshot the commitments were built upon; undefined: all were read. */
  builtUpon?: number | undefined;
  /** The months built from their published files: the updates each part's file holds, by id. */
  publishedParts?: Map<string, Array<string[] | undefined>>;
  /**
   * The feeds' windows to keep with the next snapshot; `renewWindows`: the snapshot's could not
   * all be moved on (none kept, an update beyond the newest read, an area it lacks), so a new
   * snapshot keeps the ones read from the table instead of the next rounds reading them again.
   */
  windows?: FeedWindows;
  renewWindows?: boolean;
  /** The snapshot built upon was written with this PAGES_LAYOUT (or there is no snapshot store to ask). */
  laidOut: boolean;
}

/**
 * Reads what a publish needs, no more. With a hint and a plan that keeps its history summary,
 * that is the plan, its commitments, the newest updates of the plan and of each touched area
 * and commitment (local indexes, strongly consistent), and the touched years in full; the
 * cost no longer depends on how long the history is, only on what changed and on the size of
 * a year. When reading everything would read fewer items (a short history, a large batch), it
 * reads everything: both give the same snapshot for the files rendered.
 */
async function loadForPublish(planId: string, deps: PlanPublishDependencies, options: PublishOptions): Promise<LoadedPlan | undefined> {
  const { repository } = deps;
  const state = await repository.getPlanHistory(planId);
  if (!state) return undefined;
  const { plan, history } = state;
  let laidOut = !deps.snapshots;
  // Everything, reusing the commitments when they were read already (all reads come after the plan's).
  const full = async (read?: Commitment[], builtUpon?: number): Promise<LoadedPlan> => {
    const [commitments, all] = await Promise.all([read ?? repository.listCommitments(planId), repository.listUpdates(planId)]);
    const updates = sequenced(all);
    const snapshot = snapshotOf(plan, commitments, updates, deps.baseUrl, deps.hubs);
    // Every window, from the whole history.
    const windows = history && {
      updates: orderedUpdates(history),
      plan: snapshot.latest,
      areas: Object.fromEntries(snapshot.latestByArea),
    };
    return {
      snapshot,
      hint: resolveHint(snapshot, options),
      updatesRead: updates.length,
      builtUpon,
      laidOut,
      ...(windows ? { windows } : {}),
    };
  };
  if (!options.changed || !history) return full();

  // The updates ordered since the snapshot (at most SNAPSHOT_MAX_AGE revisions before `since`,
  // one update each when they come one at a time) are the newest: read only as many, with the snapshot.
  const { since } = options;
  const fewest = deps.snapshots && since ? Math.min(FEED_ITEM_LIMIT, plan.revision - since + SNAPSHOT_MAX_AGE) : FEED_ITEM_LIMIT;
  const [previous, newest] = await Promise.all([
    previousCommitments(planId, deps, since),
    repository.latestUpdates(planId, undefined, fewest),
  ]);
  laidOut ||= previous?.layout === PAGES_LAYOUT;
  let moved = previous && windowsSince(previous, plan, history, newest);
  // Fewer than asked for is every ordered update: the plan's window already. Otherwise, when the
  // newest few do not hold every update since (one put a little into the past), the plan's whole window may.
  let windowRead: StatusUpdate[] = [];
  if (!moved && newest.length >= fewest && fewest < FEED_ITEM_LIMIT) {
    windowRead = await repository.latestUpdates(planId, undefined, FEED_ITEM_LIMIT);
    moved = previous && windowsSince(previous, plan, history, windowRead);
  }
  const latest = moved?.plan ?? (windowRead.length > 0 ? windowRead : newest);
  const [commitments, builtUpon] = await loadCommitments(planId, deps, { plan, latest, previous, changed: options.changed });
  const sorted = sortCommitments(commitments);
  const hint = resolveHint({ plan, commitments: sorted, latest, history }, options);
  if (!hint) return full(commitments, builtUpon);
  // A commitment in another area than the snapshot's copy: the area it left lists it no more. Its
  // `previousAreaSlug` says so only until its next update, which may come before a round does.
  const areaBefore = new Map(previous?.commitments.map((c) => [c.commitmentId, c.areaSlug]));
  for (const c of sorted) {
    const was = areaBefore.get(c.commitmentId);
    if (was && was !== c.areaSlug) {
      hint.areaSlugs.add(was);
      hint.commitmentIds.add(c.commitmentId);
    }
  }

  const current = new Map(sorted.map((c) => [c.commitmentId, c]));
  const touchedCommitments = [...hint.commitmentIds].filter((id) => current.has(id));
  const commitmentsPerArea = new Map<string, number>();
  for (const c of sorted) commitmentsPerArea.set(c.areaSlug, (commitmentsPerArea.get(c.areaSlug) ?? 0) + 1);
  const areas = new Set([...hint.areaSlugs, ...touchedCommitments.map((id) => current.get(id)!.areaSlug)]);
  // Areas left only in the history are named by their latest update: always loaded (rare, small).
  for (const slug of history.areaSlugs) if (!commitmentsPerArea.has(slug)) areas.add(slug);
  // Only the months named, or every month of a year named: the chart draws from the summary's monthly moves.
  const monthCounts = history.months ?? new Map<string, HistoryMonth>();
  const months = [...monthCounts.keys()].filter((month) => hint.months.has(month) || hint.years.has(yearOfMonth(month))).sort();

  // Items read each way, estimated with the history spread evenly over the commitments.
  const total = orderedUpdates(history);
  const perCommitment = total / Math.max(1, sorted.length);
  const inArea = (slug: string) => commitmentsPerArea.get(slug) ?? 1;
  const partial =
    touchedCommitments.length * Math.min(FEED_ITEM_LIMIT, perCommitment) +
    // The months are not counted: a round builds them from their published files (see monthFromPublished).
    [...areas].reduce((sum, slug) => sum + Math.min(FEED_ITEM_LIMIT, perCommitment * inArea(slug)), 0);
  if (options.reads !== 'changed' && total <= partial) return full(commitments, builtUpon);

  let monthRowsRead = 0;
  const publishedParts = new Map<string, Array<string[] | undefined>>();
  // Without windows to move on (none kept yet, or beyond the newest 100), every area's is read
  // once and kept, not only the touched ones': the rounds after then read none.
  const unkept =
    deps.snapshots && since && !moved
      ? [...new Set([...commitmentsPerArea.keys(), ...history.areaSlugs])].filter((slug) => !areas.has(slug))
      : [];
  const [commitmentWindows, areaWindows, unkeptWindows, monthUpdates] = await Promise.all([
    Promise.all(touchedCommitments.map((id) => repository.latestUpdates(planId, { commitmentId: id }, FEED_ITEM_LIMIT))),
    Promise.all([...areas].map((slug) => moved?.areas[slug] ?? repository.latestUpdates(planId, { areaSlug: slug }, FEED_ITEM_LIMIT))),
    Promise.all(unkept.map((slug) => repository.latestUpdates(planId, { areaSlug: slug }, FEED_ITEM_LIMIT))),
    Promise.all(
      months.map(async (month) => {
        // The published file plus the newest updates when they add up, else the month from the table.
        const built = deps.snapshots && (await monthFromPublished(deps.snapshots, plan, month, latest, monthCounts.get(month)!));
        if (built) {
          publishedParts.set(month, built.parts);
          return built.rows;
        }
        const read = await repository.listUpdates(planId, { month });
        monthRowsRead += read.length;
        // The table orders equal instants by updateId, the files by revision (as snapshotOf does).
        return sequenced(read).sort((a, b) => compareNewestFirst(b, a));
      }),
    ),
  ]);
  // Updates recorded since the last publish but outside the newest window (history imported
  // into the past) are found only here, in their month: their commitments and areas list them
  // too, so they are rendered with their windows as well.
  const byCommitment = new Map(touchedCommitments.map((id, i) => [id, commitmentWindows[i]!]));
  const byArea = new Map([...areas].map((slug, i) => [slug, areaWindows[i]!]));
  if (since !== undefined) {
    const late = monthUpdates.flat().filter((u) => u.planRevision > since);
    const lateCommitments = [...new Set(late.map((u) => u.commitmentId))].filter((id) => current.has(id) && !byCommitment.has(id));
    const lateAreas = [...new Set([...late.map((u) => u.areaSlug), ...lateCommitments.map((id) => current.get(id)!.areaSlug)])].filter(
      (slug) => !byArea.has(slug),
    );
    const [extraCommitments, extraAreas] = await Promise.all([
      Promise.all(lateCommitments.map((id) => repository.latestUpdates(planId, { commitmentId: id }, FEED_ITEM_LIMIT))),
      Promise.all(lateAreas.map((slug) => repository.latestUpdates(planId, { areaSlug: slug }, FEED_ITEM_LIMIT))),
    ]);
    lateCommitments.forEach((id, i) => {
      byCommitment.set(id, extraCommitments[i]!);
      hint.commitmentIds.add(id);
    });
    lateAreas.forEach((slug, i) => {
      byArea.set(slug, extraAreas[i]!);
      hint.areaSlugs.add(slug);
    });
    monthRowsRead += [...extraCommitments, ...extraAreas].reduce((sum, list) => sum + list.length, 0);
  }
  const snapshot: PlanSnapshot = {
    plan,
    commitments: sorted,
    history,
    latest,
    latestByCommitment: byCommitment,
    latestByArea: byArea,
    months: new Map(months.map((month, i) => [month, monthUpdates[i]!])),
    generatedAt: plan.updatedAt,
    baseUrl: deps.baseUrl,
    hubs: deps.hubs ?? [],
  };
  const areasRead = [...areas].flatMap((slug, i) => (moved?.areas[slug] ? [] : [areaWindows[i]!]));
  const updatesRead =
    newest.length +
    windowRead.length +
    monthRowsRead +
    [...commitmentWindows, ...areasRead, ...unkeptWindows].reduce((sum, list) => sum + list.length, 0);
  // Every window this round holds is of its revision or later: the next snapshot keeps them all.
  const windows = {
    updates: orderedUpdates(history),
    plan: latest,
    areas: { ...moved?.areas, ...Object.fromEntries(unkept.map((slug, i) => [slug, unkeptWindows[i]!])), ...Object.fromEntries(byArea) },
  };
  return { snapshot, hint, updatesRead, builtUpon, publishedParts, windows, renewWindows: !moved || areasRead.length > 0, laidOut };
}

const orderedUpdates = (history: HistorySummary) => [...history.years.values()].reduce((sum, year) => sum + year.count, 0);

/** The newest FEED_ITEM_LIMIT of a window and the updates ordered since it (the same update may be in both). */
function newestWindow(window: StatusUpdate[], since: StatusUpdate[]): StatusUpdate[] {
  if (since.length === 0) return window;
  const byId = new Map(window.map((u) => [u.updateId, u]));
  for (const u of since) byId.set(u.updateId, u);
  return [...byId.values()].sort(compareNewestFirst).slice(0, FEED_ITEM_LIMIT);
}

/**
 * The previous snapshot's windows moved on to the plan's revision, or undefined when the newest
 * updates read do not hold every update ordered since the snapshot: the history's count says how
 * many there are (a definition adds none), and an update put into the past or one of a larger
 * backlog is not among the newest. Updates are never changed or removed once ordered, so a window
 * plus every update ordered since is the window now.
 */
function windowsSince(previous: CommitmentsSnapshot, plan: Plan, history: HistorySummary, newest: StatusUpdate[]): FeedWindows | undefined {
  const kept = previous.windows;
  // None kept, or not as this version keeps them (another version's, edited by hand): read them again.
  if (!kept || ![kept.plan, ...Object.values(kept.areas ?? 0)].every(Array.isArray)) return undefined;
  const updates = orderedUpdates(history);
  const fresh = newest.filter((u) => u.planRevision > previous.revision && u.planRevision <= plan.revision);
  if (fresh.length !== updates - kept.updates) return undefined;
  const areas: Record<string, StatusUpdate[]> = {};
  for (const [slug, window] of Object.entries(kept.areas)) {
    areas[slug] = newestWindow(
      window,
      fresh.filter((u) => u.areaSlug === slug),
    );
  }
  return { updates, plan: newestWindow(kept.plan, fresh), areas };
}

/**
 * How many revisions old a round's snapshot may be before a round writes a new one: each round
 * reads back the commitments changed since it (at most this many, by key), and the PUT of the
 * snapshot (every commitment, $5 per million rounds) is made once every this many rounds.
 */
export const SNAPSHOT_MAX_AGE = 16;

/**
 * A snapshot read back unchanged (the store answers a warm function's If-None-Match with the
 * object it kept) is not parsed again; the rounds that share it only read it.
 */
const parsedSnapshots = new WeakMap<object, CommitmentsSnapshot>();

/**
 * The previous rounds' commitments, when their snapshot is of the revision recorded as
 * published (`since`) or older: a snapshot of a later revision (a round that crashed before
 * recording) is never built upon. A snapshot is written whole, after everything a round
 * rendered, from commitments read after its revision: at least as new as its revision.
 */
async function previousCommitments(
  planId: string,
  deps: PlanPublishDependencies,
  since?: number,
): Promise<CommitmentsSnapshot | undefined> {
  if (!deps.snapshots || since === undefined || since <= 0) return undefined;
  try {
    // Unreadable for any reason: read every commitment instead.
    const stored = await deps.snapshots.read(snapshotKey(planId));
    if (!stored) return undefined;
    const parsed = parsedSnapshots.get(stored) ?? (JSON.parse(stored.body) as CommitmentsSnapshot);
    parsedSnapshots.set(stored, parsed);
    return parsed.planId === planId && parsed.revision <= since && Array.isArray(parsed.commitments) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The plan's commitments, read as little as possible. Every plan revision after the snapshot's
 * is one sequenced update, or something else (a definition, a metadata change). When the newest
 * updates account for every one of those revisions, the commitments that changed since the
 * snapshot are exactly theirs (and the batch's): those are read by key and the rest come from
 * the snapshot. Otherwise, or without a snapshot, every commitment is read.
 */
async function loadCommitments(
  planId: string,
  deps: PlanPublishDependencies,
  input: { plan: Plan; latest: StatusUpdate[]; previous?: CommitmentsSnapshot | undefined; changed?: ChangeHint },
): Promise<[Commitment[], number?]> {
  const { plan, latest, previous } = input;
  const all = async (): Promise<[Commitment[]]> => [await deps.repository.listCommitments(planId)];
  // A snapshot of a later revision than the plan's reads everything too: no count of revisions matches.
  if (!previous) return all();
  const since = previous.revision;
  const revisions = new Set<number>();
  const changed = new Set<string>(input.changed?.commitmentIds ?? []);
  for (const u of latest) {
    if (u.planRevision <= since || u.planRevision > plan.revision) continue;
    revisions.add(u.planRevision);
    changed.add(u.commitmentId);
  }
  if (revisions.size !== plan.revision - since) return all();
  const fresh = await Promise.all([...changed].map((id) => deps.repository.getCommitment(planId, id)));
  const byId = new Map(previous.commitments.map((c) => [c.commitmentId, c]));
  for (const c of fresh) if (c) byId.set(c.commitmentId, c);
  return [[...byId.values()], since];
}

const FEED_RENDERERS = { rss: renderRss, atom: renderAtom, jsonFeed: renderJsonFeed } as const;

/**
 * `changed`: the file certainly shows something no published file shows yet (a new update's id
 * or item), so the store need not look at what is there.
 */
function artifact(key: string, body: string | Uint8Array, format: keyof typeof CONTENT_TYPES, changed?: boolean): Artifact {
  return { key, body, contentType: CONTENT_TYPES[format], cacheControl: DEFAULT_CACHE_CONTROL, ...(changed ? { changed } : {}) };
}

/** The plan's feeds in every format; an area's and a commitment's in Atom only. */
const feedFiles = (scope: FeedScope) => (scope.kind === 'plan' ? FEED_FILES : SCOPE_FEED_FILES);

/** A feed shows every update of its scope's window: one of the new ones changes it, as the page beside it. */
function feedArtifacts(snapshot: PlanSnapshot, scope: FeedScope, isNew: (updates: StatusUpdate[]) => boolean): Artifact[] {
  const prefix = `plans/${snapshot.plan.planId}/${scope.dir}`;
  const changed = isNew(scope.updates);
  const page = scope.area
    ? renderAreaPage(snapshot, scope.area)
    : scope.commitment
      ? renderCommitmentPage(snapshot, scope.commitment)
      : undefined;
  return [
    ...feedFiles(scope).map(({ file, format }) => artifact(prefix + file, FEED_RENDERERS[format](snapshot, scope), format, changed)),
    ...(page ? [artifact(prefix + INDEX_FILE, page, 'html', changed)] : []),
  ];
}

/**
 * The lists by status and by priority, from the commitments alone, written only when their
 * bytes changed. All of them; or, given `reach` (the new updates, when they are every change
 * since the last publish), only the status lists their commitments are or were in: a list
 * holding none of those commitments shows what it showed, and the lists a commitment moved
 * between since certainly changed (marked, not compared). A priority list shows only
 * definitions, stamped by them: no update changes it, so such a round neither renders nor writes it.
 */
function listArtifacts(snapshot: PlanSnapshot, reach?: StatusUpdate[]): Artifact[] {
  const prefix = `plans/${snapshot.plan.planId}/`;
  const lists = reach && listReach(snapshot, reach);
  const list = (path: string, render: () => string) =>
    lists && !lists.has(path) ? [] : [artifact(prefix + path, render(), 'html', lists?.get(path))];
  return [
    ...countByStatus(snapshot).flatMap((c) => list(pagePaths.status(c.code), () => renderStatusList(snapshot, c.code))),
    ...(reach ? [] : priorityGroups(snapshot.commitments)).map((p) =>
      artifact(prefix + pagePaths.priority(p.number), renderPriorityList(snapshot, p), 'html'),
    ),
  ];
}

/** The status lists the new updates reach, each with whether it certainly changed; undefined: all may have. */
function listReach(snapshot: PlanSnapshot, updates: StatusUpdate[]): Map<string, boolean> | undefined {
  const lists = new Map<string, boolean>();
  const reach = (path: string, changed: boolean) => lists.set(path, changed || (lists.get(path) ?? false));
  // Per commitment, oldest first: the status it was published in, then the newest update's.
  const ends = new Map<string, [string, string]>();
  for (const u of [...updates].sort((a, b) => a.planRevision - b.planRevision)) {
    ends.set(u.commitmentId, [ends.get(u.commitmentId)?.[0] ?? u.previousStatus, u.status]);
    reach(pagePaths.status(u.previousStatus), false);
    reach(pagePaths.status(u.status), false);
  }
  const byId = new Map(snapshot.commitments.map((c) => [c.commitmentId, c]));
  for (const [id, [was, newest]] of ends) {
    const c = byId.get(id);
    // Gone, or moved on by an update not yet ordered: its lists cannot be told.
    if (c?.status !== newest) return undefined;
    const moved = was !== c.status;
    reach(pagePaths.status(was), moved);
    reach(pagePaths.status(c.status), moved);
  }
  return lists;
}

/** The scopes a hint reaches: the named commitments, their areas now, and any areas named. */
export function touchedScopes(snapshot: PlanSnapshot, changed?: ChangeHint): FeedScope[] {
  const areas = planAreas(snapshot);
  if (!changed) {
    return [...areas.map((area) => areaScope(snapshot, area)), ...snapshot.commitments.map((c) => commitmentScope(snapshot, c))];
  }
  const commitmentIds = new Set(changed.commitmentIds);
  const commitments = snapshot.commitments.filter((c) => commitmentIds.has(c.commitmentId));
  const areaSlugs = new Set([...(changed.areaSlugs ?? []), ...commitments.map((c) => c.areaSlug)]);
  return [
    ...areas.filter((area) => areaSlugs.has(area.slug)).map((area) => areaScope(snapshot, area)),
    ...commitments.map((c) => commitmentScope(snapshot, c)),
  ];
}

/** Whether a hint reaches a month's history files: the month named, or its year (every year when it names neither). */
function historyFileChanged(changed: ChangeHint, month: string): boolean {
  if (changed.months && [...changed.months].includes(month)) return true;
  if (!changed.years) return !changed.months;
  return [...changed.years].includes(yearOfMonth(month));
}

/** Months whose parts were read back from their published files, with the revision last published completely. */
export interface PublishedMonths {
  parts: Map<string, Array<string[] | undefined>>;
  since: number;
}

const sameRows = (ids: string[], rows: StatusUpdate[]) => ids.length === rows.length && rows.every((u, i) => u.updateId === ids[i]);

/**
 * The plan's files for a snapshot: the plan-level ones always, the history files of the months
 * the snapshot holds that the hint reaches, and the feeds of the scopes the hint reaches (every scope without one).
 */
export function renderPlanArtifacts(
  snapshot: PlanSnapshot,
  changed?: ChangeHint,
  news = new Set<string>(),
  /** The new updates, when they are every change since the last publish: only the status lists they reach are rendered. */
  reach?: StatusUpdate[],
  published?: PublishedMonths,
): Artifact[] {
  const { plan, commitments } = snapshot;
  const prefix = `plans/${plan.planId}/`;
  const isNew = (updates: StatusUpdate[]) => updates.some((u) => news.has(u.updateId));
  // Every commitment row names its last update: a new update's (a history import that does not
  // become current is the exception: an identical PUT).
  const rows = news.size > 0;
  const artifacts: Artifact[] = [
    artifact(`${prefix}commitments.csv`, renderCommitmentsCsv(plan, commitments), 'csv', rows),
    artifact(`${prefix}${XLSX_FILE}`, renderCommitmentsXlsx(plan, commitments, snapshot.generatedAt), 'xlsx', rows),
    artifact(`${prefix}commitments.json`, renderCommitmentsJson(snapshot), 'json', rows),
  ];
  for (const [month, oldestFirst] of snapshot.months) {
    if (changed && !historyFileChanged(changed, month)) continue;
    const before = published?.parts.get(month);
    for (const [i, rows] of monthParts(oldestFirst).entries()) {
      const stored = before?.[i];
      const same = stored !== undefined && sameRows(stored, rows);
      // The rows its file was read back with, all published by a complete round (none after
      // `since`: a crashed round may have written the JSON part and not the CSV): both files are
      // these rows' render already.
      if (same && rows.every((u) => u.planRevision <= published!.since)) continue;
      // Other rows than its file holds, or no file yet: certainly changed.
      const differs = before !== undefined && !same;
      artifacts.push(
        artifact(prefix + historyPath(month, 'csv', i + 1), renderUpdatesCsv(plan, rows), 'csv', differs),
        artifact(prefix + historyPath(month, 'json', i + 1), renderUpdatesJson(plan, month, rows), 'json', differs),
      );
    }
  }
  const planFeeds = planScope(snapshot);
  artifacts.push(
    ...feedArtifacts(snapshot, planFeeds, isNew),
    artifact(`${prefix}datapackage.json`, renderDatapackage(snapshot), 'json'),
    artifact(`${prefix}README.md`, renderReadme(snapshot), 'markdown'),
    // It lists the plan's newest few updates: the newest one new changes it (a backdated one may not be among them).
    artifact(`${prefix}${INDEX_FILE}`, renderDashboard(snapshot), 'html', news.has(planFeeds.updates[0]?.updateId ?? '')),
    ...listArtifacts(snapshot, changed && reach),
  );
  for (const scope of touchedScopes(snapshot, changed)) artifacts.push(...feedArtifacts(snapshot, scope, isNew));
  return artifacts;
}

export async function publishPlan(
  planId: string,
  deps: PlanPublishDependencies,
  options: PublishOptions = {},
): Promise<PublishResult | undefined> {
  const loaded = await loadForPublish(planId, deps, options);
  if (!loaded) return undefined;
  const { snapshot, hint, updatesRead, builtUpon, publishedParts, windows, renewWindows, laidOut } = loaded;
  // The updates ordered since the last complete publish: no published file shows them yet.
  const { since } = options;
  const fresh = since ? snapshot.latest.filter((u) => u.planRevision > since && u.planRevision <= snapshot.plan.revision) : [];
  const news = new Set(fresh.map((u) => u.updateId));
  // Every revision since is one of them (no definition, none beyond the newest updates read),
  // and the pages they leave alone are of this layout: only the lists they reach are rendered.
  const every = laidOut && !!since && new Set(fresh.map((u) => u.planRevision)).size === snapshot.plan.revision - since;
  const published = since && publishedParts?.size ? { parts: publishedParts, since } : undefined;
  const { result: artifacts, fallbacks } = collectRenderFallbacks(() =>
    renderPlanArtifacts(snapshot, hint, news, every ? fresh : undefined, published),
  );
  const files = await deps.store.write(`plans/${planId}/`, artifacts);
  // The plan's DCAT record feeds the root catalog. In a coordinated round, a record equal to the
  // one the root was confirmed to include is what is stored (see "The site's root" in the
  // reliability document): neither it nor the root is looked at.
  const recordKey = datasetRecordKey(planId);
  const recordBody = renderDatasetRecord(snapshot);
  const recordTag = md5(recordBody);
  const { site } = deps;
  const checkSite = !site || site.round.full || site.round.siteRecord !== recordTag;
  // Forgotten before a different record is stored: a crash before the root includes it leaves no confirmation.
  if (site?.round.siteRecord && checkSite && site.round.siteRecord !== recordTag) await site.round.forgetSiteRecord();
  const record = checkSite
    ? await deps.store.write(recordKey, [artifact(recordKey, recordBody, 'jsonld')])
    : { written: [], skipped: [recordKey], bytesWritten: 0 };
  // Last: the next round builds on it only once this round is recorded as published. Private
  // bookkeeping, not a published file: not among the files written.
  // A new snapshot after a round that read every commitment, or once the one built upon is
  // SNAPSHOT_MAX_AGE revisions old; in between, rounds build upon the same one.
  // Also when windows were read from the table: the rounds after would read them again.
  if (deps.snapshots && (builtUpon === undefined || renewWindows || !laidOut || snapshot.plan.revision - builtUpon >= SNAPSHOT_MAX_AGE)) {
    const key = snapshotKey(planId);
    const kept: CommitmentsSnapshot = {
      planId,
      revision: snapshot.plan.revision,
      commitments: snapshot.commitments,
      ...(windows ? { windows } : {}),
      layout: PAGES_LAYOUT,
    };
    await deps.store.write(key, [artifact(key, JSON.stringify(kept), 'json')]);
  }
  // Under the lease, before the round is recorded: a failure fails the round, which is retried.
  let siteResult: SitePublishResult | undefined;
  if (site && checkSite) {
    siteResult = await publishSite({ store: site.store, baseUrl: deps.baseUrl });
    // Confirmed only for the record the root was built from (a stale writer's is not ours).
    if (siteResult.records?.get(recordKey) === recordTag) site.round.confirmSiteRecord(recordTag);
  }
  return {
    planId,
    revision: snapshot.plan.revision,
    artifacts: artifacts.length + 1,
    updatesRead,
    ...(fallbacks.length ? { renderFallbacks: fallbacks } : {}),
    written: [...files.written, ...record.written],
    skipped: [...files.skipped, ...record.skipped],
    bytesWritten: files.bytesWritten + record.bytesWritten,
    ...(siteResult ? { site: siteResult } : {}),
  };
}

// --- the site's root ----------------------------------------------------------------------
//
// catalog.jsonld and index.html list every plan. Rebuilding them from the table would read
// every plan on every update; instead each plan publishes its own DCAT record under
// catalog/plans/, and the root is assembled from those records only when they changed:
//
// - A LIST of `catalog` and one of index.html tell whether the root is stale:
//   catalog/built-from.txt holds the records' ETags the root was built from and the root files'
//   own, and S3 gives its MD5 in the same LIST. A plan's round makes them only when its record
//   is not the one its publish state says the root includes (see publishPlan): most make none.
// - A record changes only when a plan's metadata, file list or modification *day* changes,
//   so with 1,000 plans the root is rebuilt at most about once per plan per day.
// - Records are cached by ETag across invocations of a warm Lambda, so a rebuild GETs only
//   the records that changed since.
// - After writing, the root is checked again; a rebuild that raced with another plan's
//   record write, or whose root another rebuild overwrote, goes round again, so the root
//   always ends equal to the records.

/** The records, the marker and catalog.jsonld in one listing. */
const SITE_ROOT_PREFIX = 'catalog';
export const BUILT_FROM_KEY = 'catalog/built-from.txt';
const RECORD_KEY = /^catalog\/plans\/[^/]+\.jsonld$/;
const MAX_SITE_ATTEMPTS = 4;
const RECORD_CACHE_LIMIT = 10_000;
const recordCache = new Map<string, DatasetNode>();

export interface SitePublishResult extends WriteResult {
  plans: number;
  /** False when the root already matched every plan's record (the usual case). */
  rebuilt: boolean;
  /** The records' ETags that the root was found to match. */
  records?: Map<string, string>;
}

function builtFrom(records: Array<[string, string]>): string {
  return records.map(([key, etag]) => `${key} ${etag}\n`).join('');
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function publishSite(deps: Pick<PublishDependencies, 'store' | 'baseUrl'>): Promise<SitePublishResult> {
  const result: SitePublishResult = { written: [], skipped: [], bytesWritten: 0, plans: 0, rebuilt: false };
  for (let attempt = 0; ; attempt++) {
    // `catalog` without its slash lists catalog.jsonld too: the root files' own ETags are in the
    // marker, so a root written from an older listing after the marker is seen (two rebuilds at once).
    const [listed, index] = await Promise.all([deps.store.etags(SITE_ROOT_PREFIX), deps.store.etags(INDEX_FILE)]);
    const records = [...listed].filter(([key]) => RECORD_KEY.test(key)).sort(([a], [b]) => a.localeCompare(b));
    result.plans = records.length;
    const root: Array<[string, string]> = [
      [CATALOG_FILE, listed.get(CATALOG_FILE) ?? ''],
      [INDEX_FILE, index.get(INDEX_FILE) ?? ''],
    ];
    if (listed.get(BUILT_FROM_KEY) === md5(builtFrom([...records, ...root]))) return { ...result, records: new Map(records) };
    if (attempt === MAX_SITE_ATTEMPTS) {
      throw new Error(`the site root did not settle after ${MAX_SITE_ATTEMPTS} rebuilds: plan records keep changing under it`);
    }

    const read = await mapLimit(records, 16, async ([key, etag]): Promise<[string, string, DatasetNode] | undefined> => {
      const cached = recordCache.get(etag);
      if (cached) return [key, etag, cached];
      const stored = await deps.store.read(key);
      if (!stored) return undefined;
      const node = parseDatasetRecord(stored.body);
      if (recordCache.size >= RECORD_CACHE_LIMIT) recordCache.clear();
      recordCache.set(stored.etag, node);
      return [key, stored.etag, node];
    });
    const present = read.filter((entry): entry is [string, string, DatasetNode] => entry !== undefined);
    const datasets = present.map(([, , node]) => node);
    const catalog = renderCatalog(deps.baseUrl, datasets);
    const page = renderSiteIndex(deps.baseUrl, datasets);
    const writes = await Promise.all([
      deps.store.write(CATALOG_FILE, [artifact(CATALOG_FILE, catalog, 'jsonld')]),
      deps.store.write(INDEX_FILE, [artifact(INDEX_FILE, page, 'html')]),
    ]);
    // The marker goes last: a crash before it leaves the root marked stale, so the next check rebuilds it.
    const marker = builtFrom([
      ...present.map(([key, etag]): [string, string] => [key, etag]),
      [CATALOG_FILE, md5(catalog)],
      [INDEX_FILE, md5(page)],
    ]);
    writes.push(
      await deps.store.write(BUILT_FROM_KEY, [
        { ...artifact(BUILT_FROM_KEY, marker, 'markdown'), contentType: 'text/plain; charset=utf-8' },
      ]),
    );
    for (const write of writes) {
      result.written.push(...write.written);
      result.skipped.push(...write.skipped);
      result.bytesWritten += write.bytesWritten;
    }
    result.rebuilt = true;
  }
}
