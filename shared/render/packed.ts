/**
 * Static text the renderers hold (labels, column meanings, the pages' stylesheet) as the Lambda
 * bundles carry it: JSON, brotli at its best, base64, given to esbuild as a `define` at build
 * time. A bundle's size is read and compiled on every cold start; packed, this text is about a
 * third of its size as literals, and decoding it costs a fraction of a millisecond, once.
 *
 * Each module declares its constant, checks `typeof NAME === 'string'` in a ternary (esbuild folds
 * it and drops the unused literals) and exports the packer that the bundling calls. Run from
 * source (tsx: tests, the local runtime), nothing is defined and the literals are used as written.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

export function packJson(value: unknown): string {
  const json = Buffer.from(JSON.stringify(value));
  return brotliCompressSync(json, {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: json.length },
  }).toString('base64');
}

export function unpackJson<T>(packed: string): T {
  return JSON.parse(brotliDecompressSync(Buffer.from(packed, 'base64')).toString('utf8')) as T;
}
