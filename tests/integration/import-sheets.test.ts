/**
 * A real city's spreadsheet in, as it is (issue #16), through the real CLI against the signed
 * API and DynamoDB Local, then published to the S3 server: a sheet with its own headers and
 * HTML descriptions through --map/--default, the same rows as an XLSX workbook, and Decidim's
 * results export. Every published file (CSV, JSON, XLSX, feeds, pages) is free of the input's
 * tags and has its text intact.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import writeXlsxFile from 'write-excel-file/node';
import type { Commitment } from '#shared/domain/model';
import { publishPlan } from '#shared/publish/publish';
import { BASE_URL, createTestEnvironment, type TestEnvironment } from '#tests/support/environment';
import { expectSafeHtml } from '#tests/support/feed-checks';
import { type RunningApiServer, startApiServer } from '#tests/support/http-api-server';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../cli/bin.js');
const FIXTURES = join(import.meta.dirname, '../fixtures/import');
const MAP = [
  '--map',
  'commitment_number=ID,area=Districte,priority_title=Categoria,commitment_title=Títol',
  '--map',
  'observations=Descripció,links=URL',
];
const NEW_PLAN = (municipality: string) => ['--plan-title', `PAM ${municipality}`, '--municipality', municipality, '--period', '2023-2027'];

/** A tag of the input, or one escaped so that it would show as text. */
const INPUT_TAG = /<\/?(?:div|span|b|font|h3|script|img|style)\b|&(?:amp;)*lt;\/?(?:div|span|b|strong|p|ul|ol|li|a|h3|script|img|br)\b/i;
/** In a page, whose own markup has divs and spans: an input tag escaped to show as text, or one no page has. */
const PAGE_INPUT_TAG =
  /&(?:amp;)*lt;\/?(?:div|span|b|strong|p|ul|ol|li|a|h3|script|img|br)\b|<(?:b|font|img)\b|<script>alert|style="color:red"/i;
/** Any tag at all: what a CSV cell or a plain JSON string must not have. */
const ANY_TAG = /<\/?(?:div|span|b|strong|em|i|p|ul|ol|li|a|br|h\d|font|script|img|style)\b/i;

let env: TestEnvironment;
let server: RunningApiServer;
let dir: string;

