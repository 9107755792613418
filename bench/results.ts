/** The shape of bench/results/latest.json, and the cost model derived from it. */
import type { Mode, Sizes } from './config.ts';
import { ASSUMED_MEMORY_MB, type CostModel, costModel, PRICES } from './cost.ts';
import type { Machine } from './machine.ts';
import { SNAPSHOT_MAX_AGE } from './product.ts';
import type { BulkImportResult } from './scenarios/bulk-import.ts';
import type { BurstResult } from './scenarios/burst.ts';
import type { CitizenSiteResult } from './scenarios/citizen-site.ts';
import type { ColdStartResult } from './scenarios/cold-start.ts';
import type { FreshnessResult } from './scenarios/freshness.ts';
import type { GrowthResult } from './scenarios/growth.ts';
import type { IngestResult } from './scenarios/ingest.ts';
import type { RegionalResult } from './scenarios/regional.ts';
import type { RenderResult } from './scenarios/render.ts';

export const MEASUREMENTS = [
  'freshness',
  'ingest',
  'burst',
  'growth',
  'render',
  'coldStart',
  'regional',
  'citizenSite',
  'bulkImport',
] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

export interface BenchResults {
  version: 1;
  mode: Mode;
  startedAt: string;
  durationSeconds: number;
  machine: Machine & { loadAverageAtEnd: number[] };
  sizes: Sizes;
  freshness?: FreshnessResult;
  ingest?: IngestResult;
  burst?: BurstResult;
  growth?: GrowthResult;
  render?: RenderResult;
  coldStart?: ColdStartResult;
  regional?: RegionalResult;
  citizenSite?: CitizenSiteResult;
  bulkImport?: BulkImportResult;
  cost?: { prices: typeof PRICES; assumedMemoryMB: typeof ASSUMED_MEMORY_MB; models: CostModel[] };
  /** Lines the product logged at level ERROR during the run (0 expected). */
  productErrors: number;
}

export function deriveCost(results: BenchResults): BenchResults['cost'] {
  const { ingest, burst, growth, regional } = results;
  if (!ingest || !burst || !growth || !regional) return undefined;
  const single = ingest.separatePlans.find((l) => l.clients === 1) ?? ingest.separatePlans[0]!;
  const cell =
    growth.cells.find(
      (c) => c.commitments === results.sizes.growth.historyAxisCommitments && c.history === results.sizes.growth.commitmentsAxisHistory,
    ) ?? growth.cells[0]!;
  const changedFeedBytes = (burst.fileBytes['commitments.csv'] ?? 0) + (burst.fileBytes['feed.rss'] ?? 0);
  const common = {
    ingestMs: single.ingestMs.median,
    ingestWriteUnits: regional.writes.writeUnitsPerUpdate,
    ingestReadUnits: 3,
    changedFeedBytes,
  };
  // Measured once, end to end, on the cost cell's table (absent when the cell was not).
  const rounds = cell.publisherRounds;
  return {
    prices: PRICES,
    assumedMemoryMB: ASSUMED_MEMORY_MB,
    models: [
      costModel({
        ...common,
        label: `one update at a time (plan of ${cell.commitments} commitments, ${cell.history} updates of history)`,
        publishInvocationsPerUpdate: 1,
        // End to end where measured; DynamoDB's own read time is small next to DynamoDB Local's.
        publishMsPerUpdate: (cell.dynamoLocal ?? cell.memory).ms.median,
        publishReadUnitsPerUpdate: cell.readUnits,
        s3PutsPerUpdate: cell.s3Puts,
        s3ListsPerUpdate: cell.s3Lists,
        s3GetsPerUpdate: cell.s3Gets ?? 0,
        s3HeadsPerUpdate: cell.s3Heads ?? 0,
        // The measured rounds build upon the snapshot the unmeasured first one wrote; one round in
        // SNAPSHOT_MAX_AGE writes it again.
        snapshotPutsPerUpdate: 1 / SNAPSHOT_MAX_AGE,
        ...(rounds
          ? {
              publisherWriteUnitsPerUpdate: rounds.single.writeUnits,
              publisherReadUnitsPerUpdate: rounds.single.readUnits,
              siteListsPerUpdate: Math.max(0, rounds.single.s3Lists - cell.s3Lists),
            }
          : {}),
      }),
      costModel({
        ...common,
        label: `burst of ${burst.accepted} updates (plan of ${burst.plan.commitments} commitments, ${burst.plan.history}+ updates)`,
        publishInvocationsPerUpdate: burst.invocations / burst.accepted,
        publishMsPerUpdate: burst.publishMsPerUpdate,
        // What the regenerations read, from the measured rounds of one and of several updates (each
        // builds on the previous round's snapshot, as the burst's do); without them, a whole read of the plan each.
        publishReadUnitsPerUpdate: rounds
          ? rounds.publishReadUnitsPerUpdate + rounds.publishReadUnitsPerRound * burst.regenerationsPerUpdate
          : burst.readUnitsPerRegeneration * burst.regenerationsPerUpdate,
        s3PutsPerUpdate: burst.s3PutsPerUpdate,
        s3ListsPerUpdate: burst.s3ListsPerUpdate,
        s3GetsPerUpdate: burst.s3GetsPerUpdate ?? 0,
        s3HeadsPerUpdate: burst.s3HeadsPerUpdate ?? 0,
        // The burst's S3 requests were counted on the wire, the site root's LISTs among them.
        ...(rounds
          ? {
              publisherWriteUnitsPerUpdate: rounds.writeUnitsPerUpdate + rounds.writeUnitsPerRound * burst.regenerationsPerUpdate,
              publisherReadUnitsPerUpdate: rounds.readUnitsPerUpdate + rounds.readUnitsPerRound * burst.regenerationsPerUpdate,
            }
          : {}),
      }),
    ],
  };
}
