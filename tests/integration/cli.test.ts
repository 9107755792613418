/**
 * The `mandat` CLI as a script sees it: help with examples and exit codes on every command,
 * JSON output, documented exit codes, and no colour escape codes in a pipe.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/emulators.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mandat-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function mandat(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // NO_COLOR unset and FORCE_COLOR set: a pipe alone must be enough to keep escape codes out.
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '1' };
  delete env.NO_COLOR;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'cli/bin.js'), ...args], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const ESCAPE = '\u001b[';

describe('mandat', () => {
  it('lists its commands, with examples and the exit codes', async () => {
    const { code, stdout } = await mandat('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Commands:\n(\s{2}\S+\s+.+\n)+/);
    expect(stdout).toContain('Examples:');
    expect(stdout).toMatch(/Exit codes:\n\s+0\s+ok\n\s+1\s+rejected.*\n\s+2\s+usage.*\n\s+3\s+server or network failure/);
  });

  it('has --help with usage, options, examples, --json and the exit codes on every command', async () => {
    const list = (await mandat('--help')).stdout;
    const names = [
      ...list
        .split('Commands:\n')[1]!
        .split('\n\n')[0]!
        .matchAll(/^ {2}(\S+)/gm),
    ].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(['post', 'keygen']));
    for (const name of names) {
      const { code, stdout, stderr } = await mandat(name, '--help');
      expect(code, name).toBe(0);
      expect(stderr, name).toBe('');
      expect(stdout, name).toContain(`mandat ${name}`);
      expect(stdout, name).toMatch(/Examples?:/);
      expect(stdout, name).toContain('--json');
      expect(stdout, name).toContain('Exit codes:');
      expect(stdout, name).not.toContain(ESCAPE);
    }
  });

  it('prints JSON for scripts and exits 0; refuses to overwrite a key with exit 2', async () => {
    const out = join(dir, 'official.pem');
    const first = await mandat('keygen', '--out', out, '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ privateKeyFile: out, publicKeyPem: expect.stringContaining('PUBLIC KEY') });
    const again = await mandat('keygen', '--out', out, '--json');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(again.stderr).not.toContain(ESCAPE);
  });

  it('exits 2 on usage errors and 3 when the API cannot be reached', async () => {
    expect((await mandat('no-such-command')).code).toBe(2);
    expect((await mandat('post', '--no-such-option')).code).toBe(2);
    expect((await mandat()).code).toBe(2);
    await mandat('keygen', '--out', join(dir, 'poster.pem'));
    const port = await freePort();
    const unreachable = await mandat(
      'post',
      '--key',
      join(dir, 'poster.pem'),
      '--plan',
      'p',
      '--commitment',
      'c1',
      '--status',
      'on_track',
      '--observations',
      'x',
      '--api',
      `http://127.0.0.1:${port}`,
    );
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/could not reach/);
    expect(unreachable.stderr).not.toContain(ESCAPE);
  });
});
