/**
 * Dependencies shared by the handlers, built once per Lambda execution environment (at first
 * use, so a configuration error surfaces in the first invocation's log with its name).
 *
 * Only what both functions use is here: each function builds its own storage adapters from
 * the client, so the ingest bundle never imports the S3 SDK and the publish bundle carries no
 * write path of the table.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Config, loadConfig } from '#shared/config/config';
import { createDynamoClient } from '#shared/store/dynamo/client';

export interface FunctionDependencies {
  config: Config;
  dynamo: DynamoDBDocumentClient;
}

let built: FunctionDependencies | undefined;

export function functionDependencies(): FunctionDependencies {
  if (!built) {
    const config = loadConfig();
    built = { config, dynamo: createDynamoClient(config) };
  }
  return built;
}

/** Tests and the local runtime point the same process at fresh emulators. */
export function resetFunctionDependencies(): void {
  built = undefined;
}
