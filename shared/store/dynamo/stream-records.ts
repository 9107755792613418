/**
 * The table's stream records read back as what changed in which plan. Only this adapter knows
 * the item layout (`PLAN#` partitions, `COMMITMENT#` and `UPDATE#` sort keys, the plan item's
 * bookkeeping attributes); the publisher gets plan ids and PlanChanges.
 */
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { canonicalJson } from '../../domain/canonical-json.ts';
import { noChanges, type PlanChanges } from '../../domain/plan-changes.ts';
import { HISTORY_MONTH_PREFIX } from './items.ts';
import { PUBLISH_STREAM_SETTINGS } from './stream-settings.ts';

type Image = Record<string, AttributeValue> | undefined;

/**
 * Fields every update bumps on the plan item (its revision, and the summary of its history:
 * the history* attributes); a change in any other field is a metadata change.
 */
const isBookkeeping = (field: string) => field === 'revision' || field === 'updatedAt' || field.startsWith('history');

function planMetadataChanged(record: DynamoDBRecord): boolean {
  const before = record.dynamodb?.OldImage;
  const after = record.dynamodb?.NewImage;
  if (record.eventName !== 'MODIFY' || !before || !after) return true;
  const strip = (image: NonNullable<Image>) => Object.fromEntries(Object.entries(image).filter(([key]) => !isBookkeeping(key)));
  return canonicalJson(strip(before)) !== canonicalJson(strip(after));
}

const text = (image: Image, name: string) => image?.[name]?.S;

/**
 * What the publisher's sequencer writes on a commitment or an update (its place in the plan's
 * order, and with it the update's local index keys), and the queue of a commitment's writers
 * (ticket*): nothing a reader sees.
 */
const SEQUENCING = new Set(['pending', 'planRevision', 'byCommitment', 'byArea']);
const isSequencing = (field: string) => SEQUENCING.has(field) || field.startsWith('ticket');

/**
 * A change made by the publisher itself while ordering updates (a plan revision given, a queue
 * cleared, the plan's summary counted): nothing for a publish to do, since the publisher that
 * made it publishes it (and its batch is retried if it does not).
 */
function sequencingOnly(record: DynamoDBRecord, sk: string): boolean {
  const before = record.dynamodb?.OldImage;
  const after = record.dynamodb?.NewImage;
  if (record.eventName !== 'MODIFY' || !before || !after) return false;
  const ignored = sk === 'PLAN' ? isBookkeeping : isSequencing;
  const strip = (image: NonNullable<Image>) => Object.fromEntries(Object.entries(image).filter(([key]) => !ignored(key)));
  return canonicalJson(strip(before)) === canonicalJson(strip(after));
}

/** The plan a record belongs to, or undefined for items outside any plan (keys, nonces, leases). */
export function planIdOfRecord(record: DynamoDBRecord): string | undefined {
  const pk = record.dynamodb?.Keys?.PK?.S;
  return pk?.startsWith(PUBLISH_STREAM_SETTINGS.partitionKeyPrefix)
    ? pk.slice(PUBLISH_STREAM_SETTINGS.partitionKeyPrefix.length)
    : undefined;
}

export function changesInRecords(records: readonly DynamoDBRecord[]): Map<string, PlanChanges> {
  const plans = new Map<string, PlanChanges>();
  for (const record of records) {
    const planId = planIdOfRecord(record);
    const sk = record.dynamodb?.Keys?.SK?.S ?? '';
    const sequence = record.dynamodb?.SequenceNumber;
    // A month's summary is moved only beside records that say what changed (the sequencer's own
    // round, or an import's update items): by itself it publishes nothing.
    if (planId === undefined || !sequence || sequencingOnly(record, sk) || sk.startsWith(HISTORY_MONTH_PREFIX)) continue;
    const changes = plans.get(planId) ?? noChanges();
    plans.set(planId, changes);
    changes.sequences.push(sequence);
    const images = [record.dynamodb?.OldImage, record.dynamodb?.NewImage];
    if (sk === 'PLAN') {
      if (planMetadataChanged(record)) changes.full = true;
    } else if (sk.startsWith('COMMITMENT#')) {
      changes.commitmentIds.add(sk.slice('COMMITMENT#'.length));
      // Both areas: the one a commitment left keeps its history but loses it from its list.
      for (const image of images) {
        const slug = text(image, 'areaSlug');
        if (slug) changes.areaSlugs.add(slug);
      }
    } else if (sk.startsWith('UPDATE#')) {
      // UPDATE#{reportedAt}#{updateId}: reportedAt is a UTC ISO instant, its month is the file it lands in.
      const month = sk.slice('UPDATE#'.length, 'UPDATE#'.length + 7);
      if (/^\d{4}-\d{2}$/.test(month)) {
        changes.years.add(Number(month.slice(0, 4)));
        (changes.months ??= new Set()).add(month);
      } else changes.full = true;
      const commitmentId = text(record.dynamodb?.NewImage, 'commitmentId') ?? text(record.dynamodb?.OldImage, 'commitmentId');
      if (!commitmentId) changes.full = true;
      else changes.commitmentIds.add(commitmentId);
      for (const image of images) {
        const slug = text(image, 'areaSlug');
        if (slug) changes.areaSlugs.add(slug);
      }
    } else {
      changes.full = true;
    }
  }
  return plans;
}
