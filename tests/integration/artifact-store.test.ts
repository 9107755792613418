/**
 * The S3 store writes only what changed, whichever way it tells what is stored: a HEAD per
 * artifact for a small write (billed as GETs), LISTs of the folders or of the whole prefix for a
 * large one. Against the S3 server, with the requests counted as S3 would bill them.
 */
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact } from '#shared/store/artifacts';
import { S3ArtifactStore } from '#shared/store/s3/artifact-store';
import { createTestEnvironment, type TestEnvironment } from '#tests/support/environment';

let env: TestEnvironment;
const requests: string[] = [];

beforeAll(async () => {
  env = await createTestEnvironment();
  env.s3.middlewareStack.add(
    (next, context) => (args) => {
      requests.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
});
afterAll(() => env?.destroy());

const file = (key: string, body: string): Artifact => ({ key, body, contentType: 'text/plain; charset=utf-8' });
const counts = () => {
  const tally: Record<string, number> = {};
  for (const name of requests.splice(0)) tally[name] = (tally[name] ?? 0) + 1;
  return tally;
};

describe('S3ArtifactStore.write', () => {
  it('checks a small write with a HEAD per artifact: writes the new and the changed, skips the same', async () => {
    const store = new S3ArtifactStore(env.s3, env.bucketName);
    const keys = ['p/a.csv', 'p/x/b.csv', 'p/y/c.csv', 'p/z/d.csv'];
    await store.write(
      'p/',
      keys.map((key) => file(key, `${key} v1`)),
    );
    requests.splice(0);
    const result = await store.write('p/', [
      file(keys[0]!, `${keys[0]} v1`),
      file(keys[1]!, `${keys[1]} v2`),
      file(keys[2]!, `${keys[2]} v1`),
      file('p/z/new.csv', 'new'),
    ]);
    expect(result.written.sort()).toEqual(['p/x/b.csv', 'p/z/new.csv']);
    expect(result.skipped.sort()).toEqual(['p/a.csv', 'p/y/c.csv']);
    // Four folders would be four LISTs; four HEADs cost a third of one.
    expect(counts()).toEqual({ HeadObjectCommand: 4, PutObjectCommand: 2 });
    expect((await env.getObject('p/x/b.csv'))!.body).toBe('p/x/b.csv v2');
  });

  it('writes an artifact the publisher marks as changed without asking what is stored (an identical PUT keeps its ETag)', async () => {
    const store = new S3ArtifactStore(env.s3, env.bucketName);
    await store.write('m/', [file('m/a.csv', 'a v1'), file('m/b.csv', 'b v1')]);
    const before = await env.s3.send(new HeadObjectCommand({ Bucket: env.bucketName, Key: 'm/b.csv' }));
    requests.splice(0);
    const result = await store.write('m/', [
      { ...file('m/a.csv', 'a v2'), changed: true },
      { ...file('m/b.csv', 'b v1'), changed: true },
    ]);
    expect(result.written.sort()).toEqual(['m/a.csv', 'm/b.csv']);
    expect(counts()).toEqual({ PutObjectCommand: 2 });
    expect((await env.getObject('m/a.csv'))!.body).toBe('a v2');
    const after = await env.s3.send(new HeadObjectCommand({ Bucket: env.bucketName, Key: 'm/b.csv' }));
    expect(after.ETag).toBe(before.ETag);
    // Unmarked ones beside them are still compared.
    requests.splice(0);
    await store.write('m/', [{ ...file('m/a.csv', 'a v3'), changed: true }, file('m/b.csv', 'b v1')]);
    expect(counts()).toEqual({ HeadObjectCommand: 1, PutObjectCommand: 1 });
  });

  it('lists instead when HEADs would cost more: one folder holding many artifacts, or many folders', async () => {
    const store = new S3ArtifactStore(env.s3, env.bucketName);
    const many = Array.from({ length: 30 }, (_, i) => file(`q/one/${i}.csv`, `${i}`));
    await store.write('q/', many);
    requests.splice(0);
    const again = await store.write('q/', many);
    expect(again.written).toEqual([]);
    expect(counts()).toEqual({ ListObjectsV2Command: 1 });

    const spread = Array.from({ length: 120 }, (_, i) => file(`r/${i}/index.csv`, `${i}`));
    await store.write('r/', spread);
    requests.splice(0);
    const changed = spread.map((a, i) => (i === 7 ? file(a.key, 'changed') : a));
    expect((await store.write('r/', changed)).written).toEqual(['r/7/index.csv']);
    expect(counts()).toEqual({ ListObjectsV2Command: 1, PutObjectCommand: 1 });
  });
});

describe('S3ArtifactStore.read', () => {
  it('asks again with If-None-Match: an unchanged object comes back as the same object, without its body; a changed or deleted one as it is now', async () => {
    const store = new S3ArtifactStore(env.s3, env.bucketName);
    // Another writer (another function instance) changes and deletes behind this one's back.
    const other = new S3ArtifactStore(env.s3, env.bucketName);
    // The HTTP status of each response this test's reads get: 200 with a body, 304 without.
    const statuses: number[] = [];
    const seen = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      try {
        const out = (await next(args)) as { response?: { statusCode?: number } };
        statuses.push(out.response?.statusCode ?? 0);
        return out;
      } catch (error) {
        statuses.push((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0);
        throw error;
      }
    };
    env.s3.middlewareStack.add(seen as never, { step: 'deserialize', name: 'readStatuses' });
    try {
      await other.write('r/', [file('r/snapshot.json', '{"v":1}')]);
      statuses.splice(0);
      const first = await store.read('r/snapshot.json');
      const again = await store.read('r/snapshot.json');
      expect(again).toBe(first);
      expect(first?.body).toBe('{"v":1}');
      expect(statuses).toEqual([200, 304]);

      await other.write('r/', [file('r/snapshot.json', '{"v":2}')]);
      statuses.splice(0);
      const changed = await store.read('r/snapshot.json');
      expect(changed?.body).toBe('{"v":2}');
      expect(changed).not.toBe(first);
      expect(statuses).toEqual([200]);

      await env.s3.send(new DeleteObjectCommand({ Bucket: env.bucketName, Key: 'r/snapshot.json' }));
      expect(await store.read('r/snapshot.json')).toBeUndefined();
      await other.write('r/', [file('r/snapshot.json', '{"v":2}')]);
      statuses.splice(0);
      // Forgotten when it was gone: read whole again, not answered from what was kept.
      expect((await store.read('r/snapshot.json'))?.body).toBe('{"v":2}');
      expect(statuses).toEqual([200]);
    } finally {
      env.s3.middlewareStack.remove('readStatuses');
    }
  });
});
