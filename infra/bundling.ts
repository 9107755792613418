/**
 * How the Lambda functions are built, in one place: the stack's NodejsFunctions use these
 * settings, and the bundle test synthesizes that same stack and runs what it produced.
 */
import { type BundlingOptions, Charset, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { openApiJson } from '#scripts/openapi/document';
import { OPENAPI_DOCUMENT_ASSET, OPENAPI_DOCUMENT_DEFINE, openApiDocumentAsset } from '#shared/api/openapi-document';
import { packedTextDefines } from '#shared/render/packed-defines';

/** Entry files, relative to the repository root. */
export const FUNCTION_ENTRIES = {
  ingest: 'functions/ingest/handler.ts',
  publish: 'functions/publish/handler.ts',
} as const;

export type FunctionName = keyof typeof FUNCTION_ENTRIES;

export const FUNCTION_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  // The runtime is nodejs24.x; esbuild's target follows it so no syntax is down-levelled.
  target: 'node24',
  // ESM builds of dependencies first (zod ships both).
  mainFields: ['module', 'main'],
  minify: true,
  // Accented labels as UTF-8 (2 bytes) rather than \xNN escapes (4): the file is read as UTF-8 anyway.
  charset: Charset.UTF8,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  // Stack traces need the mappings, not the sources: keeps the .map file small.
  sourcesContent: false,
  // The nodejs24.x runtime ships AWS SDK v3; bundling it would only add cold-start weight.
  externalModules: ['@aws-sdk/*'],
  bundleAwsSDK: false,
  // The OpenAPI document, made now instead of bundling its generator, goes beside the bundle.
  // The renderers' labels, column meanings and stylesheet, packed: a third of their size as literals.
  define: { [OPENAPI_DOCUMENT_DEFINE]: JSON.stringify(OPENAPI_DOCUMENT_ASSET), ...packedTextDefines() },
  // Licence comments go to index.mjs.LEGAL.txt beside the bundle instead of its end (today only
  // Powertools' coverage hints, which esbuild keeps for their @preserve): nothing to read at init.
  esbuildArgs: { '--legal-comments': 'external' },
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => [openApiAssetCommand(outputDir)],
  },
};

/**
 * A shell command that writes the compressed document into the package: a command, not a write
 * from here, so that it also runs where the bundling does (a container when esbuild is not installed).
 */
function openApiAssetCommand(outputDir: string): string {
  const base64 = openApiDocumentAsset(openApiJson()).toString('base64');
  const script = "require('node:fs').writeFileSync(process.argv[1], Buffer.from(process.argv[2], 'base64'))";
  return `node -e "${script}" "${outputDir}/${OPENAPI_DOCUMENT_ASSET}" "${base64}"`;
}

/** The file name NodejsFunction gives an ESM bundle inside its asset directory. */
export const BUNDLE_FILE = FUNCTION_BUNDLING.format === OutputFormat.ESM ? 'index.mjs' : 'index.js';
