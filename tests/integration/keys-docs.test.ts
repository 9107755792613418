/**
 * The openssl + curl recipe of docs/SIGNING.md, run as written against the API over HTTP:
 * a client with no RFC 9421 library at all gets its update accepted.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { createTestEnvironment, type TestEnvironment } from '#tests/support/environment';
import { type RunningApiServer, startApiServer } from '#tests/support/http-api-server';

const hasTools = ['openssl', 'curl'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
const docs = readFileSync(join(import.meta.dirname, '../../docs/SIGNING.md'), 'utf8');
const recipe = /<!-- signing-recipe[^\n]*-->\n```sh\n([\s\S]*?)\n```/.exec(docs)?.[1];

let env: TestEnvironment;
let server: RunningApiServer;
let dir: string;

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.seedDemo();
  server = await startApiServer(env.api);
  dir = mkdtempSync(join(tmpdir(), 'mandat-recipe-'));
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  await env.destroy();
});

describe('docs/SIGNING.md openssl + curl recipe', () => {
  it('is in the docs', () => expect(recipe).toBeDefined());

  it.skipIf(!hasTools)('signs an update the API accepts (needs openssl 3 and curl)', async () => {
    const key = await env.addKey('recipe', 'official', [{ planId: DEMO_PLAN_ID }]);
    writeFileSync(join(dir, 'recipe.pem'), key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // Asynchronously: the API server answering curl runs in this very process.
    const { stdout: out } = await promisify(execFile)('bash', ['-euc', recipe!], {
      cwd: dir,
      timeout: 20_000,
      env: { ...process.env, API: server.url, KEY: 'recipe.pem', KEYID: 'recipe' },
    });
    expect(JSON.parse(out)).toMatchObject({
      revision: expect.any(Number),
      commitment: { status: 'delayed', observations: 'Tender delayed: award expected in March.' },
    });
    const updates = await env.repository.listUpdates(DEMO_PLAN_ID);
    expect(updates.map((u) => u.keyId)).toContain('recipe');
  });
});
