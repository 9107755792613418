/** A signing HTTP client for the API: every request carries Content-Digest and an RFC 9421 signature. */

import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { signRequest } from '#shared/signing/http-signature';
import { loadPrivateKey } from '#shared/signing/key-material';
import { CliError, EXIT } from './output.ts';

export interface SignedClientOptions {
  api: string;
  keyPath: string;
  keyId?: string;
  /** Per attempt. */
  timeoutMs?: number;
}

/** No answer at all: the request may or may not have been processed. */
export class NetworkError extends CliError {
  constructor(message: string) {
    super(message, EXIT.failure);
  }
}

/**
 * What the signature covers: the defaults of signRequest, plus `idempotency-key` when sent
 * (the server requires it covered, so a replayed request cannot be given another key).
 */
function coveredComponents(url: string, headers: Record<string, string>, hasBody: boolean): string[] {
  const names = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  return [
    '@method',
    '@authority',
    '@path',
    ...(new URL(url).search ? ['@query'] : []),
    ...(names.has('content-type') ? ['content-type'] : []),
    ...(hasBody ? ['content-digest'] : []),
    ...(names.has('idempotency-key') ? ['idempotency-key'] : []),
  ];
}

export interface ApiResult {
  status: number;
  headers: Headers;
  body: unknown;
}

export class SignedClient {
  readonly keyId: string;
  private readonly privateKey: KeyObject;
  readonly api: string;
  readonly timeoutMs: number;

  constructor(options: SignedClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    let pem: string;
    try {
      pem = readFileSync(options.keyPath, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read the key file ${options.keyPath}: ${(error as Error).message}`, EXIT.usage);
    }
    try {
      this.privateKey = loadPrivateKey(pem);
    } catch (error) {
      throw new CliError(`${options.keyPath} is not an ed25519 private key in PEM: ${(error as Error).message}`, EXIT.usage);
    }
    this.keyId = options.keyId ?? basename(options.keyPath).replace(/\.pem$/, '');
    this.api = options.api.replace(/(?<!\/)\/+$/, '');
  }

  /** Signs afresh on every call: a retry gets a new nonce and a current `created`. */
  async request(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<ApiResult> {
    const url = `${this.api}${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const requestHeaders = { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...extraHeaders };
    const headers = signRequest(
      { method, url, headers: requestHeaders, body: payload },
      { keyId: this.keyId, privateKey: this.privateKey, components: coveredComponents(url, requestHeaders, payload !== undefined) },
    );
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: payload, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new NetworkError(`could not reach ${this.api}${cause ? ` (${cause})` : ''}: is the API running?`);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}

interface Problem {
  title?: string;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

/** Turns a non-2xx answer into a CliError that shows the RFC 9457 problem to a person. */
export function ensureOk(result: ApiResult): ApiResult {
  if (result.status < 400) return result;
  const problem = (typeof result.body === 'object' && result.body ? result.body : {}) as Problem;
  const lines = [`${result.status} ${problem.title ?? ''}: ${problem.detail ?? String(result.body)}`.trim()];
  for (const error of problem.errors ?? []) lines.push(`  - ${error.path}: ${error.message}`);
  throw new CliError(lines.join('\n'), result.status >= 500 ? EXIT.failure : EXIT.rejected, result.body);
}
