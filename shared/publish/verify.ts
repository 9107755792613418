/**
 * What is in the bucket against what the table implies: each plan's files rendered from the
 * table now, compared by MD5 with the objects under `plans/{planId}/` (single-part PUTs have the
 * body's MD5 as ETag, on S3 and on the S3 server, so one LIST compares every object).
 *
 * Rendering must be a pure function of the table (no clock in the bytes) for this to work, as it
 * must for "rewrite only what changed" anyway.
 */
import { type ArtifactStore, md5 } from '../store/artifacts.ts';
import { everyPlanId } from '../store/plans.ts';
import type { PublishRepository } from './publish.ts';
import { loadSnapshot, renderPlanArtifacts } from './publish.ts';

export interface PlanVerification {
  planId: string;
  /** The plan's revision in the table when it was read. */
  revision: number;
  /** What the publisher recorded as completely published (0: never). */
  publishedRevision: number;
  /** A publish was due or running while we looked: differences may be transient. */
  publishing: boolean;
  /** Objects the table implies. */
  expected: number;
  missing: string[];
  different: string[];
  extra: string[];
}

export interface VerificationReport {
  plans: PlanVerification[];
  /** Objects under `plans/` of plans that are not in the table. */
  orphans: string[];
  differences: number;
}

export interface VerifyDependencies {
  repository: PublishRepository;
  store: Pick<ArtifactStore, 'etags'>;
  baseUrl: string;
  /** The hubs the feeds advertise: they are part of the feeds' bytes. */
  hubs?: readonly string[];
}

export const planPrefix = (planId: string) => `plans/${planId}/`;

/** The plan compared with the objects under its prefix; undefined when the plan is not in the table. */
export async function verifyPlan(
  planId: string,
  deps: VerifyDependencies,
  stored?: Map<string, string>,
): Promise<PlanVerification | undefined> {
  const state = await deps.repository.getPublishState(planId);
  const snapshot = await loadSnapshot(planId, { repository: deps.repository, baseUrl: deps.baseUrl, hubs: deps.hubs });
  if (!snapshot) return undefined;
  const objects = stored ?? (await deps.store.etags(planPrefix(planId)));
  const artifacts = renderPlanArtifacts(snapshot);
  const expectedKeys = new Set(artifacts.map((a) => a.key));
  const result: PlanVerification = {
    planId,
    revision: snapshot.plan.revision,
    publishedRevision: state?.publishedRevision ?? 0,
    publishing: Boolean(state?.leaseOwner) || snapshot.plan.revision > (state?.publishedRevision ?? 0),
    expected: artifacts.length,
    missing: [],
    different: [],
    extra: [],
  };
  for (const artifact of artifacts) {
    const etag = objects.get(artifact.key);
    if (etag === undefined) result.missing.push(artifact.key);
    else if (etag !== md5(artifact.body)) result.different.push(artifact.key);
  }
  for (const key of objects.keys()) if (!expectedKeys.has(key)) result.extra.push(key);
  result.missing.sort();
  result.different.sort();
  result.extra.sort();
  return result;
}

export const differenceCount = (plan: PlanVerification) => plan.missing.length + plan.different.length + plan.extra.length;

/**
 * Every plan of the table (or the ones named), plus, for a whole-bucket check, objects under
 * `plans/` that belong to no plan at all.
 */
export async function verifyPublication(
  deps: VerifyDependencies,
  options: { planIds?: string[]; onPlan?: (plan: PlanVerification) => void } = {},
): Promise<VerificationReport> {
  const all = options.planIds === undefined;
  const planIds = options.planIds ?? (await everyPlanId(deps.repository));
  const everything = all ? await deps.store.etags('plans/') : undefined;
  const plans: PlanVerification[] = [];
  for (const planId of planIds) {
    let stored: Map<string, string> | undefined;
    if (everything) {
      const prefix = planPrefix(planId);
      stored = new Map([...everything].filter(([key]) => key.startsWith(prefix)));
    }
    const verification = await verifyPlan(planId, deps, stored);
    if (!verification) {
      // Named on the command line but not in the table: everything under its prefix is extra.
      const objects = stored ?? (await deps.store.etags(planPrefix(planId)));
      plans.push({
        planId,
        revision: 0,
        publishedRevision: 0,
        publishing: false,
        expected: 0,
        missing: [],
        different: [],
        extra: [...objects.keys()].sort(),
      });
    } else plans.push(verification);
    options.onPlan?.(plans.at(-1)!);
  }
  const known = new Set(planIds.map(planPrefix));
  const orphans = everything ? [...everything.keys()].filter((key) => ![...known].some((prefix) => key.startsWith(prefix))).sort() : [];
  return { plans, orphans, differences: plans.reduce((sum, p) => sum + differenceCount(p), 0) + orphans.length };
}
