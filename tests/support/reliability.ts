/** Helpers shared by the reliability tests: plans to write to, signed posts, publishers, waits. */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type BatchDependencies, createStreamPublishHandler } from '#functions/publish/stream-batch';
import type { ApiRequest } from '#shared/api/api';
import { defineCommitment, definePlan } from '#shared/api/definitions';
import { DEMO_PLAN } from '#shared/domain/demo-plan';
import { PublishCoordinator, type PublishCoordinatorOptions } from '#shared/publish/coordinator';
import { type VerificationReport, verifyPublication } from '#shared/publish/verify';
import type { Artifact, ArtifactStore, ArtifactWriter, WriteResult } from '#shared/store/artifacts';
import type { SequencingRepository } from '#shared/store/ports';
import { S3ArtifactStore } from '#shared/store/s3/artifact-store';
import { BASE_URL, signedRequest, type TestEnvironment, type TestKey, updatePathOf } from './environment.ts';

export const STATUSES = ['not_started', 'pending', 'delayed', 'on_track'] as const;

/** Polls until `probe` gives a value; the timeout only bounds a hang, it asserts nothing. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function definePlanWithCommitments(repository: SequencingRepository, planId: string, commitments: number): Promise<string[]> {
  const now = new Date();
  await definePlan(repository, planId, { ...DEMO_PLAN, title: `Plan ${planId}` }, { now });
  const ids: string[] = [];
  for (let n = 1; n <= commitments; n++) {
    const commitmentId = `c${n}`;
    await defineCommitment(
      repository,
      planId,
      commitmentId,
      {
        number: n,
        title: `Commitment ${n}`,
        priority: { number: 1 + (n % 2), title: `Priority ${1 + (n % 2)}` },
        area: n % 2 ? 'Àrea de Serveis' : 'Àrea de Territori',
        status: 'not_started',
        observations: 'Initial.',
      },
      { now },
    );
    ids.push(commitmentId);
  }
  return ids;
}

/** A signed POST of a status update, as a client that also covers `idempotency-key` signs it. */
export function signedUpdate(
  key: TestKey,
  planId: string,
  commitmentId: string,
  body: unknown,
  options: { headers?: Record<string, string>; nonce?: string } = {},
): ApiRequest {
  // Covers the signed headers too (If-Match, Idempotency-Key), as a careful client does.
  const components = ['@method', '@authority', '@path', 'content-type', 'content-digest', ...Object.keys(options.headers ?? {})];
  return signedRequest(key, 'POST', updatePathOf(planId, commitmentId), body, {
    headers: options.headers,
    nonce: options.nonce,
    components,
  });
}

export interface TestPublisher {
  coordinator: PublishCoordinator;
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  /** Publishes one plan as a stream record for it would. */
  publishPlan(planId: string): Promise<DynamoDBBatchResponse>;
}

/** The real stream handler, with its own coordinator and (possibly faulty) store. */
export function createPublisher(
  repository: SequencingRepository,
  store: ArtifactWriter,
  options: Partial<PublishCoordinatorOptions> = {},
  baseUrl = BASE_URL,
  /** Where the site's root is read and written; a plain writer (a faulty one) needs a real store beside it. */
  siteStore: ArtifactStore = store as ArtifactStore,
  reads?: BatchDependencies['reads'],
): TestPublisher {
  const coordinator = new PublishCoordinator({ repository, store, leaseMs: 5_000, leaseWaitMs: 2_000, ...options });
  const handler = createStreamPublishHandler(() => ({ repository, store: siteStore, baseUrl, coordinator, reads }));
  let sequence = 0;
  return {
    coordinator,
    handler,
    publishPlan: (planId) =>
      handler({
        Records: [
          {
            eventName: 'MODIFY',
            dynamodb: { Keys: { PK: { S: `PLAN#${planId}` }, SK: { S: 'PLAN' } }, SequenceNumber: `direct-${++sequence}` },
          },
        ],
      }),
  };
}

/** Until the plan's files are recorded as published at the table's revision, with no lease held and no update left unsequenced. */
export async function waitUntilPublished(repository: SequencingRepository, planId: string, timeoutMs = 20_000): Promise<number> {
  return waitForPublish(repository, planId, timeoutMs).catch(async (error: Error) => {
    // What the plan was waiting for, for the next reader of a failed run.
    const [plan, state, pending] = await Promise.all([
      repository.getPlan(planId),
      repository.getPublishState(planId),
      repository.hasPendingUpdates(planId, 'all'),
    ]);
    const seen = { revision: plan?.revision, state, pending, now: Date.now() };
    throw new Error(`${error.message}: ${JSON.stringify(seen)}`);
  });
}

function waitForPublish(repository: SequencingRepository, planId: string, timeoutMs: number): Promise<number> {
  return eventually(
    `plan ${planId} to be published`,
    async () => {
      const [plan, state] = await Promise.all([repository.getPlan(planId), repository.getPublishState(planId)]);
      // A lease still running may be writing; an expired one cannot (its writes are fenced), and
      // stays named until the next publisher takes it when its release failed (it is best effort).
      if (!plan || !state || (state.leaseOwner && (state.leaseUntil ?? Number.POSITIVE_INFINITY) > Date.now())) return undefined;
      if (!(plan.revision <= state.publishedRevision && state.staleWrites <= state.staleWritesHandled)) return undefined;
      return (await repository.hasPendingUpdates(planId, 'all')) ? undefined : state.publishedRevision;
    },
    timeoutMs,
  );
}

export function verifyBucket(env: TestEnvironment, planIds?: string[], s3 = env.s3, bucket = env.bucketName): Promise<VerificationReport> {
  return verifyPublication({ repository: env.repository, store: new S3ArtifactStore(s3, bucket), baseUrl: BASE_URL }, { planIds });
}

/** A store that fails: after `writesBeforeCrash` objects of a write call it throws, as a crashed function would stop. */
export class CrashingStore implements ArtifactWriter {
  crashes = 0;
  constructor(
    private readonly inner: S3ArtifactStore,
    private writesBeforeCrash: number,
    private crashesLeft = 1,
  ) {}

  async write(prefix: string, artifacts: Artifact[]): Promise<WriteResult> {
    if (this.crashesLeft <= 0) return this.inner.write(prefix, artifacts);
    this.crashesLeft--;
    this.crashes++;
    // Half the files are written, then the process "dies" before the rest.
    await this.inner.write(prefix, artifacts.slice(0, this.writesBeforeCrash));
    throw new Error(`simulated crash after ${this.writesBeforeCrash} of ${artifacts.length} files`);
  }
}

export function isMonotone(values: number[]): boolean {
  return values.every((value, index) => index === 0 || value >= values[index - 1]!);
}
