/**
 * A month longer than one file (a dense plan: 25,000 updates a year make months of 2,000 rows)
 * is published in parts of MONTH_PART_ROWS rows, so that an update reported now rewrites the
 * month's last part and not every row of it. On DynamoDB Local and the S3 server: the parts are
 * what a full render gives (`mandat verify`), datapackage.json lists each one and a harvester's
 * validator reads them, an update at the month's end writes its last part only, a backdated one
 * the parts it shifts, and a part deleted behind the publisher's back is written again.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Package } from 'datapackage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PublishResult, publishPlan } from '#shared/publish/publish';
import { historyPath, MONTH_PART_ROWS } from '#shared/render/snapshot';
import type { Artifact } from '#shared/store/artifacts';
import { BASE_URL, createTestEnvironment, postUpdate, signedRequest, type TestEnvironment, type TestKey } from '#tests/support/environment';
import { definePlanWithCommitments, STATUSES, verifyBucket } from '#tests/support/reliability';

const PLAN = 'dense-month';
/** Last month: every instant of it is past. */
const MONTH = (() => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
})();
const monthStart = Date.parse(`${MONTH}-01T00:00:00.000Z`);
/** The i-th minute of the month, from its first day on (2,000 of them fit in its first two days). */
const minuteOfMonth = (i: number) => new Date(monthStart + i * 60_000).toISOString();
const prefix = `plans/${PLAN}/`;

let env: TestEnvironment;
let official: TestKey;
let admin: TestKey;
let since = 0;
let serial = 0;

async function importInto(count: number, from: number): Promise<void> {
  for (let start = 0; start < count; start += 100) {
    const updates = Array.from({ length: Math.min(100, count - start) }, (_, j) => ({
      commitmentId: `c${1 + ((start + j) % 3)}`,
      reportedAt: minuteOfMonth(from + start + j),
      status: STATUSES[(start + j) % STATUSES.length]!,
      observations: `Imported **${++serial}**.`,
    }));
    const answer = await env.api(signedRequest(admin, 'POST', `/api/v1/plans/${PLAN}/history`, { updates }));
    expect(answer.status, answer.body).toBe(200);
  }
}

/** The history files a round offered the store, and whether it marked them changed (no need to ask what is stored). */
const offered = new Map<string, boolean>();

/** A round as the publisher makes it: order, then publish what changed since the last complete publish. */
async function publish(): Promise<PublishResult> {
  await env.repository.sequenceUpdates(PLAN, 'all');
  offered.clear();
  const store = {
    write: (at: string, artifacts: Artifact[]) => {
      for (const a of artifacts) if (a.key.includes('/updates/')) offered.set(a.key, a.changed === true);
      return env.store.write(at, artifacts);
    },
  };
  const result = await publishPlan(
    PLAN,
    { repository: env.repository, store, snapshots: env.store, baseUrl: BASE_URL },
    since ? { changed: { commitmentIds: [], years: [] }, since, reads: 'changed' } : {},
  );
  since = result!.revision;
  const report = (await verifyBucket(env, [PLAN])).plans[0]!;
  expect({ missing: report.missing, different: report.different, extra: report.extra }).toEqual({ missing: [], different: [], extra: [] });
  return result!;
}

const historyWritten = (result: PublishResult) => result.written.filter((key) => key.includes('/updates/')).sort();
const partKeys = (...parts: number[]) =>
  parts.flatMap((part) => (['csv', 'json'] as const).map((extension) => prefix + historyPath(MONTH, extension, part))).sort();

async function rowsOf(part: number): Promise<number> {
  const stored = await env.getObject(prefix + historyPath(MONTH, 'json', part));
  return (JSON.parse(stored!.body) as { updates: unknown[] }).updates.length;
}

beforeAll(async () => {
  env = await createTestEnvironment();
  await definePlanWithCommitments(env.repository, PLAN, 3);
  official = await env.addKey(`${PLAN}-official`, 'official', [{ planId: PLAN }]);
  admin = await env.addKey(`${PLAN}-admin`, 'admin', [{ planId: PLAN }]);
  await importInto(2 * MONTH_PART_ROWS + 20, 60);
  await publish();
}, 180_000);
afterAll(() => env?.destroy());

