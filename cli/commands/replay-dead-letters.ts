/** `mandat replay-dead-letters`: publish again the changes in the stream records the local poller gave up on. */
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { DATA_DIR_LAYOUT, DEAD_LETTER_FILE, type DeadLetter } from '#shared/config/local-data';
import { publishChanges } from '#shared/publish/publish-changes';
import { changesInRecords } from '#shared/store/dynamo/stream-records';
import { PUBLISH_STREAM_SETTINGS } from '#shared/store/dynamo/stream-settings';
import { type Command, parse } from '../command.ts';
import { OPERATOR_HELP, OPERATOR_OPTIONS, type OperatorSession, openOperatorSession } from '../operator.ts';
import { bold, CliError, EXIT, green, progressBar, red } from '../output.ts';

const help = `Usage: mandat replay-dead-letters [--file FILE] [--json]

The local stream poller writes the records whose publishing failed more often than the event
source mapping retries (or that grew too old) to DATA_DIR/dead-letter/${DEAD_LETTER_FILE}. This
publishes their changes again, in order and in batches; records that fail again stay
in the file. Publishing reads the table, so replaying an old record publishes the plan's current
state, and a plan that was published since costs nothing.

On AWS the on-failure destination (SQS) holds only the position of the failed records in the
stream; "mandat republish --plan ID" is the repair there.

Options:
  --file FILE      the dead-letter file (default DATA_DIR/dead-letter/${DEAD_LETTER_FILE})
${OPERATOR_HELP}

Examples:
  mandat replay-dead-letters                      # the running "npm start" runtime's dead letters
  mandat replay-dead-letters --data-dir /srv/mandat/.data --json`;

export interface ReplayResult {
  file: string;
  records: number;
  replayed: number;
  failed: number;
  plans: string[];
}

/** A line of the file: the poller's envelope, or a bare Lambda record. */
function recordOf(line: string, lineNumber: number, file: string): DynamoDBRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new CliError(`${file}:${lineNumber} is not JSON: ${(error as Error).message}`, EXIT.usage);
  }
  const record = ((value as DeadLetter).record ?? value) as DynamoDBRecord;
  if (!record?.dynamodb) throw new CliError(`${file}:${lineNumber} is not a DynamoDB stream record`, EXIT.usage);
  return record;
}

export async function replayDeadLetters(
  file: string,
  runtime: Pick<OperatorSession, 'repository' | 'store' | 'coordinator' | 'config'>,
  onBatch?: (records: number) => void,
): Promise<ReplayResult> {
  const result: ReplayResult = { file, records: 0, replayed: 0, failed: 0, plans: [] };
  if (!existsSync(file)) return result;
  // Take the file away first: the poller may append new dead letters while we replay.
  const working = `${file}.replaying-${process.pid}`;
  renameSync(file, working);
  const lines = readFileSync(working, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const records = lines.map((line, index) => recordOf(line, index + 1, file));
  result.records = records.length;
  const failedLines: string[] = [];
  const plans = new Set<string>();
  try {
    for (let start = 0; start < records.length; start += PUBLISH_STREAM_SETTINGS.batchSize) {
      const batch = records.slice(start, start + PUBLISH_STREAM_SETTINGS.batchSize);
      const changes = changesInRecords(batch);
      for (const planId of changes.keys()) plans.add(planId);
      const outcome = await publishChanges(changes, {
        repository: runtime.repository,
        store: runtime.store,
        coordinator: runtime.coordinator,
        baseUrl: runtime.config.publicBaseUrl,
        hubs: runtime.config.websubHubs,
      });
      const failed = new Set(outcome.failedSequences);
      batch.forEach((record, index) => {
        if (failed.has(record.dynamodb?.SequenceNumber ?? '')) failedLines.push(lines[start + index]!);
      });
      onBatch?.(batch.length);
    }
  } catch (error) {
    // Nothing may be lost: what was not replayed goes back.
    appendFileSync(file, lines.join('\n') + '\n');
    rmSync(working, { force: true });
    throw error;
  }
  if (failedLines.length > 0) appendFileSync(file, failedLines.join('\n') + '\n');
  rmSync(working, { force: true });
  result.failed = failedLines.length;
  result.replayed = records.length - failedLines.length;
  result.plans = [...plans].sort();
  return result;
}

export const replayDeadLettersCommand: Command = {
  name: 'replay-dead-letters',
  summary: 'operator: publish again the changes in the local dead-letter file',
  help,
  async run(argv) {
    const { values } = parse(argv, { ...OPERATOR_OPTIONS, file: { type: 'string' } }, help);
    if (values.help) return void console.log(help);
    const runtime = openOperatorSession(values['data-dir']);
    const file = values.file ?? join(DATA_DIR_LAYOUT.deadLetter(runtime.env.DATA_DIR ?? '.data'), DEAD_LETTER_FILE);
    const lines = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.trim()).length
      : 0;
    const bar = values.json || lines === 0 ? undefined : progressBar(lines, 'replaying');
    let result: ReplayResult;
    try {
      result = await replayDeadLetters(file, runtime, (n) => bar?.tick(n));
    } finally {
      bar?.finish();
      runtime.close();
    }
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else if (result.records === 0) console.log(`${green('✓')} nothing to replay (${file} is empty or absent)`);
    else {
      console.log(
        `${green('✓')} replayed ${bold(String(result.replayed))} of ${result.records} record(s) for ${result.plans.join(', ') || 'no plan'}`,
      );
      if (result.failed > 0) console.log(`${red('✗')} ${result.failed} record(s) failed again and stay in ${file}`);
    }
    if (result.failed > 0) throw new CliError(`${result.failed} record(s) could not be published`, EXIT.failure);
  },
};
