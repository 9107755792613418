/**
 * Every transform of user-written text (Markdown → HTML and → text, XML escaping, slugs, CSV
 * neutralising, import parsing) on adversarial inputs up to the observation limit, under a hang
 * guard: the transforms run in a worker thread that is stopped, failing the test, when a text
 * takes longer than GUARD_MS. No timed assertion: linear code takes a few milliseconds per text
 * here, so the guard only trips on super-linear work (the markdownToText of before took 161 s on
 * 12,000 characters).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '#shared/domain/model';
import { ADVERSARIAL_TEXTS, repeatTo } from '#tests/support/adversarial-text';
import { expectSafeHtml } from '#tests/support/feed-checks';
import { TransformGuard } from '#tests/support/hang-guard';
import type { TransformOutputs } from '#tests/support/transform-worker';

const LIMIT = LIMITS.observations;
const GUARD_MS = 10_000;
const guard = new TransformGuard(GUARD_MS);

beforeAll(() => guard.run('warm-up', 60_000), 90_000);
afterAll(() => guard.close());

/** What a reader would notice if a transform went wrong on the text, besides it taking forever. */
function expectSound(text: string, out: TransformOutputs): void {
  expectSafeHtml(out.markdownToHtml);
  expect(out.markdownToText.length).toBeLessThanOrEqual(text.length + 2);
  expect(out.escapeXml).not.toMatch(/[<>"']|&(?!(amp|lt|gt|quot|apos);)/);
  expect(out.cdata.slice('<![CDATA['.length, -']]>'.length)).not.toContain(']]>');
  expect(out.slugify).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/);
  expect(out.neutraliseCell).not.toMatch(/^[=+\-@\t\r]/);
  expect(out.toCsv.startsWith('observations\r\n')).toBe(true);
  expect(Array.isArray(JSON.parse(out.parseLinks))).toBe(true);
  expect(JSON.parse(out.readCsv)).toHaveLength(1);
}

describe('text transforms stay linear on hostile text at the length limit', () => {
  it.each(Object.entries(ADVERSARIAL_TEXTS))('%s', async (_name, make) => {
    const text = make(LIMIT);
    expect(text.length).toBeLessThanOrEqual(LIMIT);
    expectSound(text, await guard.run(text));
  });

  it('handle any syntax repeated or nested up to the limit', async () => {
    const piece = fc.constantFrom(
      ...['[', ']', '(', ')', '![', '](', '*', '**', '_', '__', '~', '~~', '`', '``', '<', '>', '&', '&#', ';', '"', "'", '\\'],
      ...[' ', '  ', '\t', '\n', '\n\n', '\u2028', 'a', 'é', '🎉', '#', '# ', '- ', '1. ', '> ', '|', '-|-', ':', '/', '.', '@', '='],
      ...['https://', 'www.', 'x.org', 'u@x.org', '<http://', 'javascript:', '[a](', '![a](', '[a](x "', '[a](<', '||', '&amp;'],
    );
    const syntax = (max: number) => fc.array(piece, { minLength: 1, maxLength: max }).map((pieces) => pieces.join(''));
    const length = fc.integer({ min: 1, max: LIMIT });
    const text = fc.oneof(
      fc.tuple(syntax(6), length).map(([unit, n]) => repeatTo(unit, n)),
      fc.tuple(syntax(3), fc.option(syntax(3), { nil: '' }), syntax(3), length).map(([open, middle, close, n]) => {
        const depth = Math.max(1, Math.floor((n - middle.length) / (open.length + close.length)));
        return (open.repeat(depth) + middle + close.repeat(depth)).slice(0, LIMIT);
      }),
    );
    await fc.assert(
      fc.asyncProperty(text, async (input) => expectSound(input, await guard.run(input))),
      { numRuns: 60 },
    );
  }, 300_000);
});
