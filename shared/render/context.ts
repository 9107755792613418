/** Everything a renderer needs about a plan, read once per regeneration. */
import type { Commitment, Plan, StatusUpdate } from '../model.ts';

export interface PlanSnapshot {
  plan: Plan;
  /** Sorted by priority number, then commitment number. */
  commitments: Commitment[];
  /** Newest first (reportedAt, then revision). */
  updates: StatusUpdate[];
  /**
   * The instant the data last changed (the plan's `updatedAt`, bumped by every change), never
   * the clock: unchanged data must render to unchanged bytes, or every ETag would churn.
   */
  generatedAt: string;
  /** Public base URL of the site, no trailing slash. */
  baseUrl: string;
}

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

/** Fragment ids in the dashboard; prefixed so a commitment id can never collide with a section id. */
export const anchors = {
  commitment: (commitmentId: string) => `commitment-${commitmentId}`,
  area: (areaSlug: string) => `area-${areaSlug}`,
  priority: (number: number) => `priority-${number}`,
};

export function commitmentUrl(snapshot: PlanSnapshot, commitmentId: string): string {
  return dashboardUrl(snapshot, anchors.commitment(commitmentId));
}

export function sortCommitments(commitments: Commitment[]): Commitment[] {
  return [...commitments].sort(
    (a, b) => a.priority.number - b.priority.number || a.number - b.number || a.commitmentId.localeCompare(b.commitmentId),
  );
}

export function sortUpdatesNewestFirst(updates: StatusUpdate[]): StatusUpdate[] {
  return [...updates].sort(
    (a, b) => b.reportedAt.localeCompare(a.reportedAt) || b.planRevision - a.planRevision || b.updateId.localeCompare(a.updateId),
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
  /** Where a person reads the same thing: the dashboard, at the right anchor. */
  alternateUrl: string;
  /**
   * When the scope's content last changed, from the data only: its newest update or its
   * commitments' definitions. An area that nothing touched keeps its stamp, and its bytes.
   */
  updated: string;
}

export interface AreaSummary {
  slug: string;
  name: string;
}

/** Areas of the plan: those of current commitments, plus any left only in the history. */
export function planAreas(snapshot: Pick<PlanSnapshot, 'commitments' | 'updates'>): AreaSummary[] {
  const areas = new Map<string, string>();
  for (const c of snapshot.commitments) if (!areas.has(c.areaSlug)) areas.set(c.areaSlug, c.area);
  for (const u of snapshot.updates) if (!areas.has(u.areaSlug)) areas.set(u.areaSlug, u.area);
  return [...areas].map(([slug, name]) => ({ slug, name }));
}

export function planScope(snapshot: PlanSnapshot): FeedScope {
  return {
    kind: 'plan',
    dir: '',
    updates: snapshot.updates,
    alternateUrl: dashboardUrl(snapshot),
    updated: latest(
      [...snapshot.updates.map((u) => u.receivedAt), ...snapshot.commitments.map((c) => c.updatedAt)],
      snapshot.plan.createdAt,
    ),
  };
}

interface SnapshotIndex {
  updatesByArea: Map<string, StatusUpdate[]>;
  updatesByCommitment: Map<string, StatusUpdate[]>;
  commitmentsByArea: Map<string, Commitment[]>;
}

const indexes = new WeakMap<PlanSnapshot, SnapshotIndex>();

function push<T>(map: Map<string, T[]>, key: string, value: T) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The snapshot's updates and commitments grouped by area and by commitment, built once per
 * snapshot: filtering the whole history for every scope made a full render of a large plan
 * quadratic (10,000 commitments × the history). Groups keep the snapshot's order.
 */
function indexOf(snapshot: PlanSnapshot): SnapshotIndex {
  let index = indexes.get(snapshot);
  if (!index) {
    index = { updatesByArea: new Map(), updatesByCommitment: new Map(), commitmentsByArea: new Map() };
    for (const u of snapshot.updates) {
      push(index.updatesByArea, u.areaSlug, u);
      push(index.updatesByCommitment, u.commitmentId, u);
    }
    for (const c of snapshot.commitments) push(index.commitmentsByArea, c.areaSlug, c);
    indexes.set(snapshot, index);
  }
  return index;
}

export function areaScope(snapshot: PlanSnapshot, area: AreaSummary): FeedScope {
  const index = indexOf(snapshot);
  const updates = index.updatesByArea.get(area.slug) ?? [];
  const commitments = index.commitmentsByArea.get(area.slug) ?? [];
  return {
    kind: 'area',
    label: area.name,
    dir: `areas/${area.slug}/`,
    updates,
    alternateUrl: dashboardUrl(snapshot, anchors.area(area.slug)),
    updated: latest([...updates.map((u) => u.receivedAt), ...commitments.map((c) => c.updatedAt)], snapshot.plan.createdAt),
  };
}

export function commitmentScope(snapshot: PlanSnapshot, commitment: Commitment): FeedScope {
  const updates = indexOf(snapshot).updatesByCommitment.get(commitment.commitmentId) ?? [];
  return {
    kind: 'commitment',
    label: `${commitment.number}. ${commitment.title}`,
    dir: `commitments/${commitment.commitmentId}/`,
    updates,
    alternateUrl: commitmentUrl(snapshot, commitment.commitmentId),
    updated: latest([commitment.updatedAt, ...updates.map((u) => u.receivedAt)], snapshot.plan.createdAt),
  };
}

/** Years that have history, oldest first. */
export function updateYears(updates: StatusUpdate[]): number[] {
  return [...new Set(updates.map((u) => new Date(u.reportedAt).getUTCFullYear()))].sort((a, b) => a - b);
}
