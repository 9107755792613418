/** Signed status updates as an official's client sends them (the product's own RFC 9421 signer). */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { ApiRequest } from '#shared/api/api';
import type { Role, Scope } from '#shared/domain/model';
import { signRequest } from '#shared/signing/http-signature';
import type { PlanRepository } from '#shared/store/ports';

export interface BenchKey {
  keyId: string;
  privateKey: KeyObject;
}

export async function registerKey(repository: PlanRepository, keyId: string, role: Role, scopes: Scope[]): Promise<BenchKey> {
  const pair = generateKeyPairSync('ed25519');
  await repository.putKey({
    keyId,
    algorithm: 'ed25519',
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    owner: `bench ${keyId}`,
    role,
    scopes,
    active: true,
    createdAt: new Date().toISOString(),
  });
  return { keyId, privateKey: pair.privateKey };
}

export const updatePath = (planId: string, commitmentId: string) => `/api/v1/plans/${planId}/commitments/${commitmentId}/updates`;

let counter = 0;
/** A realistic body: Markdown observations with a list, one related link, progress. */
export function updateBody(status: string): {
  status: string;
  observations: string;
  links: Array<{ title: string; url: string }>;
  progress: number;
} {
  counter++;
  return {
    status,
    observations: `Seguiment del compromís (${counter}):\n\n- Licitació adjudicada\n- Obres iniciades al **barri**\n- Pròxima revisió a la comissió`,
    links: [{ title: 'Acta de la comissió', url: `https://example.org/actes/${counter}.pdf` }],
    progress: counter % 101,
  };
}

/** Signed headers and body for a POST to `url` (absolute). */
export function signedPost(key: BenchKey, url: string, body: unknown): { headers: Record<string, string>; payload: string } {
  const payload = JSON.stringify(body);
  const headers = signRequest(
    { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: payload },
    { keyId: key.keyId, privateKey: key.privateKey },
  );
  return { headers, payload };
}

/** The same request as the in-process API function receives it (no HTTP hop). */
export function signedApiRequest(key: BenchKey, baseUrl: string, path: string, body: unknown): ApiRequest {
  const url = new URL(path, baseUrl);
  const { headers, payload } = signedPost(key, url.href, body);
  return { method: 'POST', path: url.pathname, query: '', headers: { host: url.host, ...headers }, body: Buffer.from(payload, 'utf8') };
}

export const STATUSES = ['not_started', 'pending', 'delayed', 'on_track'] as const;
