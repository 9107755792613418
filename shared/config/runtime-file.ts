/**
 * `$DATA_DIR/runtime.json`: where a running local runtime's table, bucket and emulators are,
 * so operator commands run in another terminal reach them without any configuration. Removed
 * when the runtime stops; a stale one (after a crash) names endpoints that no longer answer.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RUNTIME_FILE = 'runtime.json';

export interface RuntimeFile {
  pid: number;
  startedAt: string;
  /** Environment variables that point the handlers and the operator commands at this runtime. */
  env: Record<string, string>;
}

export function writeRuntimeFile(dataDir: string, env: Record<string, string>): void {
  const content: RuntimeFile = { pid: process.pid, startedAt: new Date().toISOString(), env };
  // With emulators started elsewhere (tests, bench) nothing else may have made the directory.
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, RUNTIME_FILE), JSON.stringify(content, null, 2) + '\n');
}

export function readRuntimeFile(dataDir: string): RuntimeFile | undefined {
  const path = join(dataDir, RUNTIME_FILE);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as RuntimeFile;
}

export function removeRuntimeFile(dataDir: string): void {
  // Only our own: another runtime may have started on the same directory since.
  if (readRuntimeFile(dataDir)?.pid === process.pid) rmSync(join(dataDir, RUNTIME_FILE), { force: true });
}
