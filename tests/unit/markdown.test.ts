/**
 * The Markdown of observations as feeds and pages show it (shared/render/markdown.ts): the
 * subset it renders, what it leaves as text, and that nothing an official types becomes markup
 * other than what the renderer writes. The expected HTML is what marked (the library it
 * replaced) gave for the same input, except where a case says otherwise.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markdownToHtml, markdownToText } from '#shared/render/markdown';
import { expectSafeHtml } from '#tests/support/feed-checks';

const REL = 'rel="nofollow noopener"';

describe('Markdown rendered for feeds and pages', () => {
  it.each([
    [
      'paragraphs and soft line breaks',
      'Primera línia\nsegona línia\n\nAltre paràgraf',
      '<p>Primera línia\nsegona línia</p>\n<p>Altre paràgraf</p>',
    ],
    ['hard line breaks', 'a  \nb\\\nc', '<p>a<br>b<br>c</p>'],
    [
      'emphasis, strong, strikethrough',
      '*a* **b** _c_ __d__ ~~e~~ ***f***',
      '<p><em>a</em> <strong>b</strong> <em>c</em> <strong>d</strong> <del>e</del> <em><strong>f</strong></em></p>',
    ],
    ['no emphasis inside words with _', 'snake_case_name i 2*3*4', '<p>snake_case_name i 2<em>3</em>4</p>'],
    ['code spans, escaped', '`a & <b>` i `` x ` y ``', '<p><code>a &amp; &lt;b&gt;</code> i <code>x ` y</code></p>'],
    ['backslash escapes', '\\*no\\* \\_no\\_ \\# \\[x\\]', '<p>*no* _no_ # [x]</p>'],
    ['entities kept, bare & escaped', 'x &amp; y &eacute; & z', '<p>x &amp; y &eacute; &amp; z</p>'],
    ['quotes escaped', `l'acta "final"`, '<p>l&#39;acta &quot;final&quot;</p>'],
    ['ATX headings', '# Títol #\n## Subtítol', '<h1>Títol</h1>\n<h2>Subtítol</h2>'],
    ['setext headings', 'Títol\n===\nSubtítol\n---', '<h1>Títol</h1>\n<h2>Subtítol</h2>'],
    ['a # without a space is text', '#hashtag', '<p>#hashtag</p>'],
    ['thematic break', 'a\n\n***\n\nb', '<p>a</p>\n<hr>\n<p>b</p>'],
    ['bullet list after a paragraph line', 'Fets:\n- a\n- b', '<p>Fets:</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>'],
    ['ordered list with its start', '3. a\n4. b', '<ol start="3">\n<li>a</li>\n<li>b</li>\n</ol>'],
    ['an ordered item not at 1 does not interrupt a paragraph', 'El dia\n2. de maig', '<p>El dia\n2. de maig</p>'],
    ['nested list', '- a\n  - b\n- c', '<ul>\n<li>a<ul>\n<li>b</li>\n</ul>\n</li>\n<li>c</li>\n</ul>'],
    ['loose list', '- a\n\n- b', '<ul>\n<li><p>a</p>\n</li>\n<li><p>b</p>\n</li>\n</ul>'],
    ['item with two paragraphs', '- a\n\n  b\n- c', '<ul>\n<li><p>a</p>\n<p>b</p>\n</li>\n<li><p>c</p>\n</li>\n</ul>'],
    ['a change of bullet starts a new list', '- a\n* b', '<ul>\n<li>a</li>\n</ul>\n<ul>\n<li>b</li>\n</ul>'],
    [
      'task list',
      '- [ ] pendent\n- [x] fet',
      '<ul>\n<li><input disabled="" type="checkbox"> pendent</li>\n<li><input checked="" disabled="" type="checkbox"> fet</li>\n</ul>',
    ],
    ['block quote with a lazy line', '> citació\ncontinua\n\nfora', '<blockquote>\n<p>citació\ncontinua</p>\n</blockquote>\n<p>fora</p>'],
    ['fenced code with a language', '```js\nif (a < b) x();\n```', '<pre><code class="language-js">if (a &lt; b) x();\n</code></pre>'],
    ['indented code', '    codi <b>', '<pre><code>codi &lt;b&gt;\n</code></pre>'],
    [
      'table with alignment',
      '| a | b | c |\n|:-|:-:|-:|\n| 1 | 2 | x \\| y |',
      '<table>\n<thead>\n<tr>\n<th align="left">a</th>\n<th align="center">b</th>\n<th align="right">c</th>\n</tr>\n</thead>\n' +
        '<tbody><tr>\n<td align="left">1</td>\n<td align="center">2</td>\n<td align="right">x | y</td>\n</tr>\n</tbody></table>',
    ],
    [
      'link with a title',
      '[acta](https://example.org/a?x=1&y=2 "Acta \\"final\\"")',
      `<p><a href="https://example.org/a?x=1&amp;y=2" title="Acta &quot;final&quot;" ${REL}>acta</a></p>`,
    ],
    [
      'link text with inline markup',
      "[l'*acta* `v2`](https://x.org)",
      `<p><a href="https://x.org" ${REL}>l&#39;<em>acta</em> <code>v2</code></a></p>`,
    ],
    [
      'link destination in pointy brackets and with parentheses',
      '[a](<https://x.org/a b>) [b](https://x.org/(c))',
      `<p><a href="https://x.org/a b" ${REL}>a</a> <a href="https://x.org/(c)" ${REL}>b</a></p>`,
    ],
    ['strong around a link', '**[acta](https://x.org)**', `<p><strong><a href="https://x.org" ${REL}>acta</a></strong></p>`],
    [
      'autolinks',
      '<https://x.org> <info@x.org>',
      `<p><a href="https://x.org" ${REL}>https://x.org</a> <a href="mailto:info@x.org" ${REL}>info@x.org</a></p>`,
    ],
    [
      'bare URLs without the punctuation that ends the sentence',
      'Vegeu https://x.org/a_(b). I www.x.cat, (https://y.org).',
      `<p>Vegeu <a href="https://x.org/a_(b)" ${REL}>https://x.org/a_(b)</a>. I <a href="http://www.x.cat" ${REL}>www.x.cat</a>, (<a href="https://y.org" ${REL}>https://y.org</a>).</p>`,
    ],
    ['bare URL in bold', '**https://x.org/a**', `<p><strong><a href="https://x.org/a" ${REL}>https://x.org/a</a></strong></p>`],
    [
      'bare e-mail addresses',
      'Correu: info@terrassa.cat.',
      `<p>Correu: <a href="mailto:info@terrassa.cat" ${REL}>info@terrassa.cat</a>.</p>`,
    ],
    ['Windows line endings', 'a\r\n\r\nb', '<p>a</p>\n<p>b</p>'],
  ])('%s', (_name, markdown, html) => {
    expect(markdownToHtml(markdown)).toBe(html);
  });

  it('leaves reference-style links and their definitions as the text they are', () => {
    expect(markdownToHtml('Vegeu [l’acta][1].\n\n[1]: https://x.org')).toBe(
      '<p>Vegeu [l’acta][1].</p>\n<p>[1]: <a href="https://x.org" rel="nofollow noopener">https://x.org</a></p>',
    );
  });

  it('renders nothing for empty or blank text', () => {
    expect(markdownToHtml('')).toBe('');
    expect(markdownToHtml(' \n\t\n')).toBe('');
  });
});

describe('what an official types never becomes markup', () => {
  it('shows raw HTML as text, in a paragraph (marked left an HTML block outside any)', () => {
    expect(markdownToHtml('<script>alert("x")</script> <img src=x onerror="alert(1)">')).toBe(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>',
    );
    expect(markdownToHtml('text <b onclick=x>bold</b>')).toBe('<p>text &lt;b onclick=x&gt;bold&lt;/b&gt;</p>');
    expect(markdownToHtml('<div>\nbloc\n</div>')).toBe('<p>&lt;div&gt;\nbloc\n&lt;/div&gt;</p>');
  });

  it('links only to http(s) and mailto: any other scheme leaves the link text', () => {
    for (const href of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'data:text/html,<script>x</script>',
      'vbscript:x',
      'file:///etc/passwd',
      '/relative',
      '#top',
      '',
    ]) {
      expect(markdownToHtml(`[enllaç](${href})`), href).toBe('<p>enllaç</p>');
    }
    expect(markdownToHtml('<javascript:alert(1)>')).toBe('<p>javascript:alert(1)</p>');
    expect(markdownToHtml('[a](&#106;avascript:alert(1))')).toBe('<p>a</p>');
  });

  it('turns images into links to them (readers fetch nothing), or into their alt text', () => {
    expect(markdownToHtml('![plànol](https://x.org/p.png)')).toBe(`<p><a href="https://x.org/p.png" ${REL}>plànol</a></p>`);
    expect(markdownToHtml('![](https://x.org/p.png)')).toBe(`<p><a href="https://x.org/p.png" ${REL}>https://x.org/p.png</a></p>`);
    expect(markdownToHtml('![plànol](javascript:alert(1))')).toBe('<p>plànol</p>');
    expect(markdownToHtml('![<img src=x onerror=y>](https://x.org/p.png)')).toBe(
      `<p><a href="https://x.org/p.png" ${REL}>&lt;img src=x onerror=y&gt;</a></p>`,
    );
  });

  it('keeps every URL and title inside its attribute', () => {
    const html = markdownToHtml('[a](https://x.org/"onmouseover="alert(1) "t\\" onclick=\\"x") https://x.org/"><script>');
    // Each tag has exactly the attributes the renderer writes; the quotes typed stay inside them.
    expect(html.match(/<a [^>]*>/g)).toEqual([
      '<a href="https://x.org/&quot;onmouseover=&quot;alert(1)" title="t&quot; onclick=&quot;x" rel="nofollow noopener">',
      '<a href="https://x.org/&quot;&gt;" rel="nofollow noopener">',
    ]);
    expect(html).toContain('href="https://x.org/&quot;onmouseover=&quot;alert(1)"');
    expect(html).toContain('title="t&quot; onclick=&quot;x"');
    expect(html).not.toContain('<script');
  });

  it('gives safe HTML for any text built from Markdown syntax, HTML and URLs', () => {
    const piece = fc.constantFrom(
      ...[
        'a',
        'é',
        '🎉',
        ' ',
        '  ',
        '\n',
        '\n\n',
        '\t',
        '*',
        '**',
        '_',
        '~~',
        '`',
        '```',
        '[',
        ']',
        '(',
        ')',
        '![',
        '<',
        '>',
        '&',
        '"',
        "'",
        '\\',
      ],
      ...['# ', '- ', '1. ', '> ', '    ', '|', '---', '[ ] ', '<script>', '<img src=x onerror=alert(1)>', 'javascript:alert(1)'],
      ...[
        'https://x.org/p',
        'www.x.org',
        'u@x.org',
        '[t](https://x.org)',
        '[t](javascript:x)',
        '![i](https://x.org/i.png)',
        '<https://x.org>',
      ],
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const html = markdownToHtml(pieces.join(''));
        expectSafeHtml(html);
        for (const a of html.match(/<a [^>]*>/g) ?? []) expect(a).toContain(REL);
        expect(html).not.toMatch(/<img|<script|<iframe|<style/i);
      }),
      { numRuns: 2000 },
    );
  });

  // No clock here (the suite has no timed assertions): a renderer that backtracked
  // catastrophically on these would not finish within the test's timeout, and fail on that.
  it('renders hostile texts at the length limit without running out of stack', () => {
    const limit = 20_000;
    const hostile = [
      '> '.repeat(limit / 2),
      `${'- '.repeat(limit / 2)}a`,
      `${'1. '.repeat(limit / 3)}a`,
      '['.repeat(limit),
      '[a]('.repeat(limit / 4),
      '![a]('.repeat(limit / 5),
      '[a](x "'.repeat(limit / 7),
      '_a'.repeat(limit / 2),
      '*a **b '.repeat(limit / 7),
      '`a``b'.repeat(limit / 5),
      'a.'.repeat(limit / 2) + '@',
      'a_'.repeat(limit / 2) + '@x',
      '<http://'.repeat(limit / 8),
    ];
    for (const text of hostile) expectSafeHtml(markdownToHtml(text));
  });
});

describe('Markdown as plain text (CSV)', () => {
  it('drops emphasis and link syntax, keeps list markers and URLs', () => {
    expect(markdownToText('# Títol\n\n**Fet** a [l’acta](https://x.org/a).\n* punt\n![plànol](https://x.org/p.png)')).toBe(
      'Títol\n\nFet a l’acta (https://x.org/a).\n- punt\nplànol (https://x.org/p.png)',
    );
  });
});
