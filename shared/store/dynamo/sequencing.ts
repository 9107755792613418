/**
 * The repository that also orders updates (the publisher's sequencer), apart from the one the
 * ingest function bundles: writers never sequence, and the ingest bundle stays without it.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PendingScope, UpdateSequencer } from '../sequencer.ts';
import { withHistoryReads } from './history-reads.ts';
import { withPublishLeases } from './publish-leases.ts';
import { DynamoRegistryFill } from './registry-fill.ts';
import { DynamoPlanRepository } from './repository.ts';
import { DynamoUpdateSequencer } from './sequencer.ts';

/** Every port, with ordering updates: operators' commands, the local runtime, the tests and the bench. */
export class DynamoSequencingRepository extends withPublishLeases(withHistoryReads(DynamoPlanRepository)) implements UpdateSequencer {
  private readonly sequencer: DynamoUpdateSequencer;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    super(client, tableName);
    this.sequencer = new DynamoUpdateSequencer(client, tableName);
  }

  hasPendingUpdates = (planId: string, scope: PendingScope): Promise<boolean> => this.sequencer.hasPendingUpdates(planId, scope);
  sequenceUpdates = (planId: string, scope: PendingScope): Promise<number> => this.sequencer.sequenceUpdates(planId, scope);
  newestPendingCommitments = (planId: string): Promise<string[]> => this.sequencer.newestPendingCommitments(planId);
  newestArrivals = (planId: string, after: string): Promise<string[]> => this.sequencer.newestArrivals(planId, after);
  /** Adds the registry entries of plans and keys written before the registries existed (an operator's step). */
  fillRegistry = (): Promise<{ plans: number; keys: number }> => new DynamoRegistryFill(this.client, this.tableName).fillRegistry();
}
