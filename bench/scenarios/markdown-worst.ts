/**
 * 5b. The worst case of the Markdown transforms: every adversarial text of the test suite
 * (CommonMark's pathological inputs, the openers) at the observation limit, through
 * markdownToHtml and markdownToText (each timed once, the slowest three again with every sample);
 * the slowest per 10 KB, against escapeXml of the same bytes in the same run. The same input at
 * half the length shows how the time grows (×2 is linear).
 */
import { LIMITS } from '#shared/domain/model';
import { markdownToHtml, markdownToText } from '#shared/render/markdown';
import { escapeXml } from '#shared/render/xml';
import { ADVERSARIAL_TEXTS } from '../../tests/support/adversarial-text.ts';
import { progress } from '../progress.ts';
import { ratio } from '../stats.ts';

export interface MarkdownWorstResult {
  /** How many inputs × transforms were timed. */
  cases: number;
  input: string;
  transform: string;
  bytes: number;
  /** The fastest of the samples, scaled to 10 KB (10,240 bytes). */
  msPer10KB: number;
  baselineMsPer10KB: number;
  /** msPer10KB / baselineMsPer10KB */
  ratio: number;
  /** Time at the limit / time at half of it, for the worst input. */
  growth: number;
}

const TRANSFORMS = { markdownToHtml, markdownToText } as const;

/** The fastest of the samples: on a shared machine the others measure the neighbours too. */
function fastestMs(run: () => unknown, samples: number): number {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return Math.min(...times);
}

export function markdownWorst(options: { samples: number }): MarkdownWorstResult {
  const samples = Math.max(3, options.samples);
  const per10KB = (ms: number, text: string) => (ms * 10_240) / Buffer.byteLength(text, 'utf8');
  // Every case timed once after a warm-up run; the slowest few again with every sample.
  const screened = Object.entries(ADVERSARIAL_TEXTS).flatMap(([input, make]) => {
    const text = make(LIMITS.observations);
    return Object.entries(TRANSFORMS).map(([transform, run]) => {
      run(text);
      return {
        input,
        transform,
        text,
        run,
        msPer10KB: per10KB(
          fastestMs(() => run(text), 1),
          text,
        ),
      };
    });
  });
  const [worst] = screened
    .sort((a, b) => b.msPer10KB - a.msPer10KB)
    .slice(0, 3)
    .map((c) => ({
      ...c,
      msPer10KB: per10KB(
        fastestMs(() => c.run(c.text), samples),
        c.text,
      ),
    }))
    .sort((a, b) => b.msPer10KB - a.msPer10KB);
  const { input, transform, text, run, msPer10KB } = worst!;
  const half = ADVERSARIAL_TEXTS[input]!(LIMITS.observations / 2);
  // Alternated, so that a busy moment of the machine does not fall on one length only.
  let full = Number.POSITIVE_INFINITY;
  let halved = Number.POSITIVE_INFINITY;
  for (let i = 0; i < samples * 4; i++) {
    full = Math.min(
      full,
      fastestMs(() => run(text), 1),
    );
    halved = Math.min(
      halved,
      fastestMs(() => run(half), 1),
    );
  }
  const growth = ratio(full, halved);
  const baselineMsPer10KB = per10KB(
    fastestMs(() => escapeXml(text), samples * 10),
    text,
  );
  const result: MarkdownWorstResult = {
    cases: screened.length,
    input,
    transform,
    bytes: Buffer.byteLength(text, 'utf8'),
    msPer10KB,
    baselineMsPer10KB,
    ratio: ratio(msPer10KB, baselineMsPer10KB),
    growth,
  };
  progress(
    `markdown worst case: ${result.transform} on "${result.input}", ${result.msPer10KB.toFixed(2)} ms per 10 KB ` +
      `(escapeXml ${result.baselineMsPer10KB.toFixed(3)} ms; 10 → 20 KB ×${result.growth.toFixed(2)})`,
  );
  return result;
}
