/**
 * The signing console as the files the bucket serves under `console/`: its TypeScript bundled
 * by esbuild for current browsers, with its page and stylesheet. The local runtime uploads
 * them at start; the CDK stack deploys the same files with a BucketDeployment.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BuildOptions, build, buildSync } from 'esbuild';

const CONSOLE_DIR = join(import.meta.dirname, '..', 'console');

/** Where the console lives in the bucket and on the public host. */
export const CONSOLE_PREFIX = 'console/';

export interface ConsoleFile {
  /** Object key in the bucket. */
  key: string;
  body: Buffer;
  contentType: string;
}

const BUILD: BuildOptions & { write: false } = {
  entryPoints: [join(CONSOLE_DIR, 'src/main.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  // Browsers with WebCrypto Ed25519 are all this recent; nothing older could sign anyway.
  target: ['chrome120', 'firefox129', 'safari17'],
  write: false,
  legalComments: 'none',
  logLevel: 'silent',
};

function files(script: Uint8Array): ConsoleFile[] {
  return [
    { key: `${CONSOLE_PREFIX}index.html`, body: readFileSync(join(CONSOLE_DIR, 'index.html')), contentType: 'text/html; charset=utf-8' },
    { key: `${CONSOLE_PREFIX}console.css`, body: readFileSync(join(CONSOLE_DIR, 'console.css')), contentType: 'text/css; charset=utf-8' },
    { key: `${CONSOLE_PREFIX}console.js`, body: Buffer.from(script), contentType: 'text/javascript; charset=utf-8' },
  ];
}

export async function buildConsole(): Promise<ConsoleFile[]> {
  return files((await build(BUILD)).outputFiles[0]!.contents);
}

/** The files in a new directory, laid out as under `console/` (CDK synthesis is synchronous). */
export function writeConsoleDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mandat-console-'));
  for (const file of files(buildSync(BUILD).outputFiles[0]!.contents)) {
    const path = join(dir, file.key.slice(CONSOLE_PREFIX.length));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.body);
  }
  return dir;
}
