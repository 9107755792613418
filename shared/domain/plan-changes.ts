/** What changed in a plan since its files were last written: what a publish round re-renders. */
export interface PlanChanges {
  /** A change the hint cannot describe (plan metadata, a new plan, a removal): regenerate everything. */
  full: boolean;
  commitmentIds: Set<string>;
  areaSlugs: Set<string>;
  /** Years of the updates in the batch. */
  years: Set<number>;
  /** Months (`YYYY-MM`) of the updates in the batch: only their history files are re-rendered (whole years without it). */
  months?: Set<string>;
  /** The stream positions that carried these changes, reported back when the plan fails to publish. */
  sequences: string[];
}

export const noChanges = (): PlanChanges => ({
  full: false,
  commitmentIds: new Set(),
  areaSlugs: new Set(),
  years: new Set(),
  months: new Set(),
  sequences: [],
});
