/** `npm run console:publish`, as an operator runs it after a deployment: the console's files land in the bucket. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '#tests/support/environment';

const ROOT = new URL('../..', import.meta.url).pathname;
let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment();
});
afterAll(() => env.destroy());

describe('npm run console:publish', () => {
  it('puts the built console under console/ of the bucket, each file with its media type', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [`${ROOT}node_modules/tsx/dist/cli.mjs`, 'scripts/console/publish.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env.env, BUCKET_NAME: env.bucketName },
    });
    expect(stdout).toContain(`s3://${env.bucketName}/console/index.html`);
    const page = await env.getObject('console/index.html');
    expect(page?.contentType).toMatch(/^text\/html/);
    expect(page?.body).toContain('<form id="post-form"');
    const scripts = [...page!.body.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const script = await env.getObject(`console/${src.replace(/^\.\//, '')}`);
      expect(script?.contentType, src).toMatch(/javascript/);
    }
    // Without a bucket it says which one to give.
    await expect(
      promisify(execFile)(process.execPath, [`${ROOT}node_modules/tsx/dist/cli.mjs`, 'scripts/console/publish.ts'], {
        cwd: ROOT,
        env: { ...process.env, ...env.env, BUCKET_NAME: '' },
      }),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('BUCKET_NAME is not set') });
  }, 60_000);
});
