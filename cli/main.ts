/** `mandat`: the officials' and admins' command-line tool. */
import type { Command } from './command.ts';
import { keygen } from './commands/keygen.ts';
import { post } from './commands/post.ts';
import { replayDeadLettersCommand } from './commands/replay-dead-letters.ts';
import { republish } from './commands/republish.ts';
import { verify } from './commands/verify.ts';
import { CliError, EXIT, red } from './output.ts';

const COMMANDS: Command[] = [post, keygen, republish, verify, replayDeadLettersCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: mandat <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "mandat <command> --help" for options and examples.',
    'Exit codes: 0 ok, 1 rejected by the server, 2 usage error, 3 server or network failure.',
  ].join('\n');
}

const [name, ...argv] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h' || name === 'help') {
  console.log(usage());
  process.exit(name ? EXIT.ok : EXIT.usage);
}
const command = COMMANDS.find((c) => c.name === name);
if (!command) {
  console.error(`${red('error:')} unknown command "${name}"\n\n${usage()}`);
  process.exit(EXIT.usage);
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
