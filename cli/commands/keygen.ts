/** `mandat keygen`: a new ed25519 key pair; the private key stays in the file it writes. */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { type Command, parse, requireOption } from '../command.ts';
import { CliError, EXIT, green } from '../output.ts';

const help = `Usage: mandat keygen --out FILE [--json]

Creates an ed25519 key pair. The private key is written to FILE (PKCS#8 PEM, mode 600) and
never sent anywhere; the public key (SPKI PEM) is written beside it, to FILE without ".pem"
plus ".pub.pem" (anna.pem → anna.pub.pem), and printed, for an admin to register with
"mandat keys add … --public-key anna.pub.pem".

Options:
  --out FILE   where to write the private key (refuses to overwrite it or its .pub.pem)
  --json       print {"privateKeyFile", "publicKeyFile", "publicKeyPem"}

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
    const publicOut = publicKeyFileFor(out);
    for (const file of [out, publicOut]) {
      if (existsSync(file)) throw new CliError(`${file} already exists; not overwriting a key`, EXIT.usage);
    }
    const pair = generateKeyPairSync('ed25519');
    writeFileSync(out, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    writeFileSync(publicOut, publicKeyPem, { mode: 0o644 });
    if (values.json) return void console.log(JSON.stringify({ privateKeyFile: out, publicKeyFile: publicOut, publicKeyPem }));
    console.log(
      `${green('✓')} private key written to ${out} (keep it secret)\n` +
        `${green('✓')} public key written to ${publicOut}\n\nPublic key, for your administrator:\n\n${publicKeyPem}`,
    );
  },
};

/** anna.pem → anna.pub.pem; a name without .pem gets .pub.pem added. */
export function publicKeyFileFor(privateKeyFile: string): string {
  return `${privateKeyFile.replace(/\.pem$/i, '')}.pub.pem`;
}
