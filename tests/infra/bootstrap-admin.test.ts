/**
 * `mandat bootstrap-admin` against DynamoDB Local: the first admin key of a fresh deployment is
 * written from `cdk deploy --outputs-file`, stores only the public key, and then signs admin
 * requests that the API accepts.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '#infra/constructs/mandat-function';
import { DEMO_PLAN } from '#shared/domain/demo-plan';
import { createTestEnvironment, signedRequest, type TestEnvironment } from '#tests/support/environment';
import { bootstrapAdmin } from '../../cli/commands/bootstrap-admin.ts';
import { keygen } from '../../cli/commands/keygen.ts';
import { CliError, EXIT } from '../../cli/output.ts';

const run = promisify(execFile);

let env: TestEnvironment;
let dir: string;
let outputsFile: string;
const previousEndpoint = process.env.DYNAMODB_ENDPOINT;

beforeAll(async () => {
  env = await createTestEnvironment();
  // In-process runs of the command reach DynamoDB Local the way the child process does.
  process.env.DYNAMODB_ENDPOINT = env.dynamodbEndpoint;
  dir = mkdtempSync(join(tmpdir(), 'mandat-bootstrap-'));
  outputsFile = join(dir, 'cdk-outputs.json');
  // The shape `cdk deploy --outputs-file` writes: stack name → output name → value.
  writeFileSync(
    outputsFile,
    JSON.stringify({
      'MandatObert-test': { TableName: env.tableName, Region: 'eu-west-1', ApiUrl: 'https://d111111abcdef8.cloudfront.net' },
    }),
  );
});

afterAll(async () => {
  if (previousEndpoint === undefined) delete process.env.DYNAMODB_ENDPOINT;
  else process.env.DYNAMODB_ENDPOINT = previousEndpoint;
  await env?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The mandat CLI as an operator runs it, pointed at DynamoDB Local. */
function mandat(args: string[]) {
  return run(process.execPath, [join(PROJECT_ROOT, 'cli/bin.js'), ...args], {
    env: { ...env.env, PATH: process.env.PATH, NO_COLOR: '1' },
  });
}

describe('mandat bootstrap-admin', () => {
  it('registers a keygen key as admin from the deploy outputs, storing only its public half', async () => {
    const privateKeyFile = join(dir, 'transparencia.pem');
    await keygen.run(['--out', privateKeyFile]);
    const { stdout } = await mandat([
      'bootstrap-admin',
      '--key',
      privateKeyFile,
      '--owner',
      'Oficina de Transparència',
      '--outputs',
      outputsFile,
    ]);
    expect(stdout).toContain(`admin key "transparencia" registered in ${env.tableName}`);

    const stored = await env.repository.getKey('transparencia');
    expect(stored).toMatchObject({
      keyId: 'transparencia',
      algorithm: 'ed25519',
      role: 'admin',
      scopes: [],
      active: true,
      owner: 'Oficina de Transparència',
    });
    expect(stored!.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(await env.tableSnapshot()).not.toContain('PRIVATE KEY');

    // The key now signs what only an admin may do: define a plan.
    const key = { keyId: 'transparencia', privateKey: createPrivateKey(readFileSync(privateKeyFile)), publicKeyPem: stored!.publicKeyPem! };
    const response = await env.api(
      signedRequest(key, 'PUT', '/api/v1/plans/sabadell-2023-2027', { ...DEMO_PLAN, municipality: 'Sabadell' }),
    );
    expect(response.status, response.body).toBe(201);
  });

  it('refuses to overwrite a registered keyid unless told to', async () => {
    const publicKeyFile = join(dir, 'second.pem');
    writeFileSync(publicKeyFile, (await env.addKey('second', 'official', [{ planId: 'x' }])).publicKeyPem);
    const args = ['--key', publicKeyFile, '--owner', 'Segona', '--table', env.tableName, '--region', 'eu-west-1'];
    const refused = await bootstrapAdmin.run(args).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).exitCode).toBe(EXIT.rejected);
    expect((refused as CliError).message).toMatch(/already registered/);
    expect((await env.repository.getKey('second'))!.role).toBe('official');

    await bootstrapAdmin.run([...args, '--replace']);
    expect((await env.repository.getKey('second'))!.role).toBe('admin');
  });

  it.each([
    [['--key', 'missing.pem', '--owner', 'x', '--table', 't', '--region', 'eu-west-1'], EXIT.usage, /cannot read the key file/],
    [['--key', 'k.pem', '--owner', 'x', '--table', 't', '--outputs', 'o.json'], EXIT.usage, /not both/],
    [['--key', 'k.pem', '--owner', 'x'], EXIT.usage, /--table \(or --outputs\) is required/],
  ])('refuses bad usage %j', async (args, exitCode, message) => {
    const error = (await bootstrapAdmin.run(args).catch((e: unknown) => e)) as CliError;
    expect(error).toBeInstanceOf(CliError);
    expect(error.exitCode).toBe(exitCode);
    expect(error.message).toMatch(message);
  });

  it('names the table and region when the table does not exist', async () => {
    const publicKeyFile = join(dir, 'lost.pem');
    writeFileSync(publicKeyFile, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const error = (await bootstrapAdmin
      .run(['--key', publicKeyFile, '--owner', 'x', '--table', 'no-such-table', '--region', 'eu-west-1'])
      .catch((e: unknown) => e)) as CliError;
    expect(error.exitCode).toBe(EXIT.failure);
    expect(error.message).toBe('table no-such-table not found in eu-west-1');
  });
});
