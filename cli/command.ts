/** One module per CLI command; the entry point lists them. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError, EXIT } from './output.ts';

export interface Command {
  name: string;
  summary: string;
  /** Full help: usage, options, examples. */
  help: string;
  run(argv: string[]): Promise<void>;
}

export const DEFAULT_API = process.env.MANDAT_API ?? 'http://localhost:3000';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, help: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${help}`, EXIT.usage);
  }
}

export function requireOption(value: string | undefined, name: string, help: string): string {
  if (value === undefined || value === '') throw new CliError(`--${name} is required\n\n${help}`, EXIT.usage);
  return value;
}
