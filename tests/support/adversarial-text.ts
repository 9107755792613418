/**
 * Texts built to make a text transform backtrack or rescan: CommonMark's "pathological" inputs
 * (cmark's test/pathological_tests.py), the issue's openers, and inputs aimed at the expressions
 * this project's renderers use. Each takes the length to reach, so the unit tests feed them at
 * the observation limit and the bench at two lengths to show how the time grows.
 */

/** `unit` repeated up to `length` characters (never more). */
export const repeatTo = (unit: string, length: number) => unit.repeat(Math.max(1, Math.floor(length / unit.length)));

/** `open` repeated, `middle`, then `close` repeated as often: nesting as deep as the length allows. */
const nested = (open: string, middle: string, close: string, length: number) => {
  const n = Math.max(1, Math.floor((length - middle.length) / (open.length + close.length)));
  return open.repeat(n) + middle + close.repeat(n);
};

export const ADVERSARIAL_TEXTS: Record<string, (length: number) => string> = {
  // The issue's report and its list of openers.
  'image openers ![a](': (n) => repeatTo('![a](', n),
  'link openers [a](': (n) => repeatTo('[a](', n),
  'brackets [': (n) => repeatTo('[', n),
  'images ![': (n) => repeatTo('![', n),
  'link tails ](': (n) => repeatTo('](', n),
  'asterisks *': (n) => repeatTo('*', n),
  'underscores _': (n) => repeatTo('_', n),
  'backticks `': (n) => repeatTo('`', n),
  'angle brackets <': (n) => repeatTo('<', n),
  'ampersands &': (n) => repeatTo('&', n),
  'long link chain': (n) => repeatTo('[a](https://x.org/a)', n),
  'long image chain': (n) => repeatTo('![a](https://x.org/a.png)', n),
  // cmark's pathological tests.
  'nested strong emphasis': (n) => nested('*a **a ', 'b', ' a** a*', n),
  'emphasis closers with no openers': (n) => repeatTo('a_ ', n),
  'emphasis openers with no closers': (n) => repeatTo('_a ', n),
  'link closers with no openers': (n) => repeatTo('a]', n),
  'link openers with no closers': (n) => repeatTo('[a', n),
  'mismatched openers and closers': (n) => repeatTo('*a_ ', n),
  'openers and closers multiple of 3': (n) => `a**b${repeatTo('c* ', n - 4)}`,
  'link openers and emphasis closers': (n) => repeatTo('[ a_', n),
  'pattern [ (]( repeated': (n) => repeatTo('[ (](', n),
  'pattern ![[]() repeated': (n) => repeatTo('![[]()', n),
  'nested brackets': (n) => nested('[', 'a', ']', n),
  'nested block quotes': (n) => `${repeatTo('> ', n - 1)}a`,
  'deeply nested lists': (n) => {
    let text = '';
    for (let depth = 0; text.length + 2 * depth + 4 < n; depth++) text += `${'  '.repeat(depth)}* a\n`;
    return text;
  },
  'backticks of growing length': (n) => {
    let text = '';
    for (let run = 1; text.length + run + 1 <= n; run++) text += `e${'`'.repeat(run)}`;
    return text;
  },
  'unclosed links <': (n) => repeatTo('[a](<b', n),
  'unclosed links': (n) => repeatTo('[a](b', n),
  'unclosed link titles': (n) => repeatTo('[a](x "', n),
  'table rows': (n) => `a|b\n-|-\n${repeatTo('a|b\n', n - 8)}`,
  'table delimiter spaces': (n) => `a|b\n-${' '.repeat(n - 6)}x`,
  'entity runs': (n) => repeatTo('&#', n),
  'entity-like runs': (n) => repeatTo('&aaaaaaaa', n),
  // Aimed at this project's expressions.
  'email local parts': (n) => `${repeatTo('a.', n - 1)}@`,
  'email with underscores': (n) => `${repeatTo('a_', n - 2)}@x`,
  'bare URL prefixes': (n) => repeatTo('https://', n),
  'bare URL trailing punctuation': (n) => `https://x.org/${repeatTo('.)', n - 14)}`,
  'bare URL entities': (n) => `https://x.org/${repeatTo('&a;', n - 14)}`,
  'bare URL unclosed parentheses': (n) => `https://x.org/${repeatTo('(', n - 14)}`,
  'autolink openers <http://': (n) => repeatTo('<http://', n),
  'hard breaks': (n) => repeatTo('a  \n', n),
  'soft breaks': (n) => repeatTo('a\n', n),
  'spaces before a line break': (n) => `a${' '.repeat(n - 3)}\nb`,
  'heading closing sequence': (n) => `# a${' #'.repeat(Math.floor((n - 4) / 2))}x`,
  'list item spaces': (n) => `-${' '.repeat(n - 2)}\u2028`,
  'fence runs': (n) => `${'`'.repeat(n - 2)}\u2028x`,
  'blank lines before a bullet': (n) => `${repeatTo('\n', n - 3)}* a`,
  'whitespace runs': (n) => `${' '.repeat(n - 1)}x`,
  'hyphen runs': (n) => `a${'-'.repeat(n - 2)}b`,
  slashes: (n) => `${'/'.repeat(n - 1)}x`,
  'formula openers': (n) => repeatTo('=+-@', n),
  'link separators ||': (n) => `a${' '.repeat(n - 4)}||`,
  'scheme-like runs': (n) => repeatTo('a1', n),
};
