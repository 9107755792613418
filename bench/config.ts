/** Sizes of each mode. Full: the sizes, under 10 minutes on 2 cores. Quick: under 2. Smoke: the test suite's. */

import type { BulkImportSizes } from './scenarios/bulk-import.ts';
import type { BurstSizes } from './scenarios/burst.ts';
import type { CitizenSiteSizes } from './scenarios/citizen-site.ts';
import type { FreshnessSizes } from './scenarios/freshness.ts';
import type { GrowthSizes } from './scenarios/growth.ts';
import type { IngestSizes } from './scenarios/ingest.ts';
import type { RegionalSizes } from './scenarios/regional.ts';

export type Mode = 'full' | 'quick' | 'smoke';

export interface Sizes {
  coldStart: { imports: number };
  render: { commitments: number; history: number; samples: number };
  growth: GrowthSizes;
  regional: RegionalSizes;
  /** The plan posted to in the freshness and burst measurements: a city's plan with some history. */
  cityPlan: { commitments: number; history: number };
  freshness: FreshnessSizes;
  ingest: IngestSizes & { commitmentsPerPlan: number };
  burst: BurstSizes;
  /** 9. The citizen site of a city's plan (the 1,500 commitments in 15 areas). */
  citizenSite: CitizenSiteSizes;
  /** 10. `mandat import` of a city's plan and `mandat import-history` of its past (issue 16). */
  bulkImport: BulkImportSizes;
}

export const SIZES: Record<Mode, Sizes> = {
  full: {
    coldStart: { imports: 10 },
    render: { commitments: 10_000, history: 10_000, samples: 5 },
    growth: {
      commitmentsAxis: [100, 1_000, 10_000],
      historyAxis: [1_000, 10_000, 100_000],
      commitmentsAxisHistory: 1_000,
      historyAxisCommitments: 1_000,
      // Seven, not three: with three, one stall of the shared machine decided a cell's median (the history ratio's above all).
      samples: 7,
      endToEndMaxItems: 12_000,
      cellBudgetMs: 60_000,
    },
    regional: { plans: 1_000, commitments: 300, samples: 10, updates: 2_000 },
    cityPlan: { commitments: 200, history: 1_000 },
    freshness: { single: 20, loadRate: 20, loadSeconds: 20, timeoutMs: 15_000, pollMs: 20 },
    ingest: {
      concurrency: [1, 8, 32],
      onePlanConcurrency: [1, 8, 32, 64],
      oneCommitmentWriters: 16,
      requestsPerLevel: 200,
      commitmentsPerPlan: 64,
    },
    burst: { updates: 1_000, concurrency: 4, baselineSamples: 3 },
    citizenSite: { commitments: 1_500, areas: 15, history: 6_000, samples: 3 },
    bulkImport: { commitments: 1_500, history: 10_000, baselineCommitments: 200 },
  },
  quick: {
    coldStart: { imports: 5 },
    render: { commitments: 2_000, history: 2_000, samples: 5 },
    growth: {
      commitmentsAxis: [100, 1_000],
      historyAxis: [1_000, 10_000],
      commitmentsAxisHistory: 1_000,
      historyAxisCommitments: 100,
      samples: 2,
      endToEndMaxItems: 3_000,
      cellBudgetMs: 15_000,
    },
    regional: { plans: 50, commitments: 300, samples: 4, updates: 200 },
    cityPlan: { commitments: 100, history: 500 },
    freshness: { single: 8, loadRate: 20, loadSeconds: 5, timeoutMs: 10_000, pollMs: 20 },
    ingest: {
      concurrency: [1, 8, 32],
      onePlanConcurrency: [1, 8, 32, 64],
      oneCommitmentWriters: 16,
      requestsPerLevel: 128,
      commitmentsPerPlan: 64,
    },
    burst: { updates: 200, concurrency: 4, baselineSamples: 1 },
    citizenSite: { commitments: 1_500, areas: 15, history: 6_000, samples: 1 },
    bulkImport: { commitments: 200, history: 400, baselineCommitments: 20 },
  },
  smoke: {
    coldStart: { imports: 2 },
    render: { commitments: 200, history: 200, samples: 2 },
    growth: {
      commitmentsAxis: [50, 100],
      historyAxis: [100, 300],
      commitmentsAxisHistory: 100,
      historyAxisCommitments: 50,
      samples: 1,
      endToEndMaxItems: 200,
      cellBudgetMs: 5_000,
    },
    regional: { plans: 5, commitments: 50, samples: 2, updates: 20 },
    cityPlan: { commitments: 40, history: 50 },
    freshness: { single: 3, loadRate: 20, loadSeconds: 1, timeoutMs: 10_000, pollMs: 20 },
    ingest: {
      concurrency: [1, 8, 32],
      onePlanConcurrency: [1, 8, 32, 64],
      oneCommitmentWriters: 16,
      requestsPerLevel: 64,
      commitmentsPerPlan: 64,
    },
    burst: { updates: 60, concurrency: 4, baselineSamples: 1 },
    citizenSite: { commitments: 150, areas: 15, history: 300, samples: 1 },
    bulkImport: { commitments: 150, history: 300, baselineCommitments: 20 },
  },
};
