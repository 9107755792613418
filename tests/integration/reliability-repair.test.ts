/**
 * The operator's repair tools against DynamoDB Local and the S3 server: `mandat verify` finds a
 * deleted, a corrupted and a stray object, `mandat republish` repairs them, and both find a
 * running local runtime through its runtime.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RUNTIME_FILE } from '#shared/config/runtime-file';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import type { VerificationReport } from '#shared/publish/verify';
import { historyPath } from '#shared/render/snapshot';
import { createTestEnvironment, type TestEnvironment, type TestKey } from '#tests/support/environment';
import { createPublisher, definePlanWithCommitments, signedUpdate } from '#tests/support/reliability';
import { republish } from '../../cli/commands/republish.ts';
import { verify } from '../../cli/commands/verify.ts';
import { CliError } from '../../cli/output.ts';
import { freePort } from '../../infra/local/emulators.ts';
import { startLocalStack } from '../../infra/local/local-stack.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const PLAN = 'repair';
const history = historyPath(new Date().toISOString().slice(0, 7), 'csv');
let env: TestEnvironment;
let official: TestKey;

beforeAll(async () => {
  env = await createTestEnvironment();
  official = await env.addKey('official', 'official', [{ planId: PLAN }]);
  await definePlanWithCommitments(env.repository, PLAN, 3);
  for (const [commitmentId, status] of [
    ['c1', 'pending'],
    ['c2', 'delayed'],
    ['c3', 'on_track'],
  ]) {
    expect((await env.api(signedUpdate(official, PLAN, commitmentId!, { status, observations: `${status}.` }))).status).toBe(201);
  }
  await createPublisher(env.repository, env.store).publishPlan(PLAN);
  Object.assign(process.env, env.env);
});
afterAll(() => env.destroy());

/** Runs a command in this process; returns its JSON output and the exit code it would have. */
async function run(
  command: { run(argv: string[]): Promise<void> },
  ...argv: string[]
): Promise<{ json: unknown; exitCode: number; error?: string }> {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
  try {
    await command.run([...argv, '--json']);
    return { json: JSON.parse(out.join('\n')), exitCode: 0 };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { json: out.length ? JSON.parse(out.join('\n')) : undefined, exitCode: error.exitCode, error: error.message };
  } finally {
    log.mockRestore();
  }
}

const put = (key: string, body: string) =>
  env.s3.send(new PutObjectCommand({ Bucket: env.bucketName, Key: key, Body: body, ContentType: 'text/plain' }));

