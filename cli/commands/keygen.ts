/** `mandat keygen`: a new ed25519 key pair; the private key stays in the file it writes. */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { type Command, parse, requireOption } from '../command.ts';
import { CliError, EXIT, green } from '../output.ts';

const help = `Usage: mandat keygen --out FILE [--json]

Creates an ed25519 key pair. The private key is written to FILE (PKCS#8 PEM, mode 600) and
never sent anywhere; the public key (SPKI PEM) is printed for an admin to register.

Options:
  --out FILE   where to write the private key (refuses to overwrite)
  --json       print {"privateKeyFile", "publicKeyPem"}

Example:
  mandat keygen --out ~/.mandat/anna-garcia.pem`;

export const keygen: Command = {
  name: 'keygen',
  summary: 'create an ed25519 key pair for signing',
  help,
  async run(argv) {
    const { values } = parse(argv, { out: { type: 'string' }, json: { type: 'boolean' } }, help);
    if (values.help) return void console.log(help);
    const out = requireOption(values.out, 'out', help);
    if (existsSync(out)) throw new CliError(`${out} already exists; not overwriting a key`, EXIT.usage);
    const pair = generateKeyPairSync('ed25519');
    writeFileSync(out, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    if (values.json) return void console.log(JSON.stringify({ privateKeyFile: out, publicKeyPem }));
    console.log(`${green('✓')} private key written to ${out} (keep it secret)\n\nPublic key, for your administrator:\n\n${publicKeyPem}`);
  },
};