describe('a month longer than one file', () => {
  it('is published in parts of MONTH_PART_ROWS rows, the first at the month’s usual name, each listed in datapackage.json', async () => {
    expect([await rowsOf(1), await rowsOf(2), await rowsOf(3)]).toEqual([MONTH_PART_ROWS, MONTH_PART_ROWS, 20]);
    expect(await env.getObject(prefix + historyPath(MONTH, 'json', 4))).toBeUndefined();
    const descriptor = JSON.parse((await env.getObject(`${prefix}datapackage.json`))!.body) as {
      resources: Array<{ name: string; path: string; title: string }>;
    };
    const parts = descriptor.resources.filter((r) => r.path.startsWith(`updates/${MONTH.slice(0, 4)}/${MONTH.slice(5)}`));
    expect(parts.map((r) => r.path)).toEqual(
      [1, 2, 3].flatMap((part) => [historyPath(MONTH, 'csv', part), historyPath(MONTH, 'json', part)]),
    );
    expect(
      parts.map((r) => r.title.endsWith(`(${MONTH}, 1/3)`) || r.title.endsWith(`(${MONTH}, 2/3)`) || r.title.endsWith(`(${MONTH}, 3/3)`)),
    ).toEqual(parts.map(() => true));
  });

  it('reads as valid data with the Frictionless validators, every part’s rows cast against the table schema', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'month-parts-'));
    try {
      const keys = ['datapackage.json', 'commitments.csv', ...[1, 2, 3].map((part) => historyPath(MONTH, 'csv', part))];
      for (const key of keys) {
        const path = join(folder, key);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, (await env.getObject(prefix + key))!.body);
      }
      const dataPackage = await Package.load(join(folder, 'datapackage.json'));
      expect(dataPackage.errors.map((e: Error) => e.message)).toEqual([]);
      for (const part of [1, 2, 3]) {
        const resource = dataPackage.getResource(`updates-${MONTH}${part > 1 ? `-part-${part}` : ''}`.replace(/[^a-z0-9]+/g, '-'));
        expect(resource, `part ${part}`).toBeTruthy();
        const rows = (await resource.read({ forceCast: true })) as unknown[];
        expect(rows.filter((row) => row instanceof Error)).toEqual([]);
        expect(rows).toHaveLength(part < 3 ? MONTH_PART_ROWS : 20);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('after an update at the month’s end, writes its last part only, without asking what is stored', async () => {
    await postUpdate(env, official, PLAN, 'c1', {
      status: 'delayed',
      observations: 'Al final del mes.',
      reportedAt: minuteOfMonth(40_000),
    });
    const result = await publish();
    expect(historyWritten(result)).toEqual(partKeys(3));
    // The parts before it are not even rendered; it is written without a HEAD.
    expect([...offered]).toEqual(partKeys(3).map((key) => [key, true]));
    expect(await rowsOf(3)).toBe(21);
  });

  it('after an update reported early in the month, writes every part its row shifts', async () => {
    await postUpdate(env, official, PLAN, 'c2', { status: 'on_track', observations: 'Amb retard.', reportedAt: minuteOfMonth(1) });
    const result = await publish();
    expect(historyWritten(result)).toEqual(partKeys(1, 2, 3));
    expect([await rowsOf(1), await rowsOf(2), await rowsOf(3)]).toEqual([MONTH_PART_ROWS, MONTH_PART_ROWS, 22]);
  });

  it('opens the next part when the last one is full, and lists it', async () => {
    await importInto(MONTH_PART_ROWS - 22 + 1, 20_000);
    const result = await publish();
    expect(historyWritten(result)).toEqual(partKeys(3, 4));
    expect([await rowsOf(3), await rowsOf(4)]).toEqual([MONTH_PART_ROWS, 1]);
    expect((await env.getObject(`${prefix}datapackage.json`))!.body).toContain(historyPath(MONTH, 'csv', 4));
  });

  it('writes a part deleted behind its back again, with the next update of its month', async () => {
    await env.s3.send(new DeleteObjectCommand({ Bucket: env.bucketName, Key: prefix + historyPath(MONTH, 'json', 2) }));
    await postUpdate(env, official, PLAN, 'c3', { status: 'pending', observations: 'Després.', reportedAt: minuteOfMonth(40_001) });
    // publish() checks every file against a full render: the deleted part is back.
    await publish();
    expect(await rowsOf(2)).toBe(MONTH_PART_ROWS);
  });
});
