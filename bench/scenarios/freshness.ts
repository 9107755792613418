/**
 * 1. Freshness: from a signed POST's 201 to the change being visible over HTTP in each public
 * file, for isolated updates and under a steady load. Each file is polled back to back with
 * conditional GETs (If-None-Match), as a harvester would, so the figure includes the publish,
 * the S3 write and the read back.
 */
import { commitmentId } from '../data.ts';
import { FRESHNESS_FILES } from '../product.ts';
import { progress } from '../progress.ts';
import { STATUSES, updateBody, updatePath } from '../signing.ts';
import { type Summary, sleep, summarize } from '../stats.ts';
import { type PublishObservation, postUpdate, type RunningStack } from './stack.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

interface Tracked {
  updateId: string;
  commitmentId: string;
  seq: number;
  acceptedAt: number;
  seenAt: Map<string, number>;
}

/**
 * Watches the files of one plan. An update counts as visible in a file when its updateId is
 * there, or — in commitments.csv, which shows only each commitment's latest state — when a
 * later update of the same commitment is.
 */
class FeedWatcher {
  private readonly tracked: Tracked[] = [];
  private readonly lastBody = new Map<string, string>();
  private running = true;
  private readonly loops: Promise<void>[];
  requests = 0;
  /** Polls that took over a second or never answered (the S3 server's in-place writes). */
  stalled = 0;

  constructor(
    private readonly origin: string,
    private readonly planId: string,
    readonly files: string[],
    private readonly pollMs: number,
  ) {
    // Two staggered loops per file (see poll()), each every 2 × pollMs: one GET per pollMs.
    this.loops = files.flatMap((file) => [this.poll(file, 0), this.poll(file, pollMs)]);
  }

  /**
   * Conditional GETs back to back, and a full GET every 250 ms. Both work around the S3 server,
   * which writes an object in place rather than atomically: a GET racing a PUT can pair the new
   * ETag with a partial body (trusting that ETag would hide the finished object), or read a file
   * truncated under it and then wait for the connection's keep-alive timeout (5 s). Two loops per
   * file keep one such request from stalling the measurement; S3 itself has neither problem.
   */
  private async poll(file: string, offsetMs: number): Promise<void> {
    let etag: string | undefined;
    let lastFull = 0;
    await sleep(offsetMs);
    while (this.running) {
      // The watcher shares this process with the product: no GETs while nothing is awaited.
      if (etag !== undefined && !this.tracked.some((u) => !u.seenAt.has(file))) {
        await sleep(this.pollMs);
        continue;
      }
      const conditional = etag !== undefined && performance.now() - lastFull < 250;
      const t0 = performance.now();
      try {
        const response = await fetch(`${this.origin}/plans/${this.planId}/${file}`, {
          headers: conditional ? { 'if-none-match': etag! } : {},
          signal: AbortSignal.timeout(10_000),
        });
        const body = await response.text();
        const at = performance.now();
        this.requests++;
        if (at - t0 > 1000) this.stalled++;
        if (response.status === 200) {
          if (!conditional) lastFull = at;
          etag = response.headers.get('etag') ?? undefined;
          this.lastBody.set(file, body);
          this.check(file, body, at);
        }
      } catch {
        // Refused, cut or timed out: one more poll; the timeout of waitFor() decides.
        this.stalled++;
      }
      await sleep(2 * this.pollMs);
    }
  }

  private check(file: string, body: string, at: number): void {
    const ids = new Set(body.match(UUID) ?? []);
    const supersedes = file === 'commitments.csv';
    const latestVisible = new Map<string, number>();
    for (const u of this.tracked) {
      if (ids.has(u.updateId)) latestVisible.set(u.commitmentId, Math.max(latestVisible.get(u.commitmentId) ?? -1, u.seq));
    }
    for (const u of this.tracked) {
      if (u.seenAt.has(file)) continue;
      const visible = supersedes ? (latestVisible.get(u.commitmentId) ?? -1) >= u.seq : ids.has(u.updateId);
      // Seen before the client even had its 201 (the publish raced the response): 0 ms.
      if (visible) u.seenAt.set(file, Math.max(at, u.acceptedAt));
    }
  }

