/**
 * First start: the demo plan (from the seed report page) and two ed25519 keys whose private
 * halves are written as PKCS#8 PEM under $DATA_DIR/keys/ and never leave this machine.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommitment, definePlan } from '#shared/api/definitions';
import { DEMO_COMMITMENT, DEMO_COMMITMENT_ID, DEMO_PLAN, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import type { Role, Scope } from '#shared/domain/model';
import type { PlanRepository } from '#shared/store/ports';

export interface DemoKey {
  keyId: string;
  path: string;
}

export async function registerNewKey(
  repository: PlanRepository,
  keysDir: string,
  key: { keyId: string; owner: string; role: Role; scopes: Scope[] },
): Promise<DemoKey> {
  const path = join(keysDir, `${key.keyId}.pem`);
  const existing = await repository.getKey(key.keyId);
  if (existing && existsSync(path)) return { keyId: key.keyId, path };
  const pair = generateKeyPairSync('ed25519');
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  writeFileSync(path, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await repository.putKey({
    keyId: key.keyId,
    algorithm: 'ed25519',
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    owner: key.owner,
    role: key.role,
    scopes: key.scopes,
    active: true,
    createdAt: new Date().toISOString(),
  });
  return { keyId: key.keyId, path };
}

export async function seedDemo(repository: PlanRepository, keysDir: string): Promise<{ seeded: boolean; keys: DemoKey[] }> {
  const now = new Date();
  const seeded = !(await repository.getPlan(DEMO_PLAN_ID));
  if (seeded) {
    await definePlan(repository, DEMO_PLAN_ID, DEMO_PLAN, { now });
    await defineCommitment(repository, DEMO_PLAN_ID, DEMO_COMMITMENT_ID, DEMO_COMMITMENT, { now });
  }
  const keys = [
    await registerNewKey(repository, keysDir, {
      keyId: 'demo-official',
      owner: 'Demo official, Àrea de Desenvolupament Econòmic, Indústria i Ocupació',
      role: 'official',
      scopes: [{ planId: DEMO_PLAN_ID }],
    }),
    await registerNewKey(repository, keysDir, { keyId: 'demo-admin', owner: 'Demo administrator', role: 'admin', scopes: [] }),
  ];
  return { seeded, keys };
}
