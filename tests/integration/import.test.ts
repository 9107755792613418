/**
 * `mandat import` against the signed API over real HTTP and DynamoDB Local: a city's sheet of
 * 200 commitments is defined whole with a progress report, a second run changes nothing, a
 * dry run writes nothing, rejected rows are reported by line, and the project's own
 * commitments.csv round-trips (its links column; an earlier version's links.csv through --links).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STATUSES } from '#shared/domain/vocabulary';
import { COMMITMENT_COLUMNS, renderCommitmentsCsv, toCsv } from '#shared/render/csv';
import { createTestEnvironment, type TestEnvironment, type TestKey } from '#tests/support/environment';
import { type RunningApiServer, startApiServer } from '#tests/support/http-api-server';
import { fieldOf } from '../../cli/import/columns.ts';
import { parseLinks, readCsv } from '../../cli/import/read-rows.ts';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../cli/bin.js');
const PLAN = 'girona-2023-2027';
/** A smaller plan for the tests that re-import many times. */
const SMALL = 'salt-2023-2027';
const AREAS = [
  'Urbanisme i Habitatge',
  'Promoció Econòmica, Comerç i Ocupació',
  'Drets Socials',
  'Medi Ambient i Sostenibilitat',
  'Cultura',
];

let env: TestEnvironment;
let admin: TestKey;
let server: RunningApiServer;
let dir: string;

