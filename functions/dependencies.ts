/**
 * Dependencies shared by the handlers, built once per Lambda execution environment (at first
 * use, so a configuration error surfaces in the first invocation's log with its name).
 *
 * Only what both functions use is here: each function builds its own storage adapters from
 * the client, so the ingest bundle never imports the S3 SDK and the publish bundle carries no
 * write path of the table.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PublishConfig } from '#shared/config/config';
import { createDynamoClient } from '#shared/store/dynamo/client';

export interface FunctionDependencies<C extends PublishConfig> {
  config: C;
  dynamo: DynamoDBDocumentClient;
}

/** Built per loader: each function reads only its own settings (publish bundles none of the API's). */
const built = new Map<unknown, FunctionDependencies<PublishConfig>>();

export function functionDependencies<C extends PublishConfig>(load: () => C): FunctionDependencies<C> {
  let found = built.get(load);
  if (!found) {
    const config = load();
    found = { config, dynamo: createDynamoClient(config) };
    built.set(load, found);
  }
  return found as FunctionDependencies<C>;
}

/** Tests and the local runtime point the same process at fresh emulators. */
export function resetFunctionDependencies(): void {
  built.clear();
}
