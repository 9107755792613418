/**
 * Regenerates a plan's open-data files from the table's current state and writes the ones
 * whose bytes changed.
 */
import type { Artifact, ArtifactStore, WriteResult } from './artifact-store.ts';
import { sortCommitments, sortUpdatesNewestFirst, type PlanSnapshot } from './render/context.ts';
import { renderCommitmentsCsv, renderLinksCsv, renderUpdatesCsv } from './render/csv.ts';
import { renderCommitmentsJson, renderUpdatesJson } from './render/json.ts';
import { renderRss } from './render/rss.ts';
import type { PlanRepository } from './repository.ts';

export const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  jsonFeed: 'application/feed+json; charset=utf-8',
  jsonld: 'application/ld+json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
} as const;

export interface PublishDependencies {
  repository: PlanRepository;
  store: ArtifactStore;
  baseUrl: string;
  now?: () => Date;
}

export interface PublishResult extends WriteResult {
  planId: string;
  revision: number;
  artifacts: number;
}

export async function loadSnapshot(planId: string, deps: PublishDependencies): Promise<PlanSnapshot | undefined> {
  const plan = await deps.repository.getPlan(planId);
  if (!plan) return undefined;
  const [commitments, updates] = await Promise.all([deps.repository.listCommitments(planId), deps.repository.listUpdates(planId)]);
  return {
    plan,
    commitments: sortCommitments(commitments),
    updates: sortUpdatesNewestFirst(updates),
    generatedAt: (deps.now ?? (() => new Date()))().toISOString(),
    baseUrl: deps.baseUrl,
  };
}

export function renderPlanArtifacts(snapshot: PlanSnapshot): Artifact[] {
  const { plan, commitments, updates } = snapshot;
  const prefix = `plans/${plan.planId}/`;
  const artifacts: Artifact[] = [
    { key: `${prefix}commitments.csv`, body: renderCommitmentsCsv(plan, commitments), contentType: CONTENT_TYPES.csv },
    { key: `${prefix}commitments.json`, body: renderCommitmentsJson(snapshot), contentType: CONTENT_TYPES.json },
    { key: `${prefix}links.csv`, body: renderLinksCsv(commitments), contentType: CONTENT_TYPES.csv },
    { key: `${prefix}feed.rss`, body: renderRss(snapshot, { path: 'feed.rss', updates }), contentType: CONTENT_TYPES.rss },
  ];
  const byYear = new Map<number, typeof updates>();
  for (const update of updates) {
    const year = new Date(update.reportedAt).getUTCFullYear();
    byYear.set(year, [...(byYear.get(year) ?? []), update]);
  }
  for (const [year, yearUpdates] of byYear) {
    const oldestFirst = [...yearUpdates].reverse();
    artifacts.push(
      { key: `${prefix}updates/${year}.csv`, body: renderUpdatesCsv(plan, oldestFirst), contentType: CONTENT_TYPES.csv },
      { key: `${prefix}updates/${year}.json`, body: renderUpdatesJson(plan, year, oldestFirst), contentType: CONTENT_TYPES.json },
    );
  }
  return artifacts;
}

export async function publishPlan(planId: string, deps: PublishDependencies): Promise<PublishResult | undefined> {
  const snapshot = await loadSnapshot(planId, deps);
  if (!snapshot) return undefined;
  const artifacts = renderPlanArtifacts(snapshot);
  const result = await deps.store.write(`plans/${planId}/`, artifacts);
  return { planId, revision: snapshot.plan.revision, artifacts: artifacts.length, ...result };
}
