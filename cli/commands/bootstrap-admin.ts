/**
 * `mandat bootstrap-admin`: registers the first admin key of a fresh deployment. There is no
 * signed request to make yet (no key is registered), so the public key is written straight
 * into the table with the operator's own AWS credentials; after that, admins use the API.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { SigningKey } from '#shared/domain/model';
import { createDynamoClient } from '#shared/store/dynamo/client';
import { DynamoPlanRepository } from '#shared/store/dynamo/repository';
import { type Command, parse, requireOption } from '../command.ts';
import { CliError, dim, EXIT, green } from '../output.ts';

const help = `Usage: mandat bootstrap-admin --key FILE --owner NAME (--table NAME | --outputs FILE) [options]

Registers an admin key directly in the deployed DynamoDB table, using your AWS credentials
(the usual AWS_PROFILE / AWS_ACCESS_KEY_ID … chain; they need dynamodb:GetItem and PutItem on
the table). Only the public key is stored; a private key file is read only to derive it.

Options:
  --key FILE        ed25519 key in PEM: the public key that "mandat keygen" printed, or the
                    private key file it wrote (keyid = file name without .pem)
  --key-id ID       keyid, when it differs from the file name
  --owner NAME      who holds the key, e.g. "Oficina de Transparència"
  --contact EMAIL   how to reach the holder
  --table NAME      the table (stack output TableName)
  --outputs FILE    read TableName and Region from "cdk deploy --outputs-file FILE"
  --stack NAME      which stack in that file (needed when it holds several)
  --region REGION   AWS region (default: the outputs' Region, else $AWS_REGION)
  --replace         overwrite a key already registered under this keyid
  --json            print the stored key as JSON

Example:
  mandat keygen --out ~/.mandat/admin.pem
  npx cdk deploy --all -c stage=prod --outputs-file cdk-outputs.json
  mandat bootstrap-admin --key ~/.mandat/admin.pem --owner "Oficina de Transparència" \\
    --outputs cdk-outputs.json`;

interface Target {
  table: string;
  region?: string;
}

function readOutputs(file: string, stack: string | undefined): Target {
  let parsed: Record<string, Record<string, string>>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch (error) {
    throw new CliError(`cannot read the outputs file ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  const stacks = Object.keys(parsed).filter((name) => parsed[name]?.TableName);
  const chosen = stack ?? (stacks.length === 1 ? stacks[0] : undefined);
  if (!chosen) {
    throw new CliError(
      stacks.length === 0
        ? `${file} has no stack with a TableName output`
        : `${file} holds several stacks (${stacks.join(', ')}): choose one with --stack`,
      EXIT.usage,
    );
  }
  const outputs = parsed[chosen];
  if (!outputs?.TableName) throw new CliError(`${file} has no TableName output for stack ${chosen}`, EXIT.usage);
  return { table: outputs.TableName, region: outputs.Region };
}

/** The public half of an ed25519 key, whichever half the file holds. */
function publicKeyFrom(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the key file ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new CliError(`${file} is not a PEM key: ${(error as Error).message}`, EXIT.usage);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CliError(`${file} is a ${key.asymmetricKeyType} key; signing keys are ed25519 (see "mandat keygen")`, EXIT.usage);
  }
  return key;
}

export const bootstrapAdmin: Command = {
  name: 'bootstrap-admin',
  summary: 'register the first admin key in a deployed table (AWS credentials)',
  help,
  async run(argv) {
    const { values } = parse(
      argv,
      {
        key: { type: 'string' },
        'key-id': { type: 'string' },
        owner: { type: 'string' },
        contact: { type: 'string' },
        table: { type: 'string' },
        outputs: { type: 'string' },
        stack: { type: 'string' },
        region: { type: 'string' },
        replace: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      help,
    );
    if (values.help) return void console.log(help);
    const keyFile = requireOption(values.key, 'key', help);
    const owner = requireOption(values.owner, 'owner', help);
    if (values.table && values.outputs) throw new CliError(`give --table or --outputs, not both\n\n${help}`, EXIT.usage);
    const target: Target = values.outputs
      ? readOutputs(values.outputs, values.stack)
      : { table: requireOption(values.table, 'table (or --outputs)', help) };
    const region = values.region ?? target.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region)
      throw new CliError(`no region: pass --region, or --outputs with a Region output, or set AWS_REGION\n\n${help}`, EXIT.usage);

    const publicKeyPem = publicKeyFrom(keyFile).export({ type: 'spki', format: 'pem' }).toString();
    const keyId = values['key-id'] ?? basename(keyFile).replace(/(\.pub)?\.pem$/, '');
    // DYNAMODB_ENDPOINT points the command at DynamoDB Local, as it does the handlers.
    const client = createDynamoClient({ region, dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT || undefined });
    const repository = new DynamoPlanRepository(client, target.table);
    const key: SigningKey = {
      keyId,
      algorithm: 'ed25519',
      publicKeyPem,
      owner,
      ...(values.contact ? { contact: values.contact } : {}),
      role: 'admin',
      // An admin key without scopes may define plans and update any commitment.
      scopes: [],
      active: true,
      createdAt: new Date().toISOString(),
    };
    try {
      const existing = await repository.getKey(keyId);
      if (existing && !values.replace) {
        throw new CliError(
          `a key "${keyId}" (${existing.role}, ${existing.owner}) is already registered in ${target.table}; use --replace to overwrite it, or --key-id`,
          EXIT.rejected,
        );
      }
      await repository.putKey(key);
    } catch (error) {
      if (error instanceof CliError) throw error;
      const name = (error as Error).name;
      if (name === 'ResourceNotFoundException') throw new CliError(`table ${target.table} not found in ${region}`, EXIT.failure);
      throw new CliError(`could not write to ${target.table} in ${region}: ${name}: ${(error as Error).message}`, EXIT.failure);
    } finally {
      client.destroy();
    }
    if (values.json) return void console.log(JSON.stringify(key, null, 2));
    console.log(`${green('✓')} admin key "${keyId}" registered in ${target.table} (${region})`);
    console.log(dim(`  sign with: mandat post --key <private key file> --key-id ${keyId} --api <ApiUrl output> …`));
  },
};
