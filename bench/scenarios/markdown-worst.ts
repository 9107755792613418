/**
 * 5b. The worst case of the Markdown transforms: every adversarial text of the test suite
 * (CommonMark's pathological inputs, the openers) at the observation limit, through
 * markdownToHtml and markdownToText; the slowest per 10 KB, against escapeXml of the same bytes
 * in the same run. The same input at half the length shows how the time grows (×2 is linear).
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
  let worst: Omit<MarkdownWorstResult, 'cases' | 'baselineMsPer10KB' | 'ratio' | 'growth'> & { text: string } = {
    input: '',
    transform: '',
    bytes: 0,
    msPer10KB: -1,
    text: '',
  };
  let cases = 0;
  for (const [input, make] of Object.entries(ADVERSARIAL_TEXTS)) {
    const text = make(LIMITS.observations);
    for (const [transform, run] of Object.entries(TRANSFORMS)) {
      run(text); // warm-up
      const ms = per10KB(
        fastestMs(() => run(text), samples),
        text,
      );
      cases++;
      if (ms > worst.msPer10KB) worst = { input, transform, bytes: Buffer.byteLength(text, 'utf8'), msPer10KB: ms, text };
    }
  }
  const run = TRANSFORMS[worst.transform as keyof typeof TRANSFORMS];
  const half = ADVERSARIAL_TEXTS[worst.input]!(LIMITS.observations / 2);
  const growth = ratio(
    fastestMs(() => run(worst.text), samples * 2),
    fastestMs(() => run(half), samples * 2),
  );
  const baselineMsPer10KB = per10KB(
    fastestMs(() => escapeXml(worst.text), samples * 10),
    worst.text,
  );
  const { text: _text, ...found } = worst;
  const result: MarkdownWorstResult = { cases, ...found, baselineMsPer10KB, ratio: ratio(worst.msPer10KB, baselineMsPer10KB), growth };
  progress(
    `markdown worst case: ${result.transform} on "${result.input}", ${result.msPer10KB.toFixed(2)} ms per 10 KB ` +
      `(escapeXml ${result.baselineMsPer10KB.toFixed(3)} ms; 10 → 20 KB ×${result.growth.toFixed(2)})`,
  );
  return result;
}
