/**
 * `mandat keys add|list|revoke`: an admin manages signing keys through the signed API.
 * `keys add --direct` writes the first admin key straight into the table with the operator's
 * AWS credentials, for a deployment that has no admin key yet.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ensureOk, SignedClient } from '../client.ts';
import { type Command, DEFAULT_API_HELP, defaultApi, parse, requireOption } from '../command.ts';
import { bold, CliError, dim, EXIT, green, yellow } from '../output.ts';

const help = `Usage:
  mandat keys add KEY_ID --public-key FILE --owner NAME --role official|admin [scopes] --key ADMIN.pem
  mandat keys add KEY_ID --algorithm hmac-sha256 --secret-out FILE --owner NAME ... --key ADMIN.pem
  mandat keys list --key ADMIN.pem [--json]
  mandat keys revoke KEY_ID --key ADMIN.pem

Registers, lists and revokes the keys that may sign requests. Every command is a signed
request by an admin key (--key): one without scopes manages every key, one scoped to plans
manages the official keys within its plans. Revocation takes effect on the next request.
Only public keys are sent: make a key pair with "mandat keygen" and register its public half.

Options for add:
  --public-key FILE      the new key's public key (SPKI PEM, as printed by mandat keygen; - for stdin)
  --algorithm ALG        ed25519 (default) or hmac-sha256 (the server makes a shared secret)
  --secret-out FILE      hmac-sha256: where to write the shared secret (mode 600); it is shown only once
  --owner NAME           who holds the key (a person or a system)
  --contact TEXT         how to reach the owner (e-mail, phone)
  --role ROLE            official (posts updates within its scopes) or admin
  --plan ID              a plan the key may act on (repeat for several)
  --area SLUG            limit the scope to these areas of the plan(s) (repeat)
  --commitment ID        limit the scope to these commitments of the plan(s) (repeat)
  --scopes-json JSON     scopes as JSON, e.g. '[{"planId":"p","areas":["a"]},{"planId":"q"}]'
  --direct               bootstrap: write the key straight into the table named by $TABLE_NAME
                         (with $DYNAMODB_ENDPOINT if set) using AWS credentials, no API call
Common options:
  --key FILE             the admin's ed25519 private key; keyid = file name without .pem
  --key-id ID            the admin's keyid, when it differs from the file name
  --api URL              API base URL (default ${DEFAULT_API_HELP})
  --json                 print the server's JSON answer

Examples:
  mandat keygen --out anna.pem          # on Anna's machine; she sends you the public key
  mandat keys add anna-garcia --public-key anna.pub.pem --owner "Anna Garcia" \\
    --contact anna@example.org --role official --plan terrassa-2015-2019 \\
    --area desenvolupament-economic-industria-i-ocupacio --key admin.pem
  mandat keys list --key admin.pem
  mandat keys revoke anna-garcia --key admin.pem`;

const options = {
  'public-key': { type: 'string' },
  algorithm: { type: 'string' },
  'secret-out': { type: 'string' },
  owner: { type: 'string' },
  contact: { type: 'string' },
  role: { type: 'string' },
  plan: { type: 'string', multiple: true },
  area: { type: 'string', multiple: true },
  commitment: { type: 'string', multiple: true },
  'scopes-json': { type: 'string' },
  direct: { type: 'boolean' },
  key: { type: 'string' },
  'key-id': { type: 'string' },
  api: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse<typeof options>>['values'];

interface KeyView {
  keyId: string;
  algorithm: string;
  owner: string;
  contact?: string;
  role: string;
  scopes: Array<{ planId: string; areas?: string[]; commitments?: string[] }>;
  active: boolean;
  createdAt: string;
  revokedAt?: string;
}

function client(values: Values): SignedClient {
  return new SignedClient({ api: values.api ?? defaultApi(), keyPath: requireOption(values.key, 'key', help), keyId: values['key-id'] });
}

function scopesFrom(values: Values): unknown[] {
  if (values['scopes-json'] !== undefined) {
    if (values.plan || values.area || values.commitment)
      throw new CliError('--scopes-json cannot be combined with --plan, --area or --commitment', EXIT.usage);
    try {
      const scopes = JSON.parse(values['scopes-json']) as unknown;
      if (!Array.isArray(scopes)) throw new Error('not an array');
      return scopes;
    } catch (error) {
      throw new CliError(`--scopes-json is not a JSON array of scopes: ${(error as Error).message}`, EXIT.usage);
    }
  }
  if ((values.area || values.commitment) && !values.plan) throw new CliError('--area and --commitment need --plan', EXIT.usage);
  return (values.plan ?? []).map((planId) => ({
    planId,
    ...(values.area ? { areas: values.area } : {}),
    ...(values.commitment ? { commitments: values.commitment } : {}),
  }));
}

export function describeScopes(scopes: KeyView['scopes'], role: string): string {
  if (scopes.length === 0) return role === 'admin' ? 'everything' : 'nothing';
  return scopes
    .map(
      (s) =>
        s.planId + (s.areas ? ` (areas ${s.areas.join(', ')})` : '') + (s.commitments ? ` (commitments ${s.commitments.join(', ')})` : ''),
    )
    .join('; ');
}

async function add(keyId: string, values: Values): Promise<void> {
  const algorithm = values.algorithm ?? 'ed25519';
  if (algorithm !== 'ed25519' && algorithm !== 'hmac-sha256')
    throw new CliError(`--algorithm must be ed25519 or hmac-sha256, not "${algorithm}"`, EXIT.usage);
  const registration: Record<string, unknown> = {
    keyId,
    algorithm,
    owner: requireOption(values.owner, 'owner', help),
    role: requireOption(values.role, 'role', help),
    scopes: scopesFrom(values),
  };
  if (values.contact) registration.contact = values.contact;
  if (algorithm === 'ed25519') {
    const file = requireOption(values['public-key'], 'public-key', help);
    try {
      registration.publicKeyPem = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
    }
    if (/PRIVATE KEY/.test(registration.publicKeyPem as string)) {
      throw new CliError(
        `${file} holds a private key. Register only the public key (mandat keygen prints it); the private key never leaves its owner.`,
        EXIT.usage,
      );
    }
  } else {
    const out = requireOption(values['secret-out'], 'secret-out', help);
    if (existsSync(out)) throw new CliError(`${out} already exists; not overwriting a secret`, EXIT.usage);
    if (values.direct) throw new CliError('--direct registers ed25519 keys only', EXIT.usage);
  }

  if (values.direct) return addDirect(registration, values);

  const result = ensureOk(await client(values).request('POST', '/api/v1/keys', registration));
  const answer = result.body as { key: KeyView; sharedSecret?: string };
  if (answer.sharedSecret) writeFileSync(values['secret-out']!, answer.sharedSecret + '\n', { mode: 0o600 });
  if (values.json)
    return void console.log(
      JSON.stringify({ key: answer.key, ...(answer.sharedSecret ? { secretFile: values['secret-out'] } : {}) }, null, 2),
    );
  console.log(
    `${green('✓')} key ${bold(answer.key.keyId)} registered: ${answer.key.role} for ${describeScopes(answer.key.scopes, answer.key.role)}`,
  );
  if (answer.sharedSecret)
    console.log(yellow(`  shared secret written to ${values['secret-out']}: hand it over securely; it cannot be shown again`));
}

/** Bootstrap: the operator's AWS credentials write the record; validation is the API's own. */
async function addDirect(registration: Record<string, unknown>, values: Values): Promise<void> {
  const [{ keyRegistrationSchema }, { canonicalPublicKeyPem }, { createDynamoClient }, { DynamoPlanRepository }, { ConflictError }] =
    await Promise.all([
      import('#shared/domain/model'),
      import('#shared/signing/key-material'),
      import('#shared/store/dynamo/client'),
      import('#shared/store/dynamo/repository'),
      import('#shared/store/conflicts'),
    ]);
  const parsed = keyRegistrationSchema.safeParse(registration);
  if (!parsed.success)
    throw new CliError(parsed.error.issues.map((i) => `${i.path.join('/') || '/'}: ${i.message}`).join('\n'), EXIT.usage);
  let publicKeyPem: string;
  try {
    publicKeyPem = canonicalPublicKeyPem(parsed.data.publicKeyPem!);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new CliError('--direct needs $TABLE_NAME (and AWS credentials; $DYNAMODB_ENDPOINT for DynamoDB Local)', EXIT.usage);
  const dynamo = createDynamoClient({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'eu-west-1',
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT || undefined,
  });
  const key = {
    keyId: parsed.data.keyId,
    algorithm: 'ed25519' as const,
    publicKeyPem,
    owner: parsed.data.owner,
    ...(parsed.data.contact ? { contact: parsed.data.contact } : {}),
    role: parsed.data.role,
    scopes: parsed.data.scopes,
    active: true,
    createdAt: new Date().toISOString(),
  };
  try {
    await new DynamoPlanRepository(dynamo, tableName).createKey(key);
  } catch (error) {
    if (error instanceof ConflictError) throw new CliError(`a key ${key.keyId} already exists in ${tableName}`, EXIT.rejected);
    throw new CliError(`could not write to ${tableName}: ${(error as Error).message}`, EXIT.failure);
  } finally {
    dynamo.destroy();
  }
  if (values.json) return void console.log(JSON.stringify({ key }, null, 2));
  console.log(
    `${green('✓')} key ${bold(key.keyId)} written to table ${tableName}: ${key.role} for ${describeScopes(key.scopes, key.role)}`,
  );
}

async function list(values: Values): Promise<void> {
  // The API answers a page at a time; an admin's listing is every page.
  const keys: KeyView[] = [];
  let cursor: string | undefined;
  do {
    const path = cursor === undefined ? '/api/v1/keys' : `/api/v1/keys?cursor=${encodeURIComponent(cursor)}`;
    const page = ensureOk(await client(values).request('GET', path)).body as { keys: KeyView[]; nextCursor?: string };
    keys.push(...page.keys);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  if (values.json) return void console.log(JSON.stringify(keys, null, 2));
  if (keys.length === 0) return void console.log('no keys');
  const rows = keys.map((k) => [
    k.keyId,
    k.active ? green('active') : dim(`revoked ${k.revokedAt?.slice(0, 10) ?? ''}`),
    k.role,
    k.algorithm,
    k.owner + (k.contact ? ` <${k.contact}>` : ''),
    describeScopes(k.scopes, k.role),
  ]);
  const header = ['KEY ID', 'STATE', 'ROLE', 'ALG', 'OWNER', 'SCOPES'];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI colour codes this table adds on a TTY.
  const visible = (s: string) => s.replace(/\u001b\[\d+m/g, '').length;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i]!))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c)))).join('  ');
  console.log(bold(line(header)));
  for (const row of rows) console.log(line(row));
}

