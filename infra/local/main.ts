/**
 * `npm start`: the product on this machine. PORT (default 3000) and DATA_DIR (default .data)
 * configure it; Ctrl-C stops everything it started.
 */
import { relative } from 'node:path';
import { DEMO_COMMITMENT_ID, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import { startLocalStack } from './local-stack.ts';

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.DATA_DIR ?? '.data';
const quiet = process.env.QUIET === '1';
const log = (message: string) => {
  if (!quiet) console.log(`[${new Date().toISOString().slice(11, 23)}] ${message}`);
};

// Whatever was started is stopped by startLocalStack on failure; the reason is all a person needs.
const stack = await startLocalStack({ dataDir, port, log, host: process.env.HOST }).catch((error: unknown) => {
  console.error(`npm start failed: ${(error as Error).message}`);
  process.exit(1);
});

const officialKey = stack.demoKeys.find((k) => k.keyId === 'demo-official');
const keyPath = officialKey ? relative(process.cwd(), officialKey.path) || officialKey.path : '<key.pem>';
console.log(`
Mandat Obert is running.

  API      ${stack.url}/api/v1/plans/${DEMO_PLAN_ID}/commitments/${DEMO_COMMITMENT_ID}
  Feeds    ${stack.url}/plans/${DEMO_PLAN_ID}/   (commitments.csv, commitments.json, feed.rss, …)
  Data     ${dataDir}/   (keys in ${dataDir}/keys/)

Post a signed update as the demo official:

  npx mandat post --api ${stack.url} --key ${keyPath} --plan ${DEMO_PLAN_ID} --commitment ${DEMO_COMMITMENT_ID} --status delayed --observations "Obres endarrerides per la licitació."

Ctrl-C stops it.`);
console.log('READY');

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping…`);
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
