/**
 * The OpenAPI document as GET /api/v1/openapi.json serves it.
 *
 * The document is made at build time by its generator (with zod's JSON Schema converter, the
 * response schemas and the signed example), which would add about 40 KB to every cold start of
 * the ingest function for a request that is almost never made. Nor does the bundle carry the
 * document itself (11 KB even compressed, which the bundle's budget no longer had room for): the
 * Lambda package gets it as a file beside the bundle, without its indentation and
 * brotli-compressed (about 8 KB), read on the first request only; the bundle gets the file's name
 * as a define, and esbuild drops the other branch. The indentation is put back byte for byte,
 * since the generator wrote it with JSON.stringify(…, null, 2).
 * Run from source (tsx: tests, the local runtime), nothing is defined and the committed
 * docs/openapi.json is served, which a test keeps equal to the generator's output.
 */
import { readFile } from 'node:fs/promises';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/** Replaced by esbuild's `define` in the Lambda bundles (the file's name); absent (undefined) when run from source. */
declare const OPENAPI_DOCUMENT_FILE: string | undefined;

/** The name the bundling defines. */
export const OPENAPI_DOCUMENT_DEFINE = 'OPENAPI_DOCUMENT_FILE';

/** The compressed document's file name, beside the bundle in the function's package. */
export const OPENAPI_DOCUMENT_ASSET = 'openapi.json.br';

/** The document as the package carries it: compact JSON, brotli at its best. */
export function openApiDocumentAsset(document: string): Buffer {
  return brotliCompressSync(JSON.stringify(JSON.parse(document)), {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
  });
}

let decoded: string | undefined;

export async function openApiDocument(): Promise<string> {
  // An if/else on the defined constant (not an early return): esbuild removes a dead branch,
  // and the import in it, only in this form.
  if (typeof OPENAPI_DOCUMENT_FILE === 'string') {
    const compressed = await readFile(new URL(`./${OPENAPI_DOCUMENT_FILE}`, import.meta.url));
    decoded ??= `${JSON.stringify(JSON.parse(brotliDecompressSync(compressed).toString('utf8')), null, 2)}\n`;
    return decoded;
  } else {
    decoded ??= await readFile(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
    return decoded;
  }
}
