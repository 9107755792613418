/**
 * DynamoDB stream batch → regenerate each touched plan once, under the plan's publish lease
 * (shared/publish-coordinator.ts). A plan that fails reports its records as batch item
 * failures, so Lambda retries from there and nothing is skipped.
 */
import { publishPlan } from '#shared/publish';
import { leaseOptionsFromEnv, PublishCoordinator } from '#shared/publish-coordinator';
import { getRuntime } from '../runtime.ts';
import { createStreamPublishHandler } from './stream-batch.ts';

export { plansInBatch } from './stream-batch.ts';

export const handler = createStreamPublishHandler(() => {
  const { config, repository, store } = getRuntime();
  return {
    coordinator: new PublishCoordinator({ repository, store, ...leaseOptionsFromEnv(), log: (entry) => console.log(JSON.stringify({ level: 'INFO', ...entry })) }),
    publish: (planId, context) => publishPlan(planId, { repository, store: context.store, baseUrl: config.publicBaseUrl }),
  };
});
