/**
 * Everything storage offers, as one: the DynamoDB adapter implements every port. Code that needs
 * only one of them takes that one.
 */
import type { KeyStore } from './keys.ts';
import type { PlanStore } from './plans.ts';
import type { PublishLeaseStore } from './publish-leases.ts';
import type { RequestStore } from './requests.ts';
import type { UpdateSequencer } from './sequencer.ts';

export type PlanRepository = PlanStore & KeyStore & RequestStore & PublishLeaseStore;

/** The repository with the publisher's sequencer too: operators' commands, the local runtime, tests. */
export type SequencingRepository = PlanRepository & UpdateSequencer;
