import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // DynamoDB Local and the S3 server start once for the whole run, on free ports.
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: files run in parallel in two workers, each with its own table and bucket.
    maxWorkers: 2,
    pool: 'forks',
    reporters: ['default', './tests/support/summary-reporter.ts'],
    // The functions' JSON log lines and EMF metrics would bury the test report; the test that
    // checks what they log (tests/integration/logging.test.ts) turns them back on for itself.
    // POWERTOOLS_LOG_LEVEL set in the shell (e.g. INFO) shows them again.
    env: process.env.POWERTOOLS_LOG_LEVEL ? {} : { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
