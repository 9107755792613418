import { markdownToHtml, markdownToText } from '#shared/render/markdown';

const L = Number(process.argv[2] ?? 2000);
const gens: Record<string, (n: number) => string> = {
  'img(': (n) => '![a]('.repeat(n / 5),
  'link(': (n) => '[a]('.repeat(n / 4),
  '[': (n) => '['.repeat(n),
  '](': (n) => ']('.repeat(n / 2),
  '*': (n) => '*'.repeat(n),
  _: (n) => '_'.repeat(n),
  '`': (n) => '`'.repeat(n),
  '<': (n) => '<'.repeat(n),
  '&': (n) => '&'.repeat(n),
  '*a': (n) => '*a'.repeat(n / 2),
  '**a': (n) => '**a'.repeat(n / 3),
  '_a ': (n) => '_a '.repeat(n / 3),
  nestedEm: (n) => '*a '.repeat(n / 6) + 'b' + ' a*'.repeat(n / 6),
  nestedBr: (n) => '['.repeat(n / 2) + 'a' + ']'.repeat(n / 2),
  nestedBrLink: (n) => '['.repeat(n / 3) + 'a' + '](b)'.repeat(n / 12),
  chain: (n) => '[a](b)'.repeat(n / 6),
  chainImg: (n) => '![a](b)'.repeat(n / 7),
  '`a``': (n) => '`a``'.repeat(n / 4),
  ticks: (n) =>
    Array.from({ length: 200 }, (_, i) => '`'.repeat(i + 1) + 'a')
      .join('')
      .slice(0, n),
  '**_': (n) => '**_'.repeat(n / 3),
  entity: (n) => '&#'.repeat(n / 2),
  '&a': (n) => '&aaaaaaaaa'.repeat(n / 10),
  'a@': (n) => 'a.'.repeat(n / 2) + '@',
  url: (n) => 'https://'.repeat(n / 8),
  www: (n) => ' www.a'.repeat(n / 6),
  urlparen: (n) => 'http://a.b/' + '('.repeat(n),
  quote: (n) => '> '.repeat(n / 2),
  list: (n) => '- '.repeat(n / 2) + 'a',
  emLines: (n) => '*a\n'.repeat(n / 3),
  tableRow: (n) => '|a|\n|-|\n' + '|'.repeat(n),
  tables: (n) => 'a|b\n-|-\n'.repeat(n / 8),
  setext: (n) => 'a\n'.repeat(n / 2),
  hdr: (n) => '#'.repeat(n),
  atx: (n) => '# ' + ' '.repeat(n) + 'a',
  rule: (n) => '- '.repeat(n / 2) + 'x',
  title: (n) => '[a](x "'.repeat(n / 7),
  ptr: (n) => '[a](<'.repeat(n / 5),
  bsl: (n) => '\\'.repeat(n),
  fence: (n) => '```\n'.repeat(n / 4),
  pipes: (n) => 'a|'.repeat(n / 2) + '\n' + '-|'.repeat(n / 2),
  tildes: (n) => '~~a'.repeat(n / 3),
  spaces: (n) => 'a' + ' '.repeat(n) + '\nb',
  indent: (n) => ' '.repeat(n) + 'a',
};
for (const [name, g] of Object.entries(gens)) {
  const s = g(L);
  for (const [fname, f] of [
    ['html', markdownToHtml],
    ['text', markdownToText],
  ] as const) {
    const t0 = performance.now();
    f(s);
    const ms = performance.now() - t0;
    if (ms > Number(process.argv[4] ?? 20)) console.log(name, fname, s.length, ms.toFixed(1));
  }
}
console.log('done');
