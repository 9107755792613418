/**
 * Reading a city's spreadsheet as it is (issue #16): --map and --default, HTML cells made
 * Markdown or plain text, XLSX workbooks read as the sheet shows them, Decidim's results export
 * recognised, and every mistake a usage error naming the thing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import writeXlsxFile from 'write-excel-file/node';
import { DEFAULT_STATUSES } from '#shared/domain/vocabulary';
import { markdownToHtml, markdownToText } from '#shared/render/markdown';
import { expectSafeHtml } from '#tests/support/feed-checks';
import { TransformGuard } from '#tests/support/hang-guard';
import { toDefinitions } from '../../cli/import/definitions.ts';
import { htmlToMarkdown, htmlToText, looksLikeHtml } from '../../cli/import/html.ts';
import { parseInlinePairs } from '../../cli/import/mapping.ts';
import { readSource } from '../../cli/import/sources.ts';
import { CliError } from '../../cli/output.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/import');
const ACCIONS = join(FIXTURES, 'accions.csv');
const DECIDIM = join(FIXTURES, 'decidim-results.csv');
const MAP = ['commitment_number=ID,area=Districte,priority_title=Categoria,commitment_title=Títol', 'observations=Descripció,links=URL'];
/** Any tag of the HTML vocabulary, opening or closing. */
const TAG = /<\/?(?:div|p|span|b|strong|i|em|ul|ol|li|a|br|h\d|script|img|table|tr|td)\b/i;

const guard = new TransformGuard(10_000);
afterAll(() => guard.close());

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mandat-sources-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function usageError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).exitCode).toBe(2);
  return (error as CliError).message;
}

