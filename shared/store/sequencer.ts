/**
 * The plan's order of updates, given by the publisher rather than by each writer. A writer's
 * transaction leaves its update unsequenced (`planRevision` 0) and names it in its commitment's
 * pending list; the publisher, under the plan's lease, gives the pending updates the next plan
 * revisions (in each commitment's own order), counts them into the plan's history summary and
 * clears them from the lists, all in one transaction. Writers of a plan therefore share no item.
 */

/** Which commitments to look at: those a stream batch named, or all of the plan (repairs). */
export type PendingScope = readonly string[] | 'all';

export interface UpdateSequencer {
  /** Whether any of these commitments has updates not yet sequenced. */
  hasPendingUpdates(planId: string, scope: PendingScope): Promise<boolean>;
  /**
   * The commitments with an unsequenced update among the plan's newest: updates accepted while a
   * round ran, which the batch that started it did not name (their own batch would, later).
   */
  newestPendingCommitments(planId: string): Promise<string[]>;
  /**
   * Keys of the plan's updates after `after` (a key, or `UPDATE#` and a time), newest first. An
   * update's key begins with the time it is reported for: these arrived since, unless backdated.
   */
  newestArrivals(planId: string, after: string): Promise<string[]>;
  /** Sequences every pending update of these commitments; returns how many it sequenced. */
  sequenceUpdates(planId: string, scope: PendingScope): Promise<number>;
}
