/** The publish lease port: one publisher per plan at a time, and what it has published. */

export interface PublishState {
  planId: string;
  /** The highest plan revision whose snapshot was completely written; never decreases. */
  publishedRevision: number;
  /** Bumped by a publisher that wrote objects after losing its lease (they may be older). */
  staleWrites: number;
  /** The `staleWrites` count that the last complete publish started after. */
  staleWritesHandled: number;
  /** Publishers that took the lease so far (observability; tests count it). */
  leaseCount: number;
  leaseOwner?: string;
  /** Epoch milliseconds. */
  leaseUntil?: number;
  publishedAt?: string;
  /**
   * The MD5 (S3's ETag) of the plan's DCAT record that the site's root was confirmed to include;
   * absent when not confirmed, or forgotten before a different record was written.
   */
  siteRecord?: string;
}

export interface PublishLeaseStore {
  getPublishState(planId: string): Promise<PublishState | undefined>;
  /**
   * Takes the plan's publish lease when it is free, expired, or already ours; returns the
   * state with the lease, or undefined when another publisher holds it.
   */
  acquirePublishLease(planId: string, lease: { owner: string; until: number; now: number }): Promise<PublishState | undefined>;
  /** Extends our lease; false when it is no longer ours. */
  renewPublishLease(planId: string, lease: { owner: string; until: number }): Promise<boolean>;
  /**
   * Records a complete publish of `revision` and gives the lease up, in one write: only while
   * we still hold the lease and only if that does not lower `publishedRevision`; false otherwise
   * (nothing recorded, nothing released). With `siteRecord`, records it too (else it is kept).
   */
  recordPublished(
    planId: string,
    input: { owner: string; revision: number; staleWritesHandled: number; at: string; siteRecord?: string },
  ): Promise<boolean>;
  /** Forgets `siteRecord`: always safe (the next round checks the root), so unconditional. */
  forgetSiteRecord(planId: string): Promise<void>;
  /** Gives the lease up if it is still ours. */
  releasePublishLease(planId: string, owner: string): Promise<void>;
  /** Says that a publisher which lost its lease may have written older objects. */
  markStaleWrites(planId: string): Promise<void>;
}