describe('HTML cells', () => {
  it('are HTML only with a known tag, so "a < b" stays text', () => {
    expect(looksLikeHtml('<div>x</div>')).toBe(true);
    expect(looksLikeHtml('línia<br>dos')).toBe(true);
    expect(looksLikeHtml('a < b i c > d')).toBe(false);
    expect(looksLikeHtml('<3 <x> <3')).toBe(false);
    expect(htmlToMarkdown('a < b & c')).toBe('a < b & c');
  });

  it('become Markdown with paragraphs, lists and links, entities decoded, and render as such', () => {
    const markdown = htmlToMarkdown(
      '<div>Revisió del pla d&#39;habitatge &amp; <b>cens</b></div><p>Vegeu <a href="https://example.org/bases.pdf">les bases</a></p><ul><li>Fase&nbsp;1</li><li>Fase 2</li></ul><ol><li>u</li></ol>',
    );
    expect(markdown).toBe(
      "Revisió del pla d'habitatge & **cens**\n\nVegeu [les bases](https://example.org/bases.pdf)\n\n- Fase 1\n- Fase 2\n1. u",
    );
    const html = markdownToHtml(markdown);
    expect(html).toContain('<p>Revisió del pla d&#39;habitatge &amp; <strong>cens</strong></p>');
    expect(html).toContain('<a href="https://example.org/bases.pdf" rel="nofollow noopener">les bases</a>');
    expect(html).toMatch(/<ul>\n<li>Fase 1<\/li>\n<li>Fase 2<\/li>\n<\/ul>\n<ol>\n<li>u<\/li>\n<\/ol>/);
    expect(markdownToText(markdown)).toBe(
      "Revisió del pla d'habitatge & cens\n\nVegeu les bases (https://example.org/bases.pdf)\n\n- Fase 1\n- Fase 2\n1. u",
    );
  });

  it('drop scripts, styles and images, and leave no tag even when the export escaped them', () => {
    expect(htmlToMarkdown('<p>ok</p><script>alert(1)</script><style>p{}</style><img src="https://t.example/x.png" alt="">')).toBe('ok');
    expect(htmlToMarkdown('&lt;div&gt;Escapat &amp;amp; tot&lt;/div&gt;')).toBe('Escapat & tot');
    expect(htmlToMarkdown('<p>&lt;p&gt;dues vegades&lt;/p&gt;</p>')).toBe('dues vegades');
    expect(htmlToMarkdown('<p>text *amb* _marques_ [x](y)</p>')).toBe('text \\*amb\\* \\_marques\\_ \\[x\\](y)');
    expect(markdownToText(htmlToMarkdown('<p>text *amb* _marques_ [x](y)</p>'))).toBe('text *amb* _marques_ [x](y)');
  });

  it('keep a link whose text is its address as a link', () => {
    const markdown = htmlToMarkdown('<p>Vegeu <a href="https://x.org/a">https://x.org/a</a> ara</p>');
    expect(markdown).toBe('Vegeu <https://x.org/a> ara');
    expect(markdownToHtml(markdown)).toBe('<p>Vegeu <a href="https://x.org/a" rel="nofollow noopener">https://x.org/a</a> ara</p>');
    const hostile = htmlToMarkdown('<p>&lt;javascript:alert(1)&gt; &lt;b&gt;</p>');
    expect(hostile).toBe('<javascript:alert(1)>');
    expect(markdownToHtml(hostile)).toBe('<p>javascript:alert(1)</p>');
  });

  it('titles become one line of plain text', () => {
    expect(htmlToText('<span style="color:red">Plantar</span> <b>500</b>&nbsp;arbres<br>al barri')).toBe('Plantar 500 arbres al barri');
    expect(htmlToText('Títol sense HTML: a < b')).toBe('Títol sense HTML: a < b');
  });

  it('no tag survives and the text does, for any nesting of tags (fast-check, hang guard)', async () => {
    const word = fc.stringMatching(/^[A-Za-zÀ-ÿ0-9]{1,12}$/);
    const glue = fc.constantFrom(' ', ', ', '. ', ' & ', ' &amp; ', ' < ', ' > ', ' 🎉 ', ' — ', '\n', ' &nbsp;');
    const text = fc.array(fc.tuple(word, glue), { minLength: 1, maxLength: 6 });
    type Tree = { html: string; words: string[] };
    const textNode = text.map((parts): Tree => ({ html: parts.map(([w, g]) => w + g).join(''), words: parts.map(([w]) => w) }));
    const tags = ['div', 'p', 'span', 'b', 'strong', 'i', 'em', 'u', 'font', 'section', 'blockquote', 'h2', 'h3', 'small', 'sup'];
    const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        textNode,
        fc
          .tuple(fc.constantFrom(...tags), fc.array(tie('tree'), { minLength: 1, maxLength: 4 }), fc.boolean())
          .map(([tag, children, attr]) => ({
            html: `<${tag}${attr ? ' class="x" style="color:red"' : ''}>${children.map((c) => c.html).join('')}</${tag}>`,
            words: children.flatMap((c) => c.words),
          })),
        fc.tuple(fc.constantFrom('ul', 'ol'), fc.array(tie('tree'), { minLength: 1, maxLength: 3 })).map(([list, items]) => ({
          html: `<${list}>${items.map((c) => `<li>${c.html}</li>`).join('')}</${list}>`,
          words: items.flatMap((c) => c.words),
        })),
        fc.tuple(tie('tree'), fc.webUrl()).map(([inner, url]) => ({ html: `<a href="${url}">${inner.html}</a>`, words: inner.words })),
        fc.tuple(tie('tree'), tie('tree')).map(([a, b]) => ({ html: `${a.html}<br>${b.html}`, words: [...a.words, ...b.words] })),
      ),
    }));
    const html = tree.filter((t) => looksLikeHtml(t.html));
    await fc.assert(
      fc.asyncProperty(html, async ({ html: input, words }) => {
        const out = await guard.run(input);
        const markdown = out.htmlToMarkdown;
        expect(markdown).not.toMatch(TAG);
        expect(out.htmlToText).not.toMatch(TAG);
        const rendered = markdownToHtml(markdown);
        expectSafeHtml(rendered);
        const plain = markdownToText(markdown);
        expect(plain).not.toMatch(TAG);
        for (const w of words) {
          expect(plain).toContain(w);
          expect(out.htmlToText).toContain(w);
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});

describe('--map and --default', () => {
  it('reads a city sheet with its own headers through --map, with defaults in empty cells', async () => {
    const read = await readSource(ACCIONS, { map: MAP, defaults: ['area=Ciutat'] });
    expect(read.recognisedAs).toBe('map');
    expect(read.mapping).toEqual({
      commitment_number: 'ID',
      area: 'Districte',
      priority_title: 'Categoria',
      commitment_title: 'Títol',
      observations: 'Descripció',
      links: 'URL',
    });
    expect(read.unknownHeaders).toEqual(['Subcategoria', 'Propostes', 'Suports', 'Comentaris', 'Participants', 'Intervencions']);
    expect(read.rows.map((r) => [r.line, r.cells.priorityNumber, r.cells.priorityTitle, r.cells.area])).toEqual([
      [2, '1', 'Habitatge', 'Districte 1'],
      [3, '1', 'Habitatge', 'Ciutat'],
      [4, '2', 'Mobilitat', 'Districte 3'],
      [5, '2', 'Mobilitat', 'Ciutat'],
      [6, '3', 'Medi ambient', 'Districte 2'],
    ]);
    expect(read.rows[0]!.cells.commitmentTitle).toBe("Ampliar el parc d'habitatge públic");
    expect(read.rows[3]!.cells.observations).toBe('a < b i c > d: text sense HTML');
    for (const row of read.rows) for (const value of Object.values(row.cells)) expect(value).not.toMatch(TAG);
    const { definitions, rejected } = toDefinitions(read.rows, { planId: 'p', statuses: DEFAULT_STATUSES });
    expect(rejected).toEqual([]);
    expect(definitions.map((d) => d.commitmentId)).toEqual(['c101', 'c102', 'c103', 'c104', 'c105']);
  });

  it('takes a JSON mapping file, and column names with commas when quoted', async () => {
    const file = join(dir, 'comma.csv');
    writeFileSync(file, 'Títol;"Districte, barri";Eix\nUn;Nord;Verd\nDos;;Verd\n');
    writeFileSync(join(dir, 'map.json'), JSON.stringify({ commitment_title: 'Títol', area: 'Districte, barri', priority_title: 'Eix' }));
    const fromJson = await readSource(file, { map: [join(dir, 'map.json')], defaults: ['area=Ciutat'] });
    const inline = await readSource(file, {
      map: ['commitment_title=Títol,area="Districte, barri",priority_title=eix'],
      defaults: ['area=Ciutat'],
    });
    expect(inline.rows).toEqual(fromJson.rows);
    // No commitment number anywhere in the file: row order.
    expect(inline.rows.map((r) => [r.cells.commitmentNumber, r.cells.area, r.cells.priorityNumber])).toEqual([
      ['1', 'Nord', '1'],
      ['2', 'Ciutat', '1'],
    ]);
    expect(parseInlinePairs('a="x ""q"", y",b=z', '--map')).toEqual([
      ['a', 'x "q", y'],
      ['b', 'z'],
    ]);
  });

  it('numbers priorities by first appearance after the numbers given, and commitments by an integer id', async () => {
    const file = join(dir, 'numbers.csv');
    writeFileSync(
      file,
      'Codi,Eix,Núm eix,Acció,Zona\n12,Verd,,Arbres,N\n7,Mobilitat,4,Bus,S\nA-3,Verd,,Horts,N\n9,Cultura,,Biblioteca,E\n13,Mobilitat,,Bici,S\n',
    );
    const read = await readSource(file, {
      map: ['commitment_id=Codi,priority_title=Eix,priority_number=Núm eix,commitment_title=Acció,area=Zona'],
    });
    expect(read.rows.map((r) => [r.cells.commitmentId, r.cells.commitmentNumber, r.cells.priorityTitle, r.cells.priorityNumber])).toEqual([
      ['12', '12', 'Verd', '5'],
      ['7', '7', 'Mobilitat', '4'],
      ['A-3', '3', 'Verd', '5'],
      ['9', '9', 'Cultura', '6'],
      ['13', '13', 'Mobilitat', '4'],
    ]);
    const { definitions, rejected } = toDefinitions(read.rows, { planId: 'p', statuses: DEFAULT_STATUSES });
    expect(rejected).toEqual([{ line: 4, reason: 'commitment id "A-3" must be a slug (lowercase letters, digits, hyphens)' }]);
    expect(definitions.map((d) => d.commitmentId)).toEqual(['12', '7', '9', '13']);
  });

  it('refuses unknown fields, missing or duplicated columns and bad defaults, naming them', async () => {
    expect(await usageError(readSource(ACCIONS, { map: ['titol=Títol'] }))).toMatch(
      /--map: unknown field "titol"; the fields are priority_number/,
    );
    expect(await usageError(readSource(ACCIONS, { map: ['commitment_title=Title'] }))).toMatch(
      /accions\.csv has no column "Title"; its columns are "ID", "Districte", .*"URL"/,
    );
    expect(await usageError(readSource(ACCIONS, { map: [join(dir, 'missing.json')] }))).toMatch(
      /--map .*missing\.json: cannot read it as JSON/,
    );
    expect(await usageError(readSource(ACCIONS, { defaults: ['area'] }))).toMatch(/--default "area" is not field=value/);
    expect(await usageError(readSource(ACCIONS, { defaults: ['zone=Nord'] }))).toMatch(/--default: unknown field "zone"/);
    expect(await usageError(readSource(ACCIONS, { defaults: ['progress=molt'] }))).toMatch(/--default progress must be a whole number/);
    const twice = join(dir, 'twice.csv');
    writeFileSync(twice, '\ufeffTítol;Àrea;Títol\na;b;c\n');
    expect(await usageError(readSource(twice, { map: ['commitment_title=Títol,area=Àrea'] }))).toMatch(
      /2 columns named "Títol" \(columns 1, 3\)/,
    );
  });
});

describe('XLSX', () => {
  const header = ['ID', 'Districte', 'Categoria', 'Títol', 'Descripció', 'Data', 'Progrés', 'URL'].map((value) => ({ value }));
  async function workbook(file: string) {
    const rows = [
      header,
      [
        { value: 7 },
        { value: 'Nord' },
        { value: 'Habitatge' },
        { value: '<b>Pisos</b> buits' },
        { value: '<div>Primer</div><ul><li>u</li></ul>' },
        { value: new Date(Date.UTC(2024, 2, 5)), format: 'dd/mm/yyyy' },
        { value: 40 },
        { value: 'https://example.org/7' },
      ],
      [],
      [{ value: 8 }, null, { value: 'Habitatge' }, { value: 'Ajuts' }, null, null, { value: 3.5 }, null],
    ];
    const other = [
      [{ value: 'Títol' }, { value: 'Àrea' }],
      [{ value: 'Full dos' }, { value: 'Sud' }],
    ];
    writeFileSync(
      file,
      await writeXlsxFile([
        { data: rows, sheet: 'Accions' },
        { data: other, sheet: 'Altres' },
      ]).toBuffer(),
    );
  }

  it('reads the first sheet by sheet row number, numbers and dates as shown, whatever the file is called', async () => {
    const file = join(dir, 'accions.data');
    await workbook(file);
    const read = await readSource(file, { map: [...MAP, 'progress=Progrés'], defaults: ['area=Ciutat'] });
    expect(read.format).toBe('xlsx');
    expect(read.unit).toBe('row');
    expect(read.rows.map((r) => r.line)).toEqual([2, 4]);
    expect(read.rows[0]!.cells).toMatchObject({
      commitmentNumber: '7',
      commitmentTitle: 'Pisos buits',
      observations: 'Primer\n\n- u',
      progress: '40',
      area: 'Nord',
      links: 'https://example.org/7',
    });
    expect(read.rows[1]!.cells).toMatchObject({ commitmentNumber: '8', area: 'Ciutat', progress: '3.5' });
    const dated = await readSource(file, { map: ['commitment_title=Títol,area=Districte,observations=Data'] });
    expect(dated.rows[0]!.cells.observations).toBe('2024-03-05');
  });

  it('reads a named sheet, and names the sheets when one is not there', async () => {
    const file = join(dir, 'two.xlsx');
    await workbook(file);
    const read = await readSource(file, { sheet: 'Altres' });
    expect(read.rows).toEqual([{ line: 2, cells: { commitmentTitle: 'Full dos', area: 'Sud', commitmentNumber: '1' } }]);
    expect(await usageError(readSource(file, { sheet: 'Cap' }))).toMatch(
      /two\.xlsx: Sheet not found: Cap\. Available sheets: Accions, Altres/,
    );
  });

  it('refuses a .xlsx that is not one, naming the file', async () => {
    const fake = join(dir, 'fake.xlsx');
    writeFileSync(fake, 'ID;Títol\n1;x\n');
    expect(await usageError(readSource(fake))).toMatch(/fake\.xlsx is not an XLSX workbook \(not a zip file\)/);
    const broken = join(dir, 'broken.xlsx');
    writeFileSync(broken, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 7)]));
    expect(await usageError(readSource(broken))).toMatch(/broken\.xlsx is not a readable XLSX workbook/);
    expect(await usageError(readSource(ACCIONS, { sheet: 'Full1' }))).toMatch(/--sheet is for XLSX workbooks/);
  });
});

