/** The local emulators keep to themselves: DynamoDB Local sends no telemetry and writes nothing where it runs. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { localCredentials } from '#shared/aws/client-options';
import { startDynamoDbLocal } from '../../infra/local/emulators.ts';

describe('DynamoDB Local', () => {
  it('runs with telemetry off: no installation id is written to its working directory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ddb-cwd-'));
    const dynamo = await startDynamoDbLocal({ cwd });
    try {
      const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-west-1', credentials: localCredentials(dynamo.endpoint) });
      // A request goes through, so the emulator is fully up (telemetry is set up at start).
      expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      client.destroy();
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      await dynamo.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
