/**
 * 9. The citizen site of a city-sized plan (1,500 commitments in 15 areas, a history over a
 * running mandate): the size of its summary, area and commitment pages against their budgets,
 * the S3 PUTs one update costs (with and without the pages), and a full republish in time and
 * bytes. Rendered by the product's publisher from memory into an in-memory bucket that, like the
 * S3 store, writes only what changed.
 */
import { createHash } from 'node:crypto';
import type { Commitment, StatusUpdate } from '#shared/domain/model';
import type { Artifact, ArtifactWriter, WriteResult } from '#shared/store/artifacts';
import { makeCommitment, makePlan, makeUpdate, type PlanShape } from '../data.ts';
import { MemoryPlanRepository } from '../memory-repository.ts';
import { publishPlan } from '../product.ts';
import { progress } from '../progress.ts';
import { type Summary, summarize } from '../stats.ts';

export interface CitizenSiteSizes {
  commitments: number;
  areas: number;
  history: number;
  samples: number;
}

export interface CitizenSiteResult {
  commitments: number;
  areas: number;
  history: number;
  /** Uncompressed HTML bytes. */
  summaryBytes: number;
  areaBytes: { median: number; max: number };
  /** A commitment's page without its history list, and the history list alone. */
  commitmentBytes: { median: number; max: number };
  historyBytes: { median: number; max: number };
  budgets: { summary: number; area: number; commitment: number };
  /** Objects written by a publish after one update: all of them, and those the product wrote before the pages. */
  putsPerUpdate: { after: number; before: number; pages: string[] };
  bytesPerUpdate: number;
  republish: { ms: Summary; artifacts: number; pages: number; bytes: number; htmlBytes: number };
}

/** Writes what differs from what it holds, as the S3 store does (by MD5); nothing leaves memory. */
class MemoryBucket implements ArtifactWriter {
  readonly objects = new Map<string, { md5: string; body: string | Uint8Array }>();

  async write(_prefix: string, artifacts: Artifact[]): Promise<WriteResult> {
    const result: WriteResult = { written: [], skipped: [], bytesWritten: 0 };
    for (const a of artifacts) {
      const md5 = createHash('md5').update(a.body).digest('hex');
      if (this.objects.get(a.key)?.md5 === md5) {
        result.skipped.push(a.key);
        continue;
      }
      this.objects.set(a.key, { md5, body: a.body });
      result.written.push(a.key);
      result.bytesWritten += typeof a.body === 'string' ? Buffer.byteLength(a.body, 'utf8') : a.body.byteLength;
    }
    return result;
  }
}

const PAGE = /\/(commitments|areas|statuses|priorities)\/[^/]+\/index\.html$/;
const KB = 1024;

function sizes(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0 };
}

