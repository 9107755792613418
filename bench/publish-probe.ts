/**
 * One update, then one publish of its plan, measured: time by phase, items and bytes read,
 * objects and bytes written, and the S3 and DynamoDB requests it sent.
 */
import { randomUUID } from 'node:crypto';
import type { Commitment, StatusUpdate } from '#shared/domain/model';
import type { ArtifactStore, ArtifactWriter } from '#shared/store/artifacts';
import type { PlanReader } from '#shared/store/plans';
import type { PlanRepository, SequencingRepository } from '#shared/store/ports';
import { readUnits, storedItemBytes } from './dynamo-size.ts';
import { itemsIn, phaseRecorder, timedRepository, timedStore } from './instrument.ts';
import { count, type IoCounter } from './io-counter.ts';
import { publishPlan } from './product.ts';

export interface PublishSample {
  ms: number;
  readMs: number;
  renderMs: number;
  writeMs: number;
  itemsRead: number;
  bytesRead: number;
  readUnits: number;
  objectsWritten: number;
  bytesWritten: number;
  s3Puts: number;
  /** The previous round's snapshot read back. */
  s3Gets: number;
  s3Lists: number;
  /** HEADs the store made to tell what changed (billed as GETs). */
  s3Heads: number;
  dynamoRequests: number;
}

export async function measurePublish(
  planId: string,
  deps: {
    repository: PlanReader;
    store: ArtifactWriter;
    baseUrl: string;
    io: IoCounter;
    /** The previous round's commitments (as the stream publisher reads them); without it every commitment is read. */
    snapshots?: Pick<ArtifactStore, 'read'>;
  },
): Promise<PublishSample> {
  const recorder = phaseRecorder();
  const repository = timedRepository(deps.repository, recorder);
  const store = timedStore(deps.store, recorder);
  deps.io.reset();
  const t0 = performance.now();
  // As the stream handler does after one accepted update: what changed since the last publish.
  const since = ((await deps.repository.getPlan(planId))?.revision ?? 1) - 1;
  const result = await publishPlan(
    planId,
    { repository, store, baseUrl: deps.baseUrl, ...(deps.snapshots ? { snapshots: deps.snapshots } : {}) },
    { changed: { commitmentIds: [], years: [] }, since },
  );
  const ms = performance.now() - t0;
  const io = deps.io.take();
  if (!result) throw new Error(`plan ${planId} vanished`);
  const items = itemsIn(recorder.readResults) as Record<string, unknown>[];
  const bytesRead = items.reduce((sum, item) => sum + storedItemBytes(item), 0);
  const dynamoRequests = Object.entries(io.requests)
    .filter(([label]) => label.startsWith('DynamoDB '))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    ms,
    readMs: recorder.read.total,
    writeMs: recorder.write.total,
    renderMs: Math.max(0, ms - recorder.read.total - recorder.write.total),
    itemsRead: items.length,
    bytesRead,
    readUnits: readUnits(bytesRead),
    objectsWritten: result.written.length,
    bytesWritten: result.bytesWritten,
    s3Puts: count(io, 'S3 PUT'),
    s3Gets: count(io, 'S3 GET'),
    s3Lists: count(io, 'S3 LIST'),
    s3Heads: count(io, 'S3 HEAD'),
    dynamoRequests,
  };
}

/**
 * An official's status update written the way the ingest function writes it (one
 * transaction through the repository), without the HTTP and signature around it.
 */
/** What the bench's probes need: the reads of rendering plus writing one update. */
export type BenchRepository = PlanReader &
  Pick<PlanRepository, 'getCommitment' | 'recordUpdate'> &
  Partial<Pick<SequencingRepository, 'sequenceUpdates'>>;

export async function recordOneUpdate(
  repository: BenchRepository,
  planId: string,
  commitmentId: string,
  reportedAt: string,
): Promise<StatusUpdate> {
  const [plan, current] = await Promise.all([repository.getPlan(planId), repository.getCommitment(planId, commitmentId)]);
  if (!plan || !current) throw new Error(`no commitment ${planId}/${commitmentId}`);
  const now = new Date().toISOString();
  const status = plan.statuses[(plan.statuses.findIndex((s) => s.code === current.status) + 1) % plan.statuses.length]!.code;
  const update: StatusUpdate = {
    planId,
    commitmentId,
    updateId: randomUUID(),
    reportedAt,
    receivedAt: now,
    status,
    previousStatus: current.status,
    observations: `Actualització del banc de proves.\n\n- Fase ${current.revision + 1} en curs\n- Pressupost adjudicat`,
    links: [{ title: 'Acta de la comissió', url: `https://example.org/actes/${current.revision + 1}.pdf` }],
    progress: Math.min(100, (current.progress ?? 0) + 1),
    revision: current.revision + 1,
    planRevision: plan.revision + 1,
    keyId: 'bench-official',
    commitmentNumber: current.number,
    commitmentTitle: current.title,
    area: current.area,
    areaSlug: current.areaSlug,
  };
  const next: Commitment = {
    ...current,
    status: update.status,
    observations: update.observations,
    links: update.links,
    progress: update.progress,
    revision: update.revision,
    reportedAt,
    updatedAt: now,
    lastUpdateId: update.updateId,
    planRevision: update.planRevision,
  };
  await repository.recordUpdate({ update, commitment: next, expectedRevision: current.revision, now });
  // The publisher's first step under its lease (DynamoDB): the update gets its plan revision.
  await repository.sequenceUpdates?.(planId, [commitmentId]);
  return update;
}
