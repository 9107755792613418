/** One module per CLI command; the entry point lists them. */
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { RUNTIME_FILE, readRuntimeFile } from '#shared/config/runtime-file';
import { CliError, EXIT } from './output.ts';

export interface Command {
  name: string;
  summary: string;
  /** Full help: usage, options, examples. */
  help: string;
  run(argv: string[]): Promise<void>;
}

/** Where the signed commands send requests unless `--api` says: see {@link defaultApi}. */
export const DEFAULT_API_HELP = '$MANDAT_API, else the running "npm start", else http://localhost:3000';

/**
 * The API the signed commands call: $MANDAT_API, else the local runtime that `npm start` is
 * running (found through $DATA_DIR/runtime.json, as the operator commands find it, so a runtime
 * on another PORT is found too), else the default port.
 */
export function defaultApi(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MANDAT_API) return env.MANDAT_API;
  const dataDir = env.DATA_DIR ?? '.data';
  let runtime: ReturnType<typeof readRuntimeFile>;
  try {
    runtime = readRuntimeFile(dataDir);
  } catch (error) {
    throw new CliError(`${join(dataDir, RUNTIME_FILE)} is unreadable: ${(error as Error).message}`, EXIT.usage);
  }
  // A runtime that crashed leaves its file behind: only a live process's address is used.
  if (runtime?.env.PUBLIC_BASE_URL && isAlive(runtime.pid)) return runtime.env.PUBLIC_BASE_URL;
  return 'http://localhost:3000';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * node:util's parseArgs refuses `--observations "- Fase 1"` (a value that starts with a dash
 * is "ambiguous"), yet Markdown bullets and titles like "-2+3 acta" are ordinary values. A
 * string option followed by anything that is not one of the command's own options takes it as
 * its value, as if written `--observations=- Fase 1`.
 */
function joinDashValues(argv: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const known = new Set(['--help', '-h', ...Object.keys(options).map((name) => `--${name}`)]);
  for (const [_name, option] of Object.entries(options)) if (option.short) known.add(`-${option.short}`);
  const isOption = (arg: string) => known.has(arg.split('=', 1)[0]!) || arg === '--';
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    const next = argv[i + 1];
    if (name && options[name]?.type === 'string' && next?.startsWith('-') && !isOption(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
    if (arg === '--') {
      out.push(...argv.slice(i + 1));
      break;
    }
  }
  return out;
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, help: string) {
  try {
    return parseArgs({
      args: joinDashValues(argv, options),
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${help}`, EXIT.usage);
  }
}

export function requireOption(value: string | undefined, name: string, help: string): string {
  if (value === undefined || value === '') throw new CliError(`--${name} is required\n\n${help}`, EXIT.usage);
  return value;
}