beforeAll(async () => {
  env = await createTestEnvironment();
  admin = await env.addKey('import-admin', 'admin', []);
  server = await startApiServer(env.api);
  dir = mkdtempSync(join(tmpdir(), 'mandat-import-'));
  writeFileSync(join(dir, 'import-admin.pem'), admin.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  await env.destroy();
});

const mandat = (args: string[]) =>
  run(process.execPath, [CLI, ...args, '--key', join(dir, 'import-admin.pem')], {
    env: { ...process.env, NO_COLOR: '1', MANDAT_API: server.url },
    maxBuffer: 10 * 1024 * 1024,
  }).then(
    (out) => ({ code: 0, ...out }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

const cell = (value: string) => (/[;"\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const labels = DEFAULT_STATUSES.map((s) => s.labels.ca!);

/** A city's sheet as a spreadsheet saves it: BOM, ";" separators, CRLF, multi-line cells. */
function citySheet(count: number, edit: (row: string[], index: number) => string[] = (row) => row): string {
  const header = [
    'Prioritat núm.',
    'Prioritat',
    'Compromís núm.',
    'Compromís',
    'Àrea responsable',
    'Estat de compliment',
    'Observacions',
    'Informació relacionada',
  ];
  const rows = Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const priority = Math.floor(i / 20) + 1;
    return edit(
      [
        String(priority),
        `Prioritat ${priority}: una ciutat més amable`,
        String(n),
        `Compromís ${n}: millorarem el servei número ${n}`,
        AREAS[i % AREAS.length]!,
        labels[i % labels.length]!,
        `Actuacions fetes:\n- Fase ${n}.1 acabada\n- Fase ${n}.2 en curs`,
        `Seguiment ${n}\nhttps://example.org/seguiment/${n}.pdf\nPressupost <https://example.org/pressupost/${n}>`,
      ],
      i,
    );
  });
  return '\ufeff' + [header, ...rows].map((row) => row.map(cell).join(';')).join('\r\n') + '\r\n';
}

describe('reading a spreadsheet', () => {
  it('recognises Catalan, Spanish and English headers', () => {
    expect(['Prioritat núm.', 'Nº prioridad', 'Priority number', 'priority_number'].map(fieldOf)).toEqual(Array(4).fill('priorityNumber'));
    expect(['Prioritat', 'Prioridad', 'Priority', 'priority_title'].map(fieldOf)).toEqual(Array(4).fill('priorityTitle'));
    expect(['Compromís núm.', 'Número de compromiso', 'Commitment no.', 'commitment_number'].map(fieldOf)).toEqual(
      Array(4).fill('commitmentNumber'),
    );
    expect(['COMPROMÍS', 'Compromiso', 'Commitment', 'commitment_title'].map(fieldOf)).toEqual(Array(4).fill('commitmentTitle'));
    expect(['Àrea responsable', 'Área responsable', 'Responsible area', 'area'].map(fieldOf)).toEqual(Array(4).fill('area'));
    expect(['Estat de compliment', 'Estado de cumplimiento', 'Status'].map(fieldOf)).toEqual(Array(3).fill('status'));
    expect(['Observacions', 'Observaciones', 'Observations'].map(fieldOf)).toEqual(Array(3).fill('observations'));
    expect(['Informació relacionada', 'Información relacionada', 'Related information', 'links'].map(fieldOf)).toEqual(
      Array(4).fill('links'),
    );
    expect(fieldOf('Pressupost')).toBeUndefined();
  });

  it('reads links in the ways people write them', () => {
    expect(parseLinks('Seguiment actuacions 2016\n\nhttp://governobert.terrassa.cat/Memoria-2016\\_A4.pdf')).toEqual([
      { title: 'Seguiment actuacions 2016', url: 'http://governobert.terrassa.cat/Memoria-2016_A4.pdf' },
    ]);
    expect(
      parseLinks('Acta <https://a.example/acta.pdf>\nPla | https://a.example/pla\n[Web](https://a.example/)\nhttps://a.example/bare'),
    ).toEqual([
      { title: 'Acta', url: 'https://a.example/acta.pdf' },
      { title: 'Pla', url: 'https://a.example/pla' },
      { title: 'Web', url: 'https://a.example/' },
      { title: 'https://a.example/bare', url: 'https://a.example/bare' },
    ]);
  });

  it('numbers rows by the line they start on, counting lines inside quoted cells', () => {
    const { rows } = readCsv('Compromís;Àrea\r\n"1. A";"x"\r\n"2. B\r\nsecond line\r\nthird";"y"\r\n\r\n"3. C";z\r\n');
    expect(rows.map((r) => r.line)).toEqual([2, 3, 7]);
  });
});

describe('mandat import', () => {
  it('defines 200 commitments with progress, and a second run changes nothing', async () => {
    const file = join(dir, 'pam.csv');
    writeFileSync(file, citySheet(200));
    const first = await mandat([
      'import',
      file,
      '--plan',
      PLAN,
      '--plan-title',
      'Pla d’Actuació Municipal 2023-2027',
      '--municipality',
      'Girona',
      '--period',
      '2023-2027',
    ]);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stderr).toContain(`importing ${PLAN}: 200/200`);
    expect(first.stdout).toMatch(/plan created\): 200 created, 0 changed, 0 unchanged/);

    const commitments = await env.repository.listCommitments(PLAN);
    expect(commitments).toHaveLength(200);
    const c17 = commitments.find((c) => c.commitmentId === 'c17')!;
    expect(c17).toMatchObject({
      number: 17,
      title: 'Compromís 17: millorarem el servei número 17',
      priority: { number: 1, title: 'Prioritat 1: una ciutat més amable' },
      area: AREAS[16 % AREAS.length],
      areaSlug: 'promocio-economica-comerc-i-ocupacio',
      status: DEFAULT_STATUSES[16 % 4]!.code,
      observations: 'Actuacions fetes:\n- Fase 17.1 acabada\n- Fase 17.2 en curs',
      links: [
        { title: 'Seguiment 17', url: 'https://example.org/seguiment/17.pdf' },
        { title: 'Pressupost', url: 'https://example.org/pressupost/17' },
      ],
    });
    const plan = await env.repository.getPlan(PLAN);
    expect(plan).toMatchObject({ title: 'Pla d’Actuació Municipal 2023-2027', municipality: 'Girona', period: { start: 2023, end: 2027 } });

    const second = await mandat(['import', file, '--plan', PLAN, '--plan-title', 'Pla d’Actuació Municipal 2023-2027']);
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(second.stdout).toMatch(/plan unchanged\): 0 created, 0 changed, 200 unchanged — nothing changed/);
    expect((await env.repository.getPlan(PLAN))!.revision).toBe(plan!.revision);
    expect(await env.repository.listCommitments(PLAN)).toEqual(commitments);
  }, 120_000);

  it("keeps officials' updates when the sheet is imported again", async () => {
    const file = join(dir, 'small.csv');
    writeFileSync(file, citySheet(20));
    const defined = await mandat([
      'import',
      file,
      '--plan',
      SMALL,
      '--plan-title',
      'PAM Salt',
      '--municipality',
      'Salt',
      '--period',
      '2023-2027',
    ]);
    expect(defined.stdout).toMatch(/20 created/);
    const before = (await env.repository.getCommitment(SMALL, 'c3'))!;
    await env.repository.recordUpdate({
      update: {
        planId: SMALL,
        commitmentId: 'c3',
        updateId: 'u-1',
        reportedAt: '2026-01-01T00:00:00.000Z',
        receivedAt: '2026-01-01T00:00:00.000Z',
        status: 'on_track',
        previousStatus: before.status,
        observations: 'Fet.',
        links: [],
        revision: before.revision + 1,
        planRevision: (await env.repository.getPlan(SMALL))!.revision + 1,
        keyId: 'x',
        commitmentNumber: 3,
        commitmentTitle: before.title,
        area: before.area,
        areaSlug: before.areaSlug,
      },
      commitment: { ...before, status: 'on_track', observations: 'Fet.', links: [], revision: before.revision + 1 },
      expectedRevision: before.revision,
      now: new Date().toISOString(),
    });
    const again = await mandat(['import', file, '--plan', SMALL]);
    expect(again.stdout).toMatch(/0 created, 0 changed, 20 unchanged/);
    expect(await env.repository.getCommitment(SMALL, 'c3')).toMatchObject({ status: 'on_track', observations: 'Fet.', links: [] });
  }, 60_000);

  it('dry-runs: reports new, changed and rejected rows by line, and writes nothing', async () => {
    const file = join(dir, 'edited.csv');
    const sheet = citySheet(201, (row, i) => {
      if (i === 4) return [row[0]!, row[1]!, row[2]!, 'Compromís 5, reescrit', ...row.slice(4)];
      if (i === 9) return [...row.slice(0, 5), 'Acabat del tot', ...row.slice(6)];
      if (i === 11) return [...row.slice(0, 7), 'Mal enllaç javascript:alert(1)'];
      if (i === 12) return [row[0]!, row[1]!, '', '', ...row.slice(4)];
      return row;
    });
    writeFileSync(file, sheet);
    const before = await env.tableSnapshot();
    const dry = await mandat(['import', file, '--plan', PLAN, '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(/dry run: .*1 would be created, 1 would be changed, 196 unchanged/);
    // A data row spans 5 lines (two 3-line cells), so row i starts on line 2 + 5 i; row 11's
    // links cell is a single line, which moves row 12 up by 2.
    expect(dry.stdout).toContain(`line ${2 + 5 * 9}: status "Acabat del tot" is none of not_started, pending, delayed, on_track`);
    expect(dry.stdout).toContain(`line ${2 + 5 * 11}: links/0/url: must be an absolute http(s) URL`);
    expect(dry.stdout).toContain(`line ${2 + 5 * 12 - 2}: no commitment number; no commitment title`);
    // The dry run reads, it does not even spend a nonce.
    expect(await env.tableSnapshot()).toBe(before);

    const json = await mandat(['import', file, '--plan', PLAN, '--dry-run', '--json']);
    const report = JSON.parse(json.stdout) as { created: number; changed: number; unchanged: number; rejected: Array<{ line: number }> };
    expect(report).toMatchObject({ created: 1, changed: 1, unchanged: 196 });
    expect(report.rejected.map((r) => r.line)).toEqual([47, 57, 60]);
  }, 60_000);

  it('round-trips the published commitments.csv: export, edit one title, import', async () => {
    const plan = (await env.repository.getPlan(SMALL))!;
    const commitments = await env.repository.listCommitments(SMALL);
    const exported = renderCommitmentsCsv(plan, commitments);
    expect(commitments.find((c) => c.commitmentId === 'c12')!.links.length).toBeGreaterThan(0);
    const edited = exported.replace('Compromís 12: millorarem el servei número 12', 'Compromís 12: millorarem el servei 12 amb més detall');
    expect(edited).not.toBe(exported);
    writeFileSync(join(dir, 'commitments.csv'), edited);

    const result = await mandat(['import', join(dir, 'commitments.csv'), '--plan', SMALL]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/0 created, 1 changed, 19 unchanged/);
    expect(await env.repository.getCommitment(SMALL, 'c12')).toMatchObject({
      title: 'Compromís 12: millorarem el servei 12 amb més detall',
      links: commitments.find((c) => c.commitmentId === 'c12')!.links,
    });

    const unchanged = await mandat(['import', join(dir, 'commitments.csv'), '--plan', SMALL]);
    expect(unchanged.stdout).toMatch(/0 created, 0 changed, 20 unchanged — nothing changed/);

    // A plan published before the links became a column: its commitments.csv without them, and links.csv.
    const linksAt = COMMITMENT_COLUMNS.indexOf('links');
    const older = (parseCsv(edited) as string[][]).map((row) => row.slice(0, linksAt));
    writeFileSync(join(dir, 'older.csv'), toCsv(older[0]!, older.slice(1)));
    const linkRows = commitments.flatMap((c) => c.links.map((l, i) => [c.planId, c.commitmentId, i + 1, l.title, l.url]));
    writeFileSync(join(dir, 'links.csv'), toCsv(['plan_id', 'commitment_id', 'position', 'title', 'url'], linkRows));
    const fromOlder = await mandat(['import', join(dir, 'older.csv'), '--plan', SMALL, '--links', join(dir, 'links.csv')]);
    expect(fromOlder.stdout).toMatch(/0 created, 0 changed, 20 unchanged — nothing changed/);

    const elsewhere = await mandat([
      'import',
      join(dir, 'commitments.csv'),
      '--plan',
      'another-plan',
      '--plan-title',
      'X',
      '--municipality',
      'Y',
      '--period',
      '2023-2027',
      '--dry-run',
    ]);
    expect(elsewhere.stdout).toMatch(/line 2: plan_id is salt-2023-2027, not another-plan/);
  }, 120_000);

  it('explains what is missing for a new plan, and refuses a non-admin key', async () => {
    const file = join(dir, 'pam.csv');
    const missing = await mandat(['import', file, '--plan', 'brand-new']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist yet: give --plan-title, --municipality and --period/);

    const official = await env.addKey('some-official', 'official', [{ planId: PLAN }]);
    writeFileSync(join(dir, 'some-official.pem'), official.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const refused = await run(process.execPath, [CLI, 'import', file, '--plan', PLAN, '--key', join(dir, 'some-official.pem')], {
      env: { ...process.env, NO_COLOR: '1', MANDAT_API: server.url },
    }).catch((error: { code: number; stderr: string }) => error);
    expect((refused as { code: number }).code).toBe(1);
    expect((refused as { stderr: string }).stderr).toMatch(/403 Forbidden: key some-official is an official's key/);
  }, 60_000);
});
