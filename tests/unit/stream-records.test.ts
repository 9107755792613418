/**
 * Which stream records ask for a publish: the writers' changes do; the publisher's own ordering
 * of updates (a plan revision given, a commitment's queue cleared, the plan's summary counted)
 * does not, or every round would set off another.
 */
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { changesInRecords } from '#shared/store/dynamo/stream-records';

type Image = Record<string, AttributeValue>;
let sequence = 0;
const modify = (sk: string, before: Image, after: Image): DynamoDBRecord => ({
  eventName: 'MODIFY',
  dynamodb: { Keys: { PK: { S: 'PLAN#p' }, SK: { S: sk } }, SequenceNumber: String(++sequence), OldImage: before, NewImage: after },
});
const commitment = (revision: number, pending: string[], planRevision: number): Image => ({
  commitmentId: { S: 'c1' },
  areaSlug: { S: 'serveis' },
  revision: { N: String(revision) },
  status: { S: revision % 2 ? 'pending' : 'delayed' },
  pending: { L: pending.map((S) => ({ S })) },
  planRevision: { N: String(planRevision) },
});

describe('stream records', () => {
  it("publish a writer's change of a commitment, and not the sequencer's clearing of its queue", () => {
    const written = modify('COMMITMENT#c1', commitment(3, [], 5), commitment(4, ['UPDATE#a'], 5));
    const ordered = modify('COMMITMENT#c1', commitment(4, ['UPDATE#a'], 5), commitment(4, [], 6));
    expect([...changesInRecords([written]).get('p')!.commitmentIds]).toEqual(['c1']);
    expect(changesInRecords([ordered]).size).toBe(0);
  });

  it("do not publish an update's plan revision being given, nor the plan's revision and summary moving", () => {
    // Given its revision, an update also enters the local indexes (their keys are set with it).
    const update = (planRevision: number): Image => ({
      commitmentId: { S: 'c1' },
      areaSlug: { S: 'serveis' },
      planRevision: { N: String(planRevision) },
      ...(planRevision > 0
        ? { byCommitment: { S: 'c1#2026-01-01T00:00:00.000Z#a' }, byArea: { S: 'serveis#2026-01-01T00:00:00.000Z#a' } }
        : {}),
    });
    const stamped = modify('UPDATE#2026-01-01T00:00:00.000Z#a', update(0), update(6));
    const plan = (revision: number, count: number): Image => ({
      title: { S: 'Pla' },
      revision: { N: String(revision) },
      historyCount_2026: { N: String(count) },
    });
    const counted = modify('PLAN', plan(5, 1), plan(6, 2));
    expect(changesInRecords([stamped, counted]).size).toBe(0);
    // A change of the plan's own fields still publishes everything.
    const renamed = modify('PLAN', plan(6, 2), { ...plan(7, 2), title: { S: 'Pla nou' } });
    expect(changesInRecords([renamed]).get('p')!.full).toBe(true);
  });

  it("do not publish a commitment's writers taking, ending or skipping turns in its queue", () => {
    const queued = (next: number, done: number, abandoned?: number[]): Image => ({
      ...commitment(4, [], 5),
      ticketNext: { N: String(next) },
      ticketDone: { N: String(done) },
      ...(abandoned ? { ticketsAbandoned: { NS: abandoned.map(String) } } : {}),
    });
    const taken = modify('COMMITMENT#c1', commitment(4, [], 5), queued(1, 0));
    const abandoned = modify('COMMITMENT#c1', queued(2, 0), queued(2, 0, [1]));
    const skipped = modify('COMMITMENT#c1', queued(2, 0, [1]), queued(2, 1));
    expect(changesInRecords([taken, abandoned, skipped]).size).toBe(0);
    // The turn's own write changes the commitment: that publishes.
    const written = modify('COMMITMENT#c1', queued(2, 1), { ...queued(2, 2), ...commitment(5, ['UPDATE#b'], 5) });
    expect([...changesInRecords([written]).get('p')!.commitmentIds]).toEqual(['c1']);
  });
});
