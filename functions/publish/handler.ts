/** DynamoDB stream batch → the touched plans' files regenerated (functions/publish/stream-batch.ts). */

import { leaseOptionsFromEnv, PublishCoordinator } from '#shared/publish/coordinator';
import { httpHubNotifier } from '#shared/publish/websub-http';
import { S3ArtifactStore } from '#shared/store/s3/artifact-store';
import { createS3Client } from '#shared/store/s3/client';
import { getRuntime } from '../runtime.ts';
import { type BatchDependencies, createStreamPublishHandler } from './stream-batch.ts';

export { plansInBatch, publishBatch } from './stream-batch.ts';

let dependencies: BatchDependencies | undefined;
let runtimeOfDependencies: ReturnType<typeof getRuntime> | undefined;

export const handler = createStreamPublishHandler(() => {
  const runtime = getRuntime();
  // Rebuilt when the runtime is (tests and the local runtime reset it between emulators).
  if (!dependencies || runtimeOfDependencies !== runtime) {
    const { config, repository } = runtime;
    // Built here, not in the shared runtime: only this function writes to S3.
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
    runtimeOfDependencies = runtime;
  }
  return dependencies;
});
