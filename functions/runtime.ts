/**
 * Dependencies shared by the handlers, built once per Lambda execution environment (at first
 * use, so a configuration error surfaces in the first invocation's log with its name).
 */
import { S3ArtifactStore } from '#shared/artifact-store';
import { createDynamoClient, createS3Client } from '#shared/clients';
import { type Config, loadConfig } from '#shared/config';
import { DynamoPlanRepository } from '#shared/dynamo-repository';

export interface Runtime {
  config: Config;
  repository: DynamoPlanRepository;
  store: S3ArtifactStore;
}

let runtime: Runtime | undefined;

export function getRuntime(): Runtime {
  if (!runtime) {
    const config = loadConfig();
    const dynamo = createDynamoClient(config);
    runtime = {
      config,
      repository: new DynamoPlanRepository(dynamo, config.tableName),
      store: new S3ArtifactStore(createS3Client(config), config.bucketName),
    };
  }
  return runtime;
}

/** Tests and the local runtime point the same process at fresh emulators. */
export function resetRuntime(): void {
  runtime = undefined;
}
