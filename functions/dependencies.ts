/**
 * Dependencies shared by the handlers, built once per Lambda execution environment (at first
 * use, so a configuration error surfaces in the first invocation's log with its name).
 *
 * Only what both functions use is here: the S3 artifact store is the publish function's own,
 * so the ingest bundle never imports the S3 SDK.
 */

import { type Config, loadConfig } from '#shared/config/config';
import { createDynamoClient } from '#shared/store/dynamo/client';
import { DynamoPlanRepository } from '#shared/store/dynamo/repository';

export interface FunctionDependencies {
  config: Config;
  repository: DynamoPlanRepository;
}

let built: FunctionDependencies | undefined;

export function functionDependencies(): FunctionDependencies {
  if (!built) {
    const config = loadConfig();
    built = { config, repository: new DynamoPlanRepository(createDynamoClient(config), config.tableName) };
  }
  return built;
}

/** Tests and the local runtime point the same process at fresh emulators. */
export function resetFunctionDependencies(): void {
  built = undefined;
}
