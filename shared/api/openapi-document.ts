/**
 * The OpenAPI document as GET /api/v1/openapi.json serves it.
 *
 * The Lambda bundle gets the document made at build time: infra/bundling.ts defines
 * OPENAPI_DOCUMENT as the generator's output, brotli-compressed and base64-encoded (about 9 KB),
 * and esbuild drops the branch that imports the generator. The generator itself (openapi.ts,
 * with zod's JSON Schema converter, the response schemas and the signed example) would add about
 * 40 KB to every cold start of the ingest function for a request that is almost never made.
 * Run from source (tsx: tests, the local runtime, scripts), nothing is defined and the generator
 * runs, so both paths serve the same bytes.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/** Replaced by esbuild's `define` in the Lambda bundles; absent (undefined) when run from source. */
declare const OPENAPI_DOCUMENT: string | undefined;

/** The name infra/bundling.ts defines. */
export const OPENAPI_DOCUMENT_DEFINE = 'OPENAPI_DOCUMENT';

/** The document as a JavaScript string literal for esbuild's `define`. */
export function openApiDocumentDefinition(document: string): string {
  const compressed = brotliCompressSync(document, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } });
  return JSON.stringify(compressed.toString('base64'));
}

let decoded: string | undefined;

export async function openApiDocument(): Promise<string> {
  // An if/else on the defined constant (not an early return): esbuild removes a dead branch,
  // and the import in it, only in this form.
  if (typeof OPENAPI_DOCUMENT === 'string') {
    decoded ??= brotliDecompressSync(Buffer.from(OPENAPI_DOCUMENT, 'base64')).toString('utf8');
    return decoded;
  } else {
    const { openApiJson } = await import('./openapi.ts');
    return openApiJson();
  }
}