describe('Decidim accountability results', () => {
  it('are recognised: titles by language, parents as priorities, ids as numbers, statuses from progress', async () => {
    const read = await readSource(DECIDIM, { defaults: ['area=Ajuntament'] });
    expect(read.recognisedAs).toBe('decidim');
    expect(read.mapping).toMatchObject({
      commitment_title: 'title/ca | title/es | title/en',
      commitment_number: 'id',
      progress: 'progress',
    });
    expect(read.notes).toEqual(['2 result(s) that others name as their parent read as priorities, not commitments']);
    const { definitions, rejected } = toDefinitions(read.rows, { planId: 'p', statuses: DEFAULT_STATUSES, statusFromProgress: true });
    expect(rejected).toEqual([]);
    expect(
      definitions.map(({ commitmentId, definition: d }) => [
        commitmentId,
        d.priority.number,
        d.priority.title,
        d.title,
        d.status,
        d.progress,
      ]),
    ).toEqual([
      ['c11', 1, 'Eix 1: Ciutat verda', 'Renaturalitzar els patis escolars', 'on_track', 46],
      ['c12', 1, 'Eix 1: Ciutat verda', 'Huertos urbanos en cada barrio', 'on_track', 100],
      ['c21', 2, 'Eix 2: Ciutat oberta', 'Portal de dades obertes', 'pending', 0],
    ]);
    expect(definitions[0]!.definition.observations).toBe(
      'Obres a **12 escoles**.\n\n- Fase 1 feta\n\nInici: 2024-01-15 · Final: 2025-06-30',
    );
    const spanish = await readSource(DECIDIM, { defaults: ['area=Ajuntament'], language: 'es' });
    expect(spanish.rows[0]!.cells).toMatchObject({
      commitmentTitle: 'Renaturalizar los patios escolares',
      priorityTitle: 'Eje 1: Ciudad verde',
    });
    expect(spanish.rows[0]!.cells.observations).toMatch(/^Obras en \*\*12 escuelas\*\*\.\n\nInicio: 2024-01-15 · Fin: 2025-06-30$/);
  });
});