export async function citizenSite(options: CitizenSiteSizes): Promise<CitizenSiteResult> {
  const shape: PlanShape = { planId: 'terrassa-like', commitments: options.commitments, period: { start: 2023, end: 2027 } };
  const areaNames = Array.from({ length: options.areas }, (_, i) => `Àrea ${String(i + 1).padStart(2, '0')} de la ciutat`);
  const areaOf = (index: number) => ({
    area: areaNames[index % options.areas]!,
    areaSlug: `area-${String((index % options.areas) + 1).padStart(2, '0')}-de-la-ciutat`,
  });
  const repository = new MemoryPlanRepository();
  const commitments: Commitment[] = [];
  for (let i = 0; i < options.commitments; i++) commitments.push({ ...makeCommitment(shape, i), ...areaOf(i) });
  const updates: StatusUpdate[] = [];
  for (let i = 0; i < options.history; i++) {
    const u = makeUpdate(shape, options.commitments, i);
    updates.push({ ...u, ...areaOf(Number(u.commitmentId.slice(1)) - 1) });
  }
  const newest = updates.reduce((max, u) => (u.receivedAt > max ? u.receivedAt : max), shape.period.start.toString());
  const plan = { ...makePlan(shape, options.commitments + options.history + 1), updatedAt: newest };
  repository.addPlan(plan);
  for (const c of commitments) repository.addCommitment(c);
  for (const u of updates) repository.addUpdate(u);

  const deps = { repository, store: new MemoryBucket(), baseUrl: 'https://mandat.example.org' };
  // Full republish: every page and file, into an empty bucket each time.
  const times: number[] = [];
  let bucket = new MemoryBucket();
  for (let i = 0; i < options.samples; i++) {
    bucket = new MemoryBucket();
    const t0 = performance.now();
    await publishPlan(shape.planId, { ...deps, store: bucket });
    times.push(performance.now() - t0);
  }
  const objects = [...bucket.objects];
  const body = (key: string) => {
    const value = bucket.objects.get(key)!.body;
    return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  };
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  const prefix = `plans/${shape.planId}/`;
  const areaPages = objects.filter(([key]) => /\/areas\/[^/]+\/index\.html$/.test(key)).map(([key]) => bytes(body(key)));
  const commitmentPages = objects.filter(([key]) => /\/commitments\/[^/]+\/index\.html$/.test(key)).map(([key]) => body(key));
  const historyOf = (html: string) => /<ol class="history"[\s\S]*?<\/ol>/.exec(html)?.[0] ?? '';
  const objectBytes = (value: string | Uint8Array) => (typeof value === 'string' ? bytes(value) : value.byteLength);

  // One update now, to one commitment, published as the stream handler publishes it.
  const target = commitments[0]!;
  const now = new Date(Date.parse(newest) + 60_000).toISOString();
  const update: StatusUpdate = {
    ...updates[0]!,
    commitmentId: target.commitmentId,
    updateId: '00000000-0000-4000-8000-999999999999',
    reportedAt: now,
    receivedAt: now,
    previousStatus: target.status,
    status: target.status === 'on_track' ? 'delayed' : 'on_track',
    planRevision: plan.revision + 1,
    commitmentNumber: target.number,
    commitmentTitle: target.title,
    area: target.area,
    areaSlug: target.areaSlug,
  };
  await repository.recordUpdate({
    update,
    commitment: { ...target, status: update.status, reportedAt: now, updatedAt: now, planRevision: update.planRevision },
    now,
  });
  const after = await publishPlan(
    shape.planId,
    { ...deps, store: bucket },
    { changed: { commitmentIds: [target.commitmentId], years: [Number(now.slice(0, 4))], months: [now.slice(0, 7)] } },
  );
  const written = after!.written;

  const result: CitizenSiteResult = {
    commitments: options.commitments,
    areas: options.areas,
    history: options.history,
    summaryBytes: bytes(body(`${prefix}index.html`)),
    areaBytes: sizes(areaPages),
    commitmentBytes: sizes(commitmentPages.map((html) => bytes(html) - bytes(historyOf(html)))),
    historyBytes: sizes(commitmentPages.map((html) => bytes(historyOf(html)))),
    budgets: { summary: 150 * KB, area: 120 * KB, commitment: 30 * KB },
    putsPerUpdate: {
      after: written.length,
      before: written.filter((key) => !PAGE.test(key)).length,
      pages: written.filter((key) => PAGE.test(key)).map((key) => key.slice(prefix.length)),
    },
    bytesPerUpdate: after!.bytesWritten,
    republish: {
      ms: summarize(times),
      artifacts: objects.length,
      pages: objects.filter(([key]) => key.endsWith('.html')).length,
      bytes: objects.reduce((sum, [, o]) => sum + objectBytes(o.body), 0),
      htmlBytes: objects.filter(([key]) => key.endsWith('.html')).reduce((sum, [, o]) => sum + objectBytes(o.body), 0),
    },
  };
  progress(
    `citizen site: summary ${(result.summaryBytes / KB).toFixed(0)} KB, area ≤ ${(result.areaBytes.max / KB).toFixed(0)} KB, commitment ≤ ${(result.commitmentBytes.max / KB).toFixed(0)} KB + history; ${result.putsPerUpdate.after} PUTs per update (${result.putsPerUpdate.before} without pages); republish ${result.republish.ms.median.toFixed(0)} ms`,
  );
  return result;
}
