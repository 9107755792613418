/**
 * Imported first by run.ts: the handlers' JSON log lines and EMF metrics go to stdout, where
 * they would drown the bench's table (and break --json). The bench measures them running,
 * not their output.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