describe('adversarial sheets', () => {
  it('reads cells nested too deep to convert as flat text, in linear time (hang guard)', async () => {
    for (const [open, close] of [
      ['<div>', '</div>'],
      ['<ul><li>', '</li></ul>'],
      ['<b>', '</b>'],
      ['<blockquote>', '</blockquote>'],
      ['<p>', ''],
    ] as const) {
      const cell = `${open.repeat(20_000)}Revisió &amp; pla${close.repeat(20_000)}<p>després</p>`;
      const out = await guard.run(cell);
      expect(out.htmlToMarkdown, open).toBe('Revisió & pla\n\ndesprés');
      expect(out.htmlToText, open).toBe('Revisió & pla després');
    }
  }, 60_000);

  it('reads huge cells, odd Unicode, a BOM and ";" without losing rows', async () => {
    const file = join(dir, 'odd.csv');
    const huge = `<div>${'llarg '.repeat(30_000)}</div>`;
    const odd = 'Z\u0361\u035c a\u200b\u2028b \ud83c\udff3\ufe0f\u200d\ud83c\udf08 \u202eRLO';
    writeFileSync(file, `\ufeffTítol;Descripció;Zona\r\n"${odd}";"${huge}";Nord\r\nDos;"${'<p>'.repeat(5000)}x";Sud\r\n`);
    const read = await readSource(file, {
      map: ['commitment_title=Títol,observations=Descripció,area=Zona'],
      defaults: ['priority_title=Pla'],
    });
    expect(read.rows).toHaveLength(2);
    expect(read.rows[0]!.cells.commitmentTitle).toBe(odd);
    expect(read.rows[0]!.cells.observations!.length).toBeGreaterThan(170_000);
    expect(read.rows[1]!.cells.observations).toBe('x');
    const { rejected } = toDefinitions(read.rows, { planId: 'p', statuses: DEFAULT_STATUSES, unit: read.unit });
    expect(rejected).toEqual([{ line: 2, reason: expect.stringMatching(/^observations: /) }]);
  });
});
