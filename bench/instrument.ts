/**
 * Splits one publish into its phases without touching the product: the repository and the
 * artifact store handed to `publishPlan` are wrapped in proxies that time every call they
 * receive (whatever methods the publisher uses), and the results are kept so the bytes read can
 * be sized afterwards, outside the timed window.
 */
import type { Artifact, ArtifactWriter, WriteResult } from '#shared/store/artifacts';

/** Wall-clock time during which at least one call was in flight: parallel reads count once. */
class BusyClock {
  private active = 0;
  private since = 0;
  total = 0;
  calls = 0;

  enter(): void {
    this.calls++;
    if (this.active++ === 0) this.since = performance.now();
  }

  leave(): void {
    if (--this.active === 0) this.total += performance.now() - this.since;
  }
}

export interface PhaseRecorder {
  read: BusyClock;
  write: BusyClock;
  /** Every value the repository returned during the publish. */
  readResults: unknown[];
  writeResults: WriteResult[];
}

export function phaseRecorder(): PhaseRecorder {
  return { read: new BusyClock(), write: new BusyClock(), readResults: [], writeResults: [] };
}

function timed<T extends object>(target: T, clock: BusyClock, results: unknown[]): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        clock.enter();
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(object, args);
        } catch (error) {
          clock.leave();
          throw error;
        }
        if (!(result instanceof Promise)) {
          clock.leave();
          return result;
        }
        return result.then(
          (resolved: unknown) => {
            clock.leave();
            results.push(resolved);
            return resolved;
          },
          (error: unknown) => {
            clock.leave();
            throw error;
          },
        );
      };
    },
  });
}

export function timedRepository<T extends object>(repository: T, recorder: PhaseRecorder): T {
  return timed(repository, recorder.read, recorder.readResults);
}

export function timedStore<T extends ArtifactWriter>(store: T, recorder: PhaseRecorder): T {
  return timed(store, recorder.write, recorder.writeResults as unknown[]);
}

/** Items the repository returned: an array counts its elements, a single item counts one. */
export function itemsIn(results: unknown[]): unknown[] {
  return results.flatMap((r) => (Array.isArray(r) ? r : r === undefined || r === null ? [] : [r]));
}

/**
 * An artifact store that uploads nothing: rendering measured alone. It reports every artifact
 * as written, so the totals say how much a publish renders.
 */
export class RenderOnlyStore implements ArtifactWriter {
  rendered: Artifact[] = [];

  async write(_prefix: string, artifacts: Artifact[]): Promise<WriteResult> {
    this.rendered.push(...artifacts);
    // Sized afterwards (renderedBytes), so that UTF-8 encoding 20 MB is not timed as rendering.
    return { written: artifacts.map((a) => a.key), skipped: [], bytesWritten: 0 };
  }

  take(): Artifact[] {
    const out = this.rendered;
    this.rendered = [];
    return out;
  }
}

export const utf8Bytes = (artifacts: Artifact[]) => artifacts.reduce((sum, a) => sum + Buffer.byteLength(a.body, 'utf8'), 0);
