/** `mandat`: the officials' and admins' command-line tool. */
import { readFileSync } from 'node:fs';
import type { Command } from './command.ts';
import { bootstrapAdmin } from './commands/bootstrap-admin.ts';
import { importCommand } from './commands/import.ts';
import { importHistoryCommand } from './commands/import-history.ts';
import { keygen } from './commands/keygen.ts';
import { keys } from './commands/keys.ts';
import { post } from './commands/post.ts';
import { replayDeadLettersCommand } from './commands/replay-dead-letters.ts';
import { republish } from './commands/republish.ts';
import { verify } from './commands/verify.ts';
import { CliError, EXIT, red } from './output.ts';

const COMMANDS: Command[] = [
  post,
  keygen,
  keys,
  importCommand,
  importHistoryCommand,
  bootstrapAdmin,
  republish,
  verify,
  replayDeadLettersCommand,
];

const EXIT_CODES = [
  'Exit codes:',
  `  ${EXIT.ok}  ok`,
  `  ${EXIT.rejected}  rejected by the server (4xx; the RFC 9457 problem is printed, or with --json its body on stdout)`,
  `  ${EXIT.usage}  usage error (unknown command or option, missing value, unreadable file)`,
  `  ${EXIT.failure}  server or network failure (5xx, unreachable API)`,
].join('\n');

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: mandat <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --help (options and examples); commands that print results take --json',
    'for scripts. The API is --api, else $MANDAT_API, else the running "npm start" (found through',
    '$DATA_DIR/runtime.json, as the operator commands find it), else http://localhost:3000.',
    '',
    'Examples:',
    '  mandat keygen --out ~/.mandat/anna-garcia.pem',
    '  mandat post --key ~/.mandat/anna-garcia.pem --plan terrassa-2015-2019 --commitment c4 \\',
    '    --status delayed --observations "Licitació endarrerida." --json',
    '  mandat post --help',
    '',
    EXIT_CODES,
  ].join('\n');
}

const [name, ...argv] = process.argv.slice(2);
if (name === '--version' || name === '-V') {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  console.log(version);
  process.exit(EXIT.ok);
}
if (!name || name === '--help' || name === '-h' || (name === 'help' && argv.length === 0)) {
  console.log(usage());
  process.exit(name ? EXIT.ok : EXIT.usage);
}
const wanted = name === 'help' ? argv[0] : name;
const command = COMMANDS.find((c) => c.name === wanted);
if (!command) {
  console.error(`${red('error:')} unknown command "${wanted}"\n\n${usage()}`);
  process.exit(EXIT.usage);
}
// Help is answered here for every command alike, with the exit codes.
if (name === 'help' || argv.includes('--help') || argv.includes('-h')) {
  console.log(`${command.help}\n\n${EXIT_CODES}`);
  process.exit(EXIT.ok);
}
try {
  await command.run(argv);
} catch (error) {
  if (error instanceof CliError) {
    if (argv.includes('--json') && error.details !== undefined) console.log(JSON.stringify(error.details, null, 2));
    console.error(`${red('error:')} ${error.message}`);
    process.exit(error.exitCode);
  }
  console.error(`${red('error:')} ${(error as Error).stack ?? String(error)}`);
  process.exit(EXIT.failure);
}