describe('mandat verify and mandat republish', () => {
  it('verify reports no difference after a publish', async () => {
    const result = await run(verify, '--plan', PLAN);
    expect(result.exitCode).toBe(0);
    const report = result.json as VerificationReport;
    expect(report.differences).toBe(0);
    expect(report.plans[0]).toMatchObject({ planId: PLAN, missing: [], different: [], extra: [] });
    expect(report.plans[0]!.expected).toBeGreaterThan(4);
  });

  it('verify lists a deleted, a corrupted and a stray object, and exits 1', async () => {
    await env.s3.send(new DeleteObjectCommand({ Bucket: env.bucketName, Key: `plans/${PLAN}/${history}` }));
    const csv = (await env.getObject(`plans/${PLAN}/commitments.csv`))!.body;
    await put(`plans/${PLAN}/commitments.csv`, csv.replace('pending', 'on_track'));
    await put(`plans/${PLAN}/left-over.json`, '{}');
    await put('plans/no-such-plan/commitments.csv', 'a,b\r\n');

    const one = await run(verify, '--plan', PLAN);
    expect(one.exitCode).toBe(1);
    expect((one.json as VerificationReport).plans[0]).toMatchObject({
      missing: [`plans/${PLAN}/${history}`],
      different: [`plans/${PLAN}/commitments.csv`],
      extra: [`plans/${PLAN}/left-over.json`],
    });
    const all = await run(verify, '--all');
    expect(all.exitCode).toBe(1);
    expect((all.json as VerificationReport).orphans).toEqual(['plans/no-such-plan/commitments.csv']);
    expect((all.json as VerificationReport).differences).toBe(4);
  });

  it('republish rebuilds what is missing or different (and, with --prune, deletes what is extra)', async () => {
    const result = await run(republish, '--plan', PLAN, '--prune');
    expect(result.exitCode, result.error).toBe(0);
    const [plan] = (result.json as { plans: Array<{ status: string; written: string[]; deleted: string[] }> }).plans;
    expect(plan!.status).toBe('published');
    expect(plan!.written).toEqual([`plans/${PLAN}/commitments.csv`, `plans/${PLAN}/${history}`]);
    expect(plan!.deleted).toEqual([`plans/${PLAN}/left-over.json`]);
    expect((await run(verify, '--plan', PLAN)).exitCode).toBe(0);
    // It took the lease like any publisher, and left the plan recorded as published.
    const state = (await env.repository.getPublishState(PLAN))!;
    expect(state.leaseOwner).toBeUndefined();
    expect(state.publishedRevision).toBe((await env.repository.getPlan(PLAN))!.revision);
  });

  it("republish always checks the site's root: one removed by hand is rebuilt", async () => {
    for (const key of ['catalog.jsonld', 'index.html', 'catalog/built-from.txt']) {
      await env.s3.send(new DeleteObjectCommand({ Bucket: env.bucketName, Key: key }));
    }
    expect((await run(republish, '--plan', PLAN)).exitCode).toBe(0);
    expect((await env.getObject('catalog.jsonld'))?.body).toContain(`plans/${PLAN}/`);
    expect((await env.getObject('index.html'))?.body).toContain(`href="plans/${PLAN}/index.html"`);
    expect((await env.repository.getPublishState(PLAN))?.siteRecord).toBe(
      (await env.getObject(`catalog/plans/${PLAN}.jsonld`))?.etag?.replace(/"/g, ''),
    );
  });

  /** Objects of an earlier layout: `verify` lists them as extra, `republish --prune` deletes exactly them. */
  async function expectFoundAndPruned(old: string[]) {
    for (const key of old) await put(key, 'old layout');
    const found = await run(verify, '--plan', PLAN);
    expect(found.exitCode).toBe(1);
    expect((found.json as VerificationReport).plans[0]).toMatchObject({ missing: [], different: [], extra: old });
    const pruned = await run(republish, '--plan', PLAN, '--prune');
    expect((pruned.json as { plans: Array<{ deleted: string[] }> }).plans[0]!.deleted.sort()).toEqual(old);
  }

  it('finds the yearly history files of the layout before monthly ones, and --prune deletes them', async () => {
    const year = new Date().getUTCFullYear();
    const old = [`plans/${PLAN}/updates/${year}.csv`, `plans/${PLAN}/updates/${year}.json`];
    await expectFoundAndPruned(old);
    expect(await env.getObject(old[0]!)).toBeUndefined();
    expect(await env.getObject(`plans/${PLAN}/${history}`)).toBeDefined();
    expect((await run(verify, '--plan', PLAN)).exitCode).toBe(0);
  });

  it("finds an area's and a commitment's RSS and JSON feeds of the layout before Atom-only ones, and --prune deletes them", async () => {
    const commitment = (await env.repository.getCommitment(PLAN, 'c1'))!;
    const scopes = [`plans/${PLAN}/areas/${commitment.areaSlug}/`, `plans/${PLAN}/commitments/${commitment.commitmentId}/`];
    // Their Atom feeds are published; the other two formats only were, by earlier versions.
    for (const dir of scopes) expect(await env.getObject(`${dir}feed.atom`)).toBeDefined();
    const old = scopes.flatMap((dir) => [`${dir}feed.json`, `${dir}feed.rss`]).sort();
    await expectFoundAndPruned(old);
    for (const key of old) expect(await env.getObject(key)).toBeUndefined();
    for (const dir of scopes) expect(await env.getObject(`${dir}feed.atom`)).toBeDefined();
    expect((await run(verify, '--plan', PLAN)).exitCode).toBe(0);
  });

  it('runs as the mandat command, exiting 1 while an orphan remains and 0 once it is gone', async () => {
    const cli = () =>
      spawnSync(process.execPath, [join(ROOT, 'cli/bin.js'), 'verify', '--all', '--json'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    const before = cli();
    expect(before.status, before.stderr).toBe(1);
    expect(JSON.parse(before.stdout).orphans).toEqual(['plans/no-such-plan/commitments.csv']);
    expect(before.stderr).toMatch(/1 difference/);
    await env.s3.send(new DeleteObjectCommand({ Bucket: env.bucketName, Key: 'plans/no-such-plan/commitments.csv' }));
    const after = cli();
    expect(after.status, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).differences).toBe(0);
  });

  it('finds a running local runtime through DATA_DIR/runtime.json, without any configuration', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mandat-repair-'));
    const stack = await startLocalStack({
      dataDir,
      port: await freePort(),
      dynamodbEndpoint: env.dynamodbEndpoint,
      s3Endpoint: env.s3Endpoint,
      tableName: `${env.tableName}-local`,
      bucketName: `${env.bucketName}-local`,
    });
    try {
      expect(existsSync(join(dataDir, RUNTIME_FILE))).toBe(true);
      const bare = Object.fromEntries(
        Object.entries(process.env).filter(
          ([name]) => !/^(TABLE_NAME|BUCKET_NAME|PUBLIC_BASE_URL|DYNAMODB_ENDPOINT|S3_ENDPOINT)$/.test(name),
        ),
      );
      const mandat = (...args: string[]) =>
        spawnSync(process.execPath, [join(ROOT, 'cli/bin.js'), ...args], {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...bare, NO_COLOR: '1', DATA_DIR: dataDir },
        });
      const verified = mandat('verify', '--json');
      expect(verified.status, verified.stderr).toBe(0);
      expect(JSON.parse(verified.stdout).plans.map((p: { planId: string }) => p.planId)).toEqual([DEMO_PLAN_ID]);
      const republished = mandat('republish', '--all');
      expect(republished.status, republished.stderr).toBe(0);
      expect(republished.stdout).toMatch(new RegExp(`${DEMO_PLAN_ID} revision \\d+: 0 written`));
      // Without a runtime and without configuration, the command says what to do.
      const nowhere = spawnSync(process.execPath, [join(ROOT, 'cli/bin.js'), 'verify'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...bare, DATA_DIR: join(dataDir, 'nothing') },
      });
      expect(nowhere.status).toBe(2);
      expect(nowhere.stderr).toMatch(/TABLE_NAME is not set and no local runtime is running/);
    } finally {
      await stack.stop();
    }
    expect(existsSync(join(dataDir, RUNTIME_FILE))).toBe(false);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
