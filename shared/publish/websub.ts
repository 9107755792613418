/**
 * WebSub (W3C Recommendation) publishing: after a publish round, each configured hub is told once
 * per feed whose bytes changed (`hub.mode=publish`, `hub.url=<topic>`), so subscribers are pushed
 * the change instead of polling. A topic is a feed's public URL, the one its rel="self" names.
 * Pinging never fails nor holds up a publish: every ping has a deadline, failures are reported.
 */

/** The port: tells one hub that one topic changed. Rejects on failure (a network error, a non-2xx answer, the deadline). */
export interface HubNotifier {
  ping(hub: string, topic: string, signal: AbortSignal): Promise<void>;
}

export interface HubPingReport {
  /** Pings sent, one per hub and changed topic. */
  sent: number;
  failed: Array<{ hub: string; topic: string; error: string }>;
  /** The changed topics, as pinged. */
  topics: string[];
}

/** Whole round's deadline: a slow hub costs the batch this much at most. */
export const DEFAULT_PING_TIMEOUT_MS = 2_000;

const FEED_KEY = /(^|\/)feed\.(rss|atom|json)$/;

/** The feeds among the keys a publish wrote, as topic URLs. */
export function changedTopics(writtenKeys: Iterable<string>, baseUrl: string): string[] {
  return [...new Set([...writtenKeys].filter((key) => FEED_KEY.test(key)))].sort().map((key) => `${baseUrl}/${key}`);
}

/** Pings every hub about every topic, in parallel, within one deadline; never throws. */
export async function pingHubs(
  notifier: HubNotifier,
  hubs: readonly string[],
  topics: readonly string[],
  timeoutMs = DEFAULT_PING_TIMEOUT_MS,
): Promise<HubPingReport> {
  const report: HubPingReport = { sent: 0, failed: [], topics: [...topics] };
  if (hubs.length === 0 || topics.length === 0) return report;
  const signal = AbortSignal.timeout(timeoutMs);
  const pings = hubs.flatMap((hub) => topics.map((topic) => ({ hub, topic })));
  const results = await Promise.allSettled(pings.map(({ hub, topic }) => notifier.ping(hub, topic, signal)));
  results.forEach((result, i) => {
    report.sent++;
    if (result.status === 'rejected') {
      const error = result.reason instanceof Error ? result.reason.message : String(result.reason);
      report.failed.push({ ...pings[i]!, error });
    }
  });
  return report;
}
