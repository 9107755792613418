/**
 * How the publish function consumes the table's stream, shared by the CDK event source mapping
 * and the local stream poller so that the two cannot drift (as the table schema does for keys).
 *
 * Publishing is a function of the table's state, not of the records, so a record that ends in
 * the on-failure destination loses nothing that `mandat republish` (or, locally,
 * `mandat replay-dead-letters`) cannot rebuild; the bounds only keep one bad plan from holding
 * up the shard for a day.
 */
export const PUBLISH_STREAM_SETTINGS = {
  batchSize: 100,
  maxBatchingWindowSeconds: 1,
  /** Failed batches are split in two before they are retried, isolating a failing plan. */
  bisectBatchOnError: true,
  /** The handler names the records of the plans it could not publish. */
  reportBatchItemFailures: true,
  /** Retries of a record after its first failure; then it goes to the on-failure destination. */
  retryAttempts: 8,
  /** Records older than this are not retried but sent to the on-failure destination. */
  maxRecordAgeSeconds: 6 * 3600,
  /** Only the plans' own items trigger a publish (publish state, nonces, keys … do not). */
  partitionKeyPrefix: 'PLAN#',
} as const;
