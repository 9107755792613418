/** Everything a renderer needs about a plan, read once per regeneration. */
import type { Commitment, Plan, StatusUpdate } from '../model.ts';

export interface PlanSnapshot {
  plan: Plan;
  /** Sorted by priority number, then commitment number. */
  commitments: Commitment[];
  /** Newest first (reportedAt, then revision). */
  updates: StatusUpdate[];
  /** When this regeneration ran. */
  generatedAt: string;
  /** Public base URL of the site, no trailing slash. */
  baseUrl: string;
}

export function planUrl(snapshot: { baseUrl: string; plan: Plan }, path = ''): string {
  return `${snapshot.baseUrl}/plans/${encodeURIComponent(snapshot.plan.planId)}/${path}`;
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