  track(update: Omit<Tracked, 'seenAt'>): Tracked {
    const tracked = { ...update, seenAt: new Map<string, number>() };
    this.tracked.push(tracked);
    for (const [file, body] of this.lastBody) this.check(file, body, update.acceptedAt);
    return tracked;
  }

  async waitFor(updates: Tracked[], timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (updates.every((u) => this.files.every((f) => u.seenAt.has(f)))) return;
      await sleep(5);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

export interface FreshnessRun {
  updates: number;
  /** Updates not visible in some file within the timeout (counted, not in the percentiles). */
  missed: number;
  perFile: Record<string, Summary>;
  /** Until visible in every measured file. */
  allFiles: Summary;
  /**
   * Single updates only — where the time went (medians): from the 201 to the start of the
   * publish invocation whose batch carried the update, that invocation (which goes on after the
   * feeds are written: the site's root, the publish state), and from its end until the watcher
   * saw the update in every file (negative: seen before the invocation ended).
   */
  breakdown?: { waitMs: number; publishMs: number; visibleMs: number };
  /**
   * Under load: the publish invocations that ran. One invocation keeps publishing rounds while
   * the plan's revision keeps moving, so a steady load is a few long invocations, not one per batch.
   */
  invocations?: { count: number; longestMs: number };
}

export interface FreshnessResult {
  plan: { commitments: number; history: number };
  measuredFiles: string[];
  /** Files the issue names that this build of the product does not publish (yet). */
  absentFiles: string[];
  pollIntervalMs: number;
  /** Watcher GETs that took over a second or failed: the S3 server's in-place writes (see FeedWatcher). */
  stalledPolls: number;
  single: FreshnessRun;
  /** achievedRate: updates accepted per second, from the first POST to the last 201. */
  load: FreshnessRun & { targetRate: number; achievedRate: number; seconds: number; sent: number; rejected: Record<string, number> };
}

function summariseRun(updates: Tracked[], files: string[], publishes?: PublishObservation[]): FreshnessRun {
  const complete = updates.filter((u) => files.every((f) => u.seenAt.has(f)));
  const perFile: Record<string, Summary> = {};
  for (const file of files) {
    perFile[file] = summarize(updates.filter((u) => u.seenAt.has(file)).map((u) => u.seenAt.get(file)! - u.acceptedAt));
  }
  const wait: number[] = [];
  const publish: number[] = [];
  const visible: number[] = [];
  for (const u of publishes ? complete : []) {
    const invocation = publishes!.find((p) => p.updateIds.includes(u.updateId) && !p.failed);
    if (!invocation) continue;
    const start = invocation.at - invocation.ms;
    wait.push(start - u.acceptedAt);
    publish.push(invocation.ms);
    visible.push(Math.max(...files.map((f) => u.seenAt.get(f)!)) - invocation.at);
  }
  return {
    updates: updates.length,
    missed: updates.length - complete.length,
    perFile,
    allFiles: summarize(complete.map((u) => Math.max(...files.map((f) => u.seenAt.get(f)!)) - u.acceptedAt)),
    ...(wait.length
      ? { breakdown: { waitMs: summarize(wait).median, publishMs: summarize(publish).median, visibleMs: summarize(visible).median } }
      : {}),
  };
}

export interface FreshnessSizes {
  single: number;
  loadRate: number;
  loadSeconds: number;
  timeoutMs: number;
  pollMs: number;
}

export async function freshness(
  running: RunningStack,
  plan: { planId: string; commitments: number; history: number },
  sizes: FreshnessSizes,
): Promise<FreshnessResult> {
  const files: string[] = [];
  const absentFiles: string[] = [];
  for (const file of FRESHNESS_FILES) {
    const response = await fetch(`${running.origin}/plans/${plan.planId}/${file}`);
    await response.arrayBuffer();
    (response.status === 200 ? files : absentFiles).push(file);
  }
  if (absentFiles.length > 0) progress(`freshness: not published by this build: ${absentFiles.join(', ')}`);
  const watcher = new FeedWatcher(running.origin, plan.planId, files, sizes.pollMs);
  const key = running.keys[0]!;
  let seq = 0;
  // A 409 (the plan moved on under the request, after the server's own retries) is counted as
  // rejected and not resent, as the `mandat` CLI does: resending on a timer would add a retry
  // storm of the bench's making to the load.
  const rejected: Record<string, number> = {};
  const send = async () => {
    const n = seq++;
    const commitment = commitmentId(n % plan.commitments);
    const result = await postUpdate(running.origin, key, updatePath(plan.planId, commitment), updateBody(STATUSES[n % STATUSES.length]!));
    if (result.status !== 201 || !result.updateId) {
      rejected[result.status] = (rejected[result.status] ?? 0) + 1;
      return { result, tracked: undefined };
    }
    return { result, tracked: watcher.track({ updateId: result.updateId, commitmentId: commitment, seq: n, acceptedAt: result.at }) };
  };

  try {
    await sleep(300); // the watcher's first full GETs
    // A warm-up update, not counted: the first request of a process pays for JIT and connections.
    const warm = await send();
    if (warm.tracked) await watcher.waitFor([warm.tracked], sizes.timeoutMs);

    progress(`freshness: ${sizes.single} single updates`);
    const single: Tracked[] = [];
    for (let i = 0; i < sizes.single; i++) {
      const { tracked } = await send();
      if (tracked) {
        single.push(tracked);
        await watcher.waitFor([tracked], sizes.timeoutMs);
      }
      await sleep(150); // isolated: the poller is idle again before the next one
    }
    await running.waitQuiet({ quietMs: 500 });

    progress(`freshness: ${sizes.loadRate} updates/s for ${sizes.loadSeconds} s`);
    const loaded: Tracked[] = [];
    for (const status of Object.keys(rejected)) delete rejected[status];
    const inFlight: Promise<void>[] = [];
    const total = Math.round(sizes.loadRate * sizes.loadSeconds);
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      // Open loop: the n-th update leaves at t0 + n / rate, whether or not the others returned.
      const wait = t0 + (i * 1000) / sizes.loadRate - performance.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(
        send().then(({ tracked }) => {
          if (tracked) loaded.push(tracked);
        }),
      );
    }
    await Promise.all(inFlight);
    const lastAccepted = Math.max(t0, ...loaded.map((u) => u.acceptedAt));
    await watcher.waitFor(loaded, sizes.timeoutMs);
    // The invocations that published the load end after the last update is visible.
    await running.waitQuiet({ quietMs: 500 });
    const result: FreshnessResult = {
      plan: { commitments: plan.commitments, history: plan.history },
      measuredFiles: files,
      absentFiles,
      pollIntervalMs: sizes.pollMs,
      stalledPolls: watcher.stalled,
      single: summariseRun(single, files, running.publishes),
      load: {
        ...summariseRun(loaded, files),
        invocations: (() => {
          const during = running.publishes.filter((p) => p.at >= t0);
          return { count: during.length, longestMs: Math.max(0, ...during.map((p) => p.ms)) };
        })(),
        targetRate: sizes.loadRate,
        achievedRate: loaded.length / ((lastAccepted - t0) / 1000),
        seconds: sizes.loadSeconds,
        sent: total,
        rejected: { ...rejected },
      },
    };
    progress(
      `freshness: single p50 ${result.single.allFiles.median.toFixed(0)} ms / p99 ${result.single.allFiles.p99.toFixed(0)} ms; ` +
        `under load p50 ${result.load.allFiles.median.toFixed(0)} ms / p99 ${result.load.allFiles.p99.toFixed(0)} ms`,
    );
    return result;
  } finally {
    await watcher.stop();
    await running.waitQuiet();
  }
}
