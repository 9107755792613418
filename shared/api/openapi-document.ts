/**
 * The OpenAPI document as GET /api/v1/openapi.json serves it.
 *
 * The document is made at build time by its generator (with zod's JSON Schema converter, the
 * response schemas and the signed example), which would add about 40 KB to every cold start of
 * the ingest function for a request that is almost never made. The Lambda bundle gets it as a
 * define, without its indentation, brotli-compressed and base64-encoded (about 10 KB, 1 KB less
 * than indented), and esbuild drops the other branch; the indentation is put back on the first
 * request, byte for byte, since the generator wrote it with JSON.stringify(…, null, 2).
 * Run from source (tsx: tests, the local runtime), nothing is defined and the committed
 * docs/openapi.json is served, which a test keeps equal to the generator's output.
 */
import { readFile } from 'node:fs/promises';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/** Replaced by esbuild's `define` in the Lambda bundles; absent (undefined) when run from source. */
declare const OPENAPI_DOCUMENT: string | undefined;

/** The name the bundling defines. */
export const OPENAPI_DOCUMENT_DEFINE = 'OPENAPI_DOCUMENT';

/** The document as a JavaScript string literal for esbuild's `define`. */
export function openApiDocumentDefinition(document: string): string {
  const compressed = brotliCompressSync(JSON.stringify(JSON.parse(document)), {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
  });
  return JSON.stringify(compressed.toString('base64'));
}

let decoded: string | undefined;

export async function openApiDocument(): Promise<string> {
  // An if/else on the defined constant (not an early return): esbuild removes a dead branch,
  // and the import in it, only in this form.
  if (typeof OPENAPI_DOCUMENT === 'string') {
    decoded ??= `${JSON.stringify(JSON.parse(brotliDecompressSync(Buffer.from(OPENAPI_DOCUMENT, 'base64')).toString('utf8')), null, 2)}\n`;
    return decoded;
  } else {
    decoded ??= await readFile(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
    return decoded;
  }
}
