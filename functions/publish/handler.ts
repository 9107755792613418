/** DynamoDB stream batch → the touched plans' files regenerated: the dependencies, wired once per environment. */

import { loadPublishConfig } from '#shared/config/config';
import { leaseOptionsFromEnv, PublishCoordinator } from '#shared/publish/coordinator';
import { httpHubNotifier } from '#shared/publish/websub-http';
import { DynamoPublishReads } from '#shared/store/dynamo/sequencer';
import { S3ArtifactStore } from '#shared/store/s3/artifact-store';
import { createS3Client } from '#shared/store/s3/client';
import { functionDependencies } from '../dependencies.ts';
import { type BatchDependencies, createStreamPublishHandler } from './stream-batch.ts';

export { plansInBatch, publishBatch } from './stream-batch.ts';

let dependencies: BatchDependencies | undefined;
let builtFrom: ReturnType<typeof functionDependencies> | undefined;

export const handler = createStreamPublishHandler(() => {
  const shared = functionDependencies(loadPublishConfig);
  // Rebuilt when the shared ones are (tests and the local runtime reset them between emulators).
  if (!dependencies || builtFrom !== shared) {
    const { config, dynamo } = shared;
    // Reads, leases and the ordering of accepted updates: the publisher writes nothing else to the table.
    const repository = new DynamoPublishReads(dynamo, config.tableName);
    // Built here, not with the shared dependencies: only this function writes to S3.
    const store = new S3ArtifactStore(createS3Client(config), config.bucketName);
    dependencies = {
      repository,
      store,
      baseUrl: config.publicBaseUrl,
      // WEBSUB_HUBS: the feeds advertise these hubs and each publish round pings them.
      hubs: config.websubHubs,
      ...(config.websubHubs.length > 0 ? { notifier: httpHubNotifier } : {}),
      coordinator: new PublishCoordinator({ repository, store, ...leaseOptionsFromEnv() }),
    };
    builtFrom = shared;
  }
  return dependencies;
});
