/**
 * The rooms' import rules (`.dependency-cruiser.cjs`, run by `npm run lint`) catch what they
 * are there for: each planted import below, in a scratch copy of the layout, is a violation,
 * and the real tree has none.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const ruleSet = createRequire(import.meta.url)(join(repo, '.dependency-cruiser.cjs'));

async function violationsIn(baseDir: string, roots: string[]): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(baseDir);
  try {
    const result = await cruise(roots, { ...ruleSet.options, ruleSet: { forbidden: ruleSet.forbidden }, validate: true });
    const output = result.output as ICruiseResult;
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
  } finally {
    process.chdir(cwd);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'boundaries-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function plant(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'tree-'));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ type: 'module', imports: { '#shared/*': './shared/*.ts', '#functions/*': './functions/*.ts' } }),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'bundler', allowImportingTsExtensions: true } }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('the import rules', () => {
  it('find no violation in the real tree', async () => {
    expect(await violationsIn(repo, ['shared', 'functions', 'infra', 'cli', 'bench', 'scripts', 'tests'])).toEqual([]);
  });

  it('refuse the domain importing the AWS SDK, Lambda types, a network module or the DynamoDB adapter', async () => {
    const dir = plant({
      'shared/store/dynamo/repository.ts': 'export const repository = 1;\n',
      'shared/domain/model.ts': [
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "import type { Context } from 'aws-lambda';",
        "import { request } from 'node:http';",
        "import { repository } from '../store/dynamo/repository.ts';",
        'export type C = Context;',
        'export const all = [DynamoDBClient, request, repository];',
        '',
      ].join('\n'),
    });
    const found = await violationsIn(dir, ['shared']);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^no-aws-in-the-core: shared\/domain\/model\.ts → .*@aws-sdk\/client-dynamodb/),
        'no-aws-in-the-core: shared/domain/model.ts → aws-lambda',
        'no-network-in-the-core: shared/domain/model.ts → http',
        'domain-is-pure: shared/domain/model.ts → shared/store/dynamo/repository.ts',
      ]),
    );
  });

  it('refuse the CLI importing a Lambda handler', async () => {
    const dir = plant({
      'functions/publish/handler.ts': 'export const handler = 1;\n',
      'cli/commands/replay.ts': "import { handler } from '#functions/publish/handler';\nexport const h = handler;\n",
    });
    expect(await violationsIn(dir, ['cli', 'functions'])).toEqual([
      'cli-uses-shared: cli/commands/replay.ts → functions/publish/handler.ts',
    ]);
  });

  it('refuse an import cycle and the publisher reaching for an adapter', async () => {
    const dir = plant({
      'shared/api/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'shared/api/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
      'shared/store/s3/artifact-store.ts': 'export const md5 = 1;\n',
      'shared/publish/publish.ts': "import { md5 } from '../store/s3/artifact-store.ts';\nexport const p = md5;\n",
    });
    const found = await violationsIn(dir, ['shared']);
    expect(found).toEqual(
      expect.arrayContaining([
        'no-cycles: shared/api/a.ts → shared/api/b.ts',
        'publish-uses-ports: shared/publish/publish.ts → shared/store/s3/artifact-store.ts',
      ]),
    );
  });
});