beforeAll(async () => {
  env = await createTestEnvironment();
  const admin = await env.addKey('sheets-admin', 'admin', []);
  server = await startApiServer(env.api);
  dir = mkdtempSync(join(tmpdir(), 'mandat-sheets-'));
  writeFileSync(join(dir, 'sheets-admin.pem'), admin.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  await env.destroy();
});

const mandat = (args: string[]) =>
  run(process.execPath, [CLI, ...args, '--key', join(dir, 'sheets-admin.pem')], {
    env: { ...process.env, NO_COLOR: '1', MANDAT_API: server.url },
    maxBuffer: 10 * 1024 * 1024,
  }).then(
    (out) => ({ code: 0, ...out }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

/** The fixture's rows as a workbook: IDs as numbers, the rest as text, as a city's sheet has them. */
async function accionsXlsx(file: string) {
  const records = parseCsv(readFileSync(join(FIXTURES, 'accions.csv'), 'utf8'), { delimiter: ';' }) as string[][];
  const data = records.map((record, r) =>
    record.map((value, c) => (value === '' ? null : r > 0 && c === 0 ? { value: Number(value) } : { value })),
  );
  writeFileSync(file, await writeXlsxFile(data, { sheet: 'Pla d’acció' }).toBuffer());
}

/** Every string a published file holds, as its consumer reads it, with whether it is HTML. */
function stringsOf(key: string, body: Buffer): Array<{ text: string; html: boolean }> {
  const out: Array<{ text: string; html: boolean }> = [];
  const walk = (value: unknown, name = ''): void => {
    if (typeof value === 'string') out.push({ text: value, html: /html|description|content|summary/i.test(name) });
    else if (Array.isArray(value)) for (const v of value) walk(v, name);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k === '#text' ? name : k);
  };
  const xml = new XMLParser({ ignoreAttributes: false, processEntities: true, htmlEntities: true });
  if (key.endsWith('.csv')) walk(parseCsv(body.toString('utf8'), { relax_column_count: true }));
  else if (key.endsWith('.json') || key.endsWith('.jsonld')) walk(JSON.parse(body.toString('utf8')));
  else if (key.endsWith('.rss') || key.endsWith('.atom') || key.endsWith('.xml')) walk(xml.parse(body.toString('utf8')));
  else if (key.endsWith('.xlsx'))
    for (const [name, bytes] of Object.entries(unzipSync(body))) if (name.endsWith('.xml')) walk(xml.parse(strFromU8(bytes)));
  return out;
}

async function publishedFiles(planId: string): Promise<Map<string, Buffer>> {
  const result = await publishPlan(planId, { repository: env.repository, store: env.store, baseUrl: BASE_URL });
  expect(result?.planId).toBe(planId);
  const keys = await env.listObjects(`plans/${planId}/`);
  const files = new Map<string, Buffer>();
  for (const key of keys) {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const out = await env.s3.send(new GetObjectCommand({ Bucket: env.bucketName, Key: key }));
    files.set(key, Buffer.from(await out.Body!.transformToByteArray()));
  }
  return files;
}

/** No file has a tag of the input, in any form a reader would meet it. */
function expectNoInputTags(files: Map<string, Buffer>) {
  expect(files.size).toBeGreaterThan(10);
  for (const [key, body] of files) {
    if (key.endsWith('.html')) {
      expect(body.toString('utf8'), key).not.toMatch(PAGE_INPUT_TAG);
      continue;
    }
    for (const { text, html } of stringsOf(key, body)) {
      expect(text, key).not.toMatch(INPUT_TAG);
      if (html) expectSafeHtml(text);
      else if (!key.endsWith('.xlsx') || !text.startsWith('<')) expect(text, key).not.toMatch(ANY_TAG);
    }
  }
}

const structure = (commitments: Commitment[]) =>
  commitments.map(({ commitmentId, number, title, priority, area, areaSlug, status, observations, links, progress }) => ({
    commitmentId,
    number,
    title,
    priority,
    area,
    areaSlug,
    status,
    observations,
    links,
    progress,
  }));

describe('a city sheet with its own headers and HTML cells', () => {
  it('dry-runs: prints the mapping used and the first rows as they will be read, and writes nothing', async () => {
    const before = await env.tableSnapshot();
    const dry = await mandat([
      'import',
      join(FIXTURES, 'accions.csv'),
      '--plan',
      'vila-2023-2027',
      ...NEW_PLAN('Vila'),
      ...MAP,
      '--default',
      'area=Ciutat',
      '--dry-run',
    ]);
    expect(dry.code, dry.stderr + dry.stdout).toBe(0);
    expect(dry.stdout).toContain('5 would be created');
    expect(dry.stdout).toContain('mapping (as given with --map):');
    expect(dry.stdout).toMatch(/commitment_title\s+← Títol/);
    expect(dry.stdout).toMatch(/area\s+← "Ciutat" when empty/);
    expect(dry.stdout).toMatch(/line 2:\n\s+priority_number\s+1\n\s+priority_title\s+Habitatge\n\s+commitment_number\s+101\n/);
    expect(dry.stdout).toContain("Revisió del pla d'habitatge & nou **cens** de pisos buits.⏎⏎- Fase 1: inventari");
    expect(dry.stdout).toMatch(/ignored columns: Subcategoria, Propostes, Suports, Comentaris, Participants, Intervencions/);
    const json = JSON.parse(
      (
        await mandat([
          'import',
          join(FIXTURES, 'accions.csv'),
          '--plan',
          'vila-2023-2027',
          ...NEW_PLAN('Vila'),
          ...MAP,
          '--default',
          'area=Ciutat',
          '--dry-run',
          '--json',
        ])
      ).stdout,
    ) as { mapping: Record<string, string>; preview: Array<Record<string, unknown>>; defaults: Record<string, string> };
    expect(json.mapping).toMatchObject({ commitment_number: 'ID', observations: 'Descripció' });
    expect(json.defaults).toEqual({ area: 'Ciutat' });
    expect(json.preview[1]).toMatchObject({ line: 3, commitment_number: '102', area: 'Ciutat', priority_number: '1' });
    expect(await env.tableSnapshot()).toBe(before);
  }, 60_000);

  it('imports through --map/--default, re-running changes nothing, and the XLSX of the same rows gives the same plan', async () => {
    const first = await mandat([
      'import',
      join(FIXTURES, 'accions.csv'),
      '--plan',
      'vila-2023-2027',
      ...NEW_PLAN('Vila'),
      ...MAP,
      '--default',
      'area=Ciutat',
    ]);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toMatch(/plan created\): 5 created/);
    const again = await mandat(['import', join(FIXTURES, 'accions.csv'), '--plan', 'vila-2023-2027', ...MAP, '--default', 'area=Ciutat']);
    expect(again.stdout).toMatch(/0 created, 0 changed, 5 unchanged — nothing changed/);

    const commitments = await env.repository.listCommitments('vila-2023-2027');
    expect(commitments.find((c) => c.commitmentId === 'c101')).toMatchObject({
      number: 101,
      title: "Ampliar el parc d'habitatge públic",
      priority: { number: 1, title: 'Habitatge' },
      area: 'Districte 1',
      observations: "Revisió del pla d'habitatge & nou **cens** de pisos buits.\n\n- Fase 1: inventari\n- Fase 2: compra «directa»",
      links: [
        {
          title: 'https://decidim.example.org/processes/pam/f/7/proposals/101',
          url: 'https://decidim.example.org/processes/pam/f/7/proposals/101',
        },
      ],
    });
    expect(commitments.find((c) => c.commitmentId === 'c102')).toMatchObject({
      area: 'Ciutat',
      areaSlug: 'ciutat',
      priority: { number: 1 },
    });
    expect(commitments.find((c) => c.commitmentId === 'c105')).toMatchObject({
      title: 'Plantar 500 arbres',
      priority: { number: 3, title: 'Medi ambient' },
      observations: '### Objectiu\n\n1. Escocells buits\n2. Nous parcs',
    });

    const xlsx = join(dir, 'accions.xlsx');
    await accionsXlsx(xlsx);
    const fromXlsx = await mandat(['import', xlsx, '--plan', 'vila-xlsx', ...NEW_PLAN('Vila'), ...MAP, '--default', 'area=Ciutat']);
    expect(fromXlsx.code, fromXlsx.stderr + fromXlsx.stdout).toBe(0);
    expect(fromXlsx.stdout).toMatch(/5 created/);
    expect(structure(await env.repository.listCommitments('vila-xlsx'))).toEqual(structure(commitments));

    const files = await publishedFiles('vila-2023-2027');
    expectNoInputTags(files);
    const csv = parseCsv(files.get('plans/vila-2023-2027/commitments.csv')!.toString('utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(csv.find((r) => r.commitment_id === 'c101')).toMatchObject({
      commitment_title: "Ampliar el parc d'habitatge públic",
      observations: "Revisió del pla d'habitatge & nou cens de pisos buits.\n\n- Fase 1: inventari\n- Fase 2: compra «directa»",
    });
    expect(csv.find((r) => r.commitment_id === 'c102')!.observations).toBe(
      'Convocatòria anual.\n\nVegeu les bases (https://example.org/bases.pdf); < 35 anys.',
    );
    expect(csv.find((r) => r.commitment_id === 'c104')!.observations).toBe('a < b i c > d: text sense HTML');
    const page = files.get('plans/vila-2023-2027/commitments/c101/index.html')!.toString('utf8');
    expect(page).toContain('<strong>cens</strong>');
    expect(page).toMatch(/<li>Fase 1: inventari<\/li>\s*<li>Fase 2: compra «directa»<\/li>/);
    expect(page).toMatch(/Ampliar el parc d(?:'|&#39;|&#x27;|&apos;)habitatge públic/);
    const c105 = files.get('plans/vila-2023-2027/commitments/c105/index.html')!.toString('utf8');
    expect(c105).toMatch(/<ol>\s*<li>Escocells buits<\/li>/);
    expect(c105).not.toContain('tracker.example');
    expect(c105).not.toContain('alert(1)');
    expectNoInputTags(await publishedFiles('vila-xlsx'));
  }, 120_000);

  it('with --all-or-nothing, one unreadable row means nothing written (exit 1)', async () => {
    const file = join(dir, 'bad-row.csv');
    const text = readFileSync(join(FIXTURES, 'accions.csv'), 'utf8').replace(/^104;/m, 'x;');
    writeFileSync(file, text);
    const before = await env.tableSnapshot();
    const result = await mandat([
      'import',
      file,
      '--plan',
      'vila-strict',
      ...NEW_PLAN('Vila'),
      ...MAP,
      '--default',
      'area=Ciutat',
      '--all-or-nothing',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/line 5: /);
    expect(result.stderr).toMatch(/nothing written: 1 row\(s\) cannot be read \(--all-or-nothing\)/);
    expect(await env.tableSnapshot()).toBe(before);
    // Without it, the rest go in and the row is reported by its line.
    const lenient = await mandat(['import', file, '--plan', 'vila-lenient', ...NEW_PLAN('Vila'), ...MAP, '--default', 'area=Ciutat']);
    expect(lenient.code).toBe(1);
    expect(lenient.stdout).toMatch(/4 created/);
    expect(lenient.stdout).toMatch(/line 5: commitment number "x" is not a whole number/);
  }, 60_000);

  it('usage errors (exit 2) name the field, the column, the file or the default, and write nothing', async () => {
    const before = await env.tableSnapshot();
    const cases: Array<[string[], RegExp]> = [
      [[join(FIXTURES, 'accions.csv'), '--map', 'titol=Títol'], /--map: unknown field "titol"/],
      [
        [join(FIXTURES, 'accions.csv'), '--map', 'commitment_title=Title,area=Districte'],
        /has no column "Title"; its columns are "ID", "Districte", "Categoria"/,
      ],
      [
        [join(FIXTURES, 'accions.csv'), ...MAP, '--default', 'status=acabat'],
        /--default status "acabat" is none of not_started, pending, delayed, on_track/,
      ],
      [[join(FIXTURES, 'accions.csv'), '--map', 'commitment_title=Títol'], /--map has no area \(or give --default area=NAME\)/],
      [[join(FIXTURES, 'accions.csv')], /accions\.csv has no area column; map its columns with --map/],
    ];
    const fake = join(dir, 'not-a-workbook.xlsx');
    writeFileSync(fake, 'ID;Títol\n1;x\n');
    cases.push([[fake, ...MAP], /not-a-workbook\.xlsx is not an XLSX workbook \(not a zip file\)/]);
    for (const [args, message] of cases) {
      const result = await mandat(['import', ...args, '--plan', 'vila-2023-2027']);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect(await env.tableSnapshot()).toBe(before);
  }, 60_000);
});

describe("Decidim's accountability results export", () => {
  it('is recognised without a mapping, and its HTML never reaches the published files', async () => {
    const result = await mandat([
      'import',
      join(FIXTURES, 'decidim-results.csv'),
      '--plan',
      'decidim-2024-2027',
      ...NEW_PLAN('Decidim'),
      '--default',
      'area=Ajuntament',
    ]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/3 created/);
    expect(result.stdout).toContain('2 result(s) that others name as their parent read as priorities');
    const commitments = await env.repository.listCommitments('decidim-2024-2027');
    expect(commitments.map((c) => [c.commitmentId, c.priority.title, c.title, c.status, c.progress])).toEqual([
      ['c11', 'Eix 1: Ciutat verda', 'Renaturalitzar els patis escolars', 'on_track', 46],
      ['c12', 'Eix 1: Ciutat verda', 'Huertos urbanos en cada barrio', 'on_track', 100],
      ['c21', 'Eix 2: Ciutat oberta', 'Portal de dades obertes', 'pending', 0],
    ]);
    const files = await publishedFiles('decidim-2024-2027');
    expectNoInputTags(files);
    const json = JSON.parse(files.get('plans/decidim-2024-2027/commitments.json')!.toString('utf8')) as {
      commitments: Array<{ commitment_id?: string; observations?: string }>;
    };
    expect(JSON.stringify(json)).toContain('Obres a **12 escoles**.');
    const page = files.get('plans/decidim-2024-2027/commitments/c11/index.html')!.toString('utf8');
    expect(page).toContain('Obres a <strong>12 escoles</strong>.');
    expect(page).toContain('Inici: 2024-01-15 · Final: 2025-06-30');
  }, 60_000);
});