async function revoke(keyId: string, values: Values): Promise<void> {
  const result = ensureOk(await client(values).request('POST', `/api/v1/keys/${encodeURIComponent(keyId)}/revoke`));
  const answer = result.body as { changed: boolean; key: KeyView };
  if (values.json) return void console.log(JSON.stringify(answer, null, 2));
  if (!answer.changed) return void console.log(`key ${bold(keyId)} was already revoked ${dim(`(${answer.key.revokedAt ?? ''})`)}`);
  console.log(`${green('✓')} key ${bold(keyId)} revoked: requests signed with it are refused from now on`);
}

export const keys: Command = {
  name: 'keys',
  summary: 'register, list and revoke signing keys (admin)',
  help,
  async run(argv) {
    const { values, positionals } = parse(argv, options, help);
    if (values.help) return void console.log(help);
    const [action, keyId, ...extra] = positionals;
    if (extra.length > 0) throw new CliError(`unexpected arguments: ${extra.join(' ')}\n\n${help}`, EXIT.usage);
    switch (action) {
      case 'add':
        return add(requireOption(keyId, 'KEY_ID (the new key id)', help), values);
      case 'list':
        return list(values);
      case 'revoke':
        return revoke(requireOption(keyId, 'KEY_ID (the key to revoke)', help), values);
      default:
        throw new CliError(`${action ? `unknown action "${action}"` : 'an action is needed'}: add, list or revoke\n\n${help}`, EXIT.usage);
    }
  },
};
