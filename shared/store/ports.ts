/**
 * Everything storage offers, as one: the DynamoDB adapter implements every port. Code that needs
 * only one of them takes that one.
 */
import type { KeyStore } from './keys.ts';
import type { HistoryReader, PlanStore } from './plans.ts';
import type { PublishLeaseStore } from './publish-leases.ts';
import type { RequestStore } from './requests.ts';
import type { UpdateSequencer } from './sequencer.ts';

/** What the API writes and reads: the ingest function's repository (no publish leases). */
export type ApiRepository = PlanStore & KeyStore & RequestStore;

/** With the history's reads and the publish leases: what publishing and operators' tools use. */
export type PlanRepository = ApiRepository & HistoryReader & PublishLeaseStore;

/** The repository with the publisher's sequencer too: operators' commands, the local runtime, tests. */
export type SequencingRepository = PlanRepository & UpdateSequencer;
