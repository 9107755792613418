/**
 * The committed OpenAPI document cannot drift: it must equal what the code generates, be a
 * valid OpenAPI 3.1 document, and its worked signing example must be accepted by the API.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderApiGuideExample } from '#scripts/openapi/api-guide';
import { buildOpenApiDocument, openApiJson, RFC9421_TEST_KEY_JWK, signingExample } from '#scripts/openapi/document';
import { DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { updateRequestSchema } from '#shared/domain/model';
import { createTestEnvironment, type TestEnvironment } from '#tests/support/environment';
import { ContractValidator } from '#tests/support/openapi-contract';

const ROOT = new URL('../..', import.meta.url).pathname;
const committed = readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8');
const example = signingExample();

describe('docs/openapi.json', () => {
  it('is exactly what the code generates (run `npm run openapi` after changing a schema or a route)', () => {
    expect(committed).toBe(openApiJson());
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(committed));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes the update body exactly as the handler validates it', () => {
    const contract = new ContractValidator(buildOpenApiDocument());
    const schema = { $ref: '#/components/schemas/UpdateRequest' };
    const samples: unknown[] = [
      JSON.parse(example.body),
      {
        status: 'on_track',
        observations: '',
        links: [{ title: 'Acta', url: 'https://example.org/a.pdf' }],
        progress: 100,
        reportedAt: '2025-06-01T10:00:00+02:00',
      },
      { status: 'on_track' },
      { status: 'On Track', observations: 'x' },
      { status: 'on_track', observations: 'x', progress: 101 },
      { status: 'on_track', observations: 'x', links: [{ title: 'x', url: 'ftp://example.org/' }] },
      { status: 'on_track', observations: 'x', reportedAt: 'yesterday' },
      { status: 'on_track', observations: 'x', surprise: true },
    ];
    for (const sample of samples) {
      const zodAccepts = updateRequestSchema.safeParse(sample).success;
      expect(contract.validateSchema(schema, sample).length === 0, JSON.stringify(sample)).toBe(zodAccepts);
    }
  });

  it('keeps the worked example in docs/API.md current', () => {
    const guide = readFileSync(join(ROOT, 'docs/API.md'), 'utf8');
    expect(renderApiGuideExample(guide)).toBe(guide);
    expect(guide).toContain(example.headers.signature!);
  });
});

describe('the worked signing example', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    // The server's clock at the example's `created`, and demo-official holding the RFC 9421 test key.
    env = await createTestEnvironment({ now: () => new Date(example.created * 1000) });
    await env.seedDemo();
    await env.repository.putKey({
      keyId: example.keyId,
      algorithm: 'ed25519',
      publicKeyPem: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: RFC9421_TEST_KEY_JWK.x }, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString(),
      owner: 'RFC 9421 test key',
      role: 'official',
      scopes: [{ planId: DEMO_PLAN_ID }],
      active: true,
      createdAt: new Date(0).toISOString(),
    });
  });
  afterAll(() => env.destroy());

  it('is accepted by the API exactly as printed in the document', async () => {
    const url = new URL(example.url);
    const response = await env.api({
      method: example.method,
      path: url.pathname,
      query: '',
      headers: { host: url.host, ...example.headers },
      body: Buffer.from(example.body, 'utf8'),
    });
    expect(response.status, response.body).toBe(201);
    expect(JSON.parse(response.body).commitment.status).toBe('delayed');
  });
});
