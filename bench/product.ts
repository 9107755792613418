/**
 * Every place where the bench reaches into the product, in one file, so that a change in the
 * product (the feeds, the CDK bundling settings) is adapted here and nowhere else.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Charset, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { BuildOptions } from 'esbuild';
import type { LocalStack } from '#infra/local/local-stack';
import { openApiJson } from '#scripts/openapi/document';
import { OPENAPI_DOCUMENT_ASSET, openApiDocumentAsset } from '#shared/api/openapi-document';
import { FUNCTION_BUNDLING } from '../infra/bundling.ts';

export { PublishCoordinator } from '#shared/publish/coordinator';
export { type PublishDependencies, type PublishResult, publishPlan, SNAPSHOT_MAX_AGE } from '#shared/publish/publish';
export { publishChanges } from '#shared/publish/publish-changes';

/** The Lambda functions as deployed: name → entry point. */
export const FUNCTIONS = {
  ingest: 'functions/ingest/handler.ts',
  publish: 'functions/publish/handler.ts',
} as const;

/** The stack's own bundling settings (infra/bundling.ts), in esbuild's terms: what would be deployed. */
export function lambdaBundleOptions(): BuildOptions {
  return {
    platform: 'node',
    format: FUNCTION_BUNDLING.format === OutputFormat.ESM ? 'esm' : 'cjs',
    target: FUNCTION_BUNDLING.target,
    mainFields: FUNCTION_BUNDLING.mainFields,
    minify: FUNCTION_BUNDLING.minify,
    ...(FUNCTION_BUNDLING.charset === Charset.UTF8 ? { charset: 'utf8' as const } : {}),
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    define: FUNCTION_BUNDLING.define,
    ...(FUNCTION_BUNDLING.esbuildArgs?.['--legal-comments'] === 'external' ? { legalComments: 'external' as const } : {}),
    bundle: true,
    external: FUNCTION_BUNDLING.externalModules,
  };
}

export interface BuiltFunction {
  name: keyof typeof FUNCTIONS;
  file: string;
  bytes: number;
  sourceMapBytes: number;
  /** Packages left out of the bundle (the AWS SDK, which the Lambda runtime provides). */
  externals: string[];
  /** Bundled bytes by package or source folder, largest first. */
  composition: Array<{ source: string; bytes: number }>;
}

export async function buildFunctions(outdir: string, root: string): Promise<BuiltFunction[]> {
  const { build } = await import('esbuild');
  const built: BuiltFunction[] = [];
  for (const [name, entry] of Object.entries(FUNCTIONS) as Array<[keyof typeof FUNCTIONS, string]>) {
    const file = join(outdir, name, 'index.mjs');
    const result = await build({
      ...lambdaBundleOptions(),
      entryPoints: [join(root, entry)],
      outfile: file,
      logLevel: 'silent',
      absWorkingDir: root,
      metafile: true,
    });
    // What the stack's bundling puts beside the bundle (the OpenAPI document), put here too.
    writeFileSync(join(outdir, name, OPENAPI_DOCUMENT_ASSET), openApiDocumentAsset(openApiJson()));
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
    const bySource = new Map<string, number>();
    for (const [path, input] of Object.entries(output?.inputs ?? {})) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const source = pkg ? pkg[1]! : path.split('/').slice(0, 2).join('/');
      bySource.set(source, (bySource.get(source) ?? 0) + input.bytesInOutput);
    }
    built.push({
      name,
      file,
      bytes: statSync(file).size,
      sourceMapBytes: statSync(`${file}.map`).size,
      externals: [...new Set((output?.imports ?? []).filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path))].sort(),
      composition: [...bySource].map(([source, bytes]) => ({ source, bytes })).sort((a, b) => b.bytes - a.bytes),
    });
  }
  return built;
}

/** The files whose freshness is measured, as the issue names them. */
export const FRESHNESS_FILES = ['commitments.csv', 'feed.rss', 'feed.json'] as const;

export interface PublishObserver {
  started(event: DynamoDBStreamEvent): void;
  finished(event: DynamoDBStreamEvent, ms: number, failed: boolean): void;
}

/** Wraps the publish handler that the local stack's stream poller calls, to time each invocation. */
export function observePublishes(stack: LocalStack, observer: PublishObserver): void {
  stack.poller.wrapHandler((handler) => async (event) => {
    observer.started(event);
    const t0 = performance.now();
    let failed = true;
    try {
      const response = await handler(event);
      failed = (response?.batchItemFailures?.length ?? 0) > 0;
      return response;
    } finally {
      observer.finished(event, performance.now() - t0, failed);
    }
  });
}

/** Plans a stream batch touches, as the publish handler groups them (PK = PLAN#{planId}). */
export function plansIn(event: DynamoDBStreamEvent): Set<string> {
  const plans = new Set<string>();
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.PK?.S;
    if (pk?.startsWith('PLAN#')) plans.add(pk.slice('PLAN#'.length));
  }
  return plans;
}
