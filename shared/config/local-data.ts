/**
 * The local runtime's data folder ($DATA_DIR): where the emulators keep their data, the demo keys,
 * and the records the local stream poller gave up on. Shared by the runtime that writes these and
 * the operator commands that read them.
 */
import { join } from 'node:path';

export const DATA_DIR_LAYOUT = {
  dynamodb: (dataDir: string) => join(dataDir, 'dynamodb'),
  s3: (dataDir: string) => join(dataDir, 's3'),
  keys: (dataDir: string) => join(dataDir, 'keys'),
  deadLetter: (dataDir: string) => join(dataDir, 'dead-letter'),
  /** The AES-256-GCM key that seals hmac keys' shared secrets locally (KMS's part on AWS). */
  secretsMasterKey: (dataDir: string) => join(dataDir, 'secrets', 'master.key'),
};

export const DEAD_LETTER_FILE = 'records.jsonl';

/** One line of the dead-letter file. */
export interface DeadLetter {
  deadLetteredAt: string;
  reason: string;
  attempts: number;
  /** The DynamoDB stream record, as the Lambda event carries it. */
  record: unknown;
}
