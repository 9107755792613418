/**
 * A touched month's history without reading the whole month from the table: the rows of its
 * published JSON file (its parts' files, for a month longer than one) plus the month's updates
 * among the plan's newest (already read for the feeds). Taken only when it provably gives the month's complete history, else undefined and the
 * caller reads the month from the table.
 *
 * Why the count is proof enough: every row kept is an update of the month that the table holds
 * (updates are immutable and never deleted), each counted once (by updateId), and none later than
 * the month summary's revision. The summary is moved in the same transaction as the updates it
 * counts, so the month's updates up to that revision are exactly `count` rows: as many distinct
 * ones as that are all of them, wherever a late update's reportedAt put it.
 */
import { compareNewestFirst, type HistoryMonth, reportedMonth } from '../domain/history.ts';
import type { Link, Plan, StatusUpdate } from '../domain/model.ts';
import { statusLabel } from '../domain/vocabulary.ts';
import { isStoredInstant } from '../render/csv.ts';
import { renderUpdatesJson, UPDATES_JSON_TAIL, updateJsonEntry, updatesJsonHead } from '../render/json.ts';
import { historyPath, monthPartCount } from '../render/snapshot.ts';
import { keptRow } from '../render/update-rows.ts';
import type { ArtifactStore, StoredObject } from '../store/artifacts.ts';

/** A row's fields as the renderer writes them, in its order, with the type each must have. */
const ROW_FIELDS: ReadonlyArray<readonly [string, 'string' | 'number' | 'boolean' | 'progress' | 'links']> = [
  ['updateId', 'string'],
  ['reportedAt', 'string'],
  ['receivedAt', 'string'],
  ['commitmentId', 'string'],
  ['commitmentNumber', 'number'],
  ['commitmentTitle', 'string'],
  ['area', 'string'],
  ['areaSlug', 'string'],
  ['previousStatus', 'string'],
  ['status', 'string'],
  ['statusLabel', 'string'],
  ['progress', 'progress'],
  ['observations', 'string'],
  ['links', 'links'],
  ['revision', 'number'],
  ['planRevision', 'number'],
  ['keyId', 'string'],
  ['imported', 'boolean'],
];

/**
 * The updates of a published month file. Throws unless the file is exactly what the renderer
 * writes for them under this plan, byte for byte (fields, their order and types, status labels,
 * layout): a file written by another version of the renderer, under another vocabulary, or by
 * hand is not built upon. Compared entry by entry as renderUpdatesJson joins them, without
 * building the document; the entries rendered are kept (see rememberedRow), so the publish that
 * follows renders the month from them.
 */
export function parseMonthFile(plan: Plan, body: string): StatusUpdate[] {
  return keptMonthFile(plan, body) ?? readMonthFile(plan, body);
}

/** How each entry of a month file starts, up to its id (JSON.stringify(doc, null, 2), two levels in). */
const ENTRY_START = '    {\n      "updateId": ';
const UPDATES_OPEN = '\n  "updates": [';

/**
 * The month file read without parsing it, when every entry is, byte for byte, the JSON entry kept
 * for its update (see keptRow) under the status label the plan gives it now: the file is then
 * exactly what the renderer writes for those kept updates, as readMonthFile would require, and they
 * are what it would read back (only well-typed updates are kept). Undefined otherwise.
 */
function keptMonthFile(plan: Plan, body: string): StatusUpdate[] | undefined {
  // A string's line breaks are escaped: the first line opening the list is the document's own.
  const open = body.indexOf(UPDATES_OPEN);
  if (open < 1 || body[open - 1] !== ',') return undefined;
  let month: unknown;
  try {
    month = (JSON.parse(`${body.slice(0, open - 1)}}`) as { month?: unknown }).month;
  } catch {
    return undefined;
  }
  if (typeof month !== 'string') return undefined;
  const head = updatesJsonHead(plan, month);
  if (!body.startsWith(head)) return undefined;
  const updates: StatusUpdate[] = [];
  let at = head.length;
  while (!(updates.length > 0 && at + UPDATES_JSON_TAIL.length === body.length && body.endsWith(UPDATES_JSON_TAIL))) {
    const separator = updates.length === 0 ? '\n' : ',\n';
    if (!body.startsWith(separator, at) || !body.startsWith(ENTRY_START, at + separator.length)) return undefined;
    at += separator.length;
    const idStart = at + ENTRY_START.length;
    const idEnd = body.indexOf(',\n', idStart);
    let id: unknown;
    try {
      id = idEnd < 0 ? undefined : JSON.parse(body.slice(idStart, idEnd));
    } catch {
      return undefined;
    }
    const kept = typeof id === 'string' ? keptRow(id) : undefined;
    if (
      !kept ||
      kept.source.planId !== plan.planId ||
      kept.label !== statusLabel(plan.statuses, kept.source.status, plan.language) ||
      !body.startsWith(kept.json, at)
    ) {
      return undefined;
    }
    updates.push(kept.source);
    at += kept.json.length;
  }
  return updates;
}

function readMonthFile(plan: Plan, body: string): StatusUpdate[] {
  const doc = JSON.parse(body) as { month: unknown; updates: unknown };
  if (typeof doc?.month !== 'string' || !Array.isArray(doc.updates)) throw Error('not a month file');
  const month = doc.month;
  const updates = (doc.updates as unknown[]).map(updateOfRow(plan));
  // The plan's id and the labels under its vocabulary are in the comparison; the file's month needs
  // no more: mergeMonth keeps no row of another month.
  if (updates.length === 0) {
    if (renderUpdatesJson(plan, month, updates) !== body) throw Error('not as rendered');
    return updates;
  }
  const head = updatesJsonHead(plan, month);
  let at = head.length;
  if (!body.startsWith(head)) throw Error('not as rendered');
  for (let i = 0; i < updates.length; i++) {
    const separator = i === 0 ? '\n' : ',\n';
    const entry = updateJsonEntry(plan, updates[i]!);
    if (!body.startsWith(separator, at) || !body.startsWith(entry, at + separator.length)) throw Error('not as rendered');
    at += separator.length + entry.length;
  }
  if (at + UPDATES_JSON_TAIL.length !== body.length || !body.endsWith(UPDATES_JSON_TAIL)) throw Error('not as rendered');
  return updates;
}

const isLink = (link: unknown) =>
  typeof link === 'object' && link !== null && typeof (link as Link).title === 'string' && typeof (link as Link).url === 'string';

/**
 * An update from a row, which must have every field with its type: a missing one, or a null,
 * would render just as it is read and pass the comparison.
 */
const updateOfRow =
  (plan: Plan) =>
  (value: unknown): StatusUpdate => {
    if (typeof value !== 'object' || value === null) throw Error('not a row');
    const row = value as Record<string, unknown>;
    const keys = Object.keys(row);
    if (keys.length !== ROW_FIELDS.length) throw Error('not a row as rendered');
    for (let i = 0; i < ROW_FIELDS.length; i++) {
      const [name, type] = ROW_FIELDS[i]!;
      const field = row[name];
      const typed =
        type === 'progress'
          ? field === null || typeof field === 'number'
          : type === 'links'
            ? Array.isArray(field) && field.every(isLink)
            : typeof field === type;
      if (keys[i] !== name || !typed) throw Error('not a row as rendered');
    }
    const u = row as unknown as StatusUpdate & { progress: number | null };
    return {
      planId: plan.planId,
      commitmentId: u.commitmentId,
      updateId: u.updateId,
      reportedAt: u.reportedAt,
      receivedAt: u.receivedAt,
      status: u.status,
      previousStatus: u.previousStatus,
      observations: u.observations,
      links: u.links,
      ...(u.progress === null ? {} : { progress: u.progress }),
      revision: u.revision,
      planRevision: u.planRevision,
      keyId: u.keyId,
      commitmentNumber: u.commitmentNumber,
      commitmentTitle: u.commitmentTitle,
      area: u.area,
      areaSlug: u.areaSlug,
      imported: u.imported,
    };
  };

/** The month an update was reported in: cut from an instant as stored, else through Date. */
const monthOf = (u: StatusUpdate) => (isStoredInstant(u.reportedAt) ? u.reportedAt.slice(0, 7) : reportedMonth(u));

/**
 * The month's updates, oldest first as the files order them, from the published rows and the
 * newest ones; undefined when they do not add up to the month summary's count.
 */
export function mergeMonth(
  month: string,
  published: StatusUpdate[],
  newest: StatusUpdate[],
  summary: Pick<HistoryMonth, 'count' | 'revision'>,
): StatusUpdate[] | undefined {
  const byId = new Map(published.map((u) => [u.updateId, u]));
  for (const u of newest) if (monthOf(u) === month) byId.set(u.updateId, u);
  const rows = [...byId.values()];
  // A row past the summary (a racing round's file, an update ordered since it was read) or of
  // another month: not provably this month's history.
  return rows.length === summary.count &&
    rows.every((u) => u.planRevision > 0 && u.planRevision <= summary.revision && monthOf(u) === month)
    ? rows.sort((a, b) => compareNewestFirst(b, a))
    : undefined;
}

/** A month built from its published files: its rows, and the rows each published part holds (by id; undefined where no part was found). */
export interface PublishedMonth {
  rows: StatusUpdate[];
  parts: Array<string[] | undefined>;
}

/**
 * A part's rows by the object read, as long as the plan renders its rows the same way: the store
 * hands back the very object it read before when S3 answers 304 (If-None-Match), so a warm
 * publisher does not scan a dense month's unchanged parts again, round after round. Only rows
 * read back as kept copies are remembered: each is frozen, and the list is only ever read.
 */
const partsRead = new WeakMap<StoredObject, { as: string; rows: readonly StatusUpdate[] }>();

function partRows(plan: Plan, stored: StoredObject): readonly StatusUpdate[] {
  // What the plan gives a month file's rows besides its key's plan and month: its labels in its language.
  const as = plan.language + JSON.stringify(plan.statuses);
  const known = partsRead.get(stored);
  if (known?.as === as) return known.rows;
  const kept = keptMonthFile(plan, stored.body);
  if (kept) partsRead.set(stored, { as, rows: kept });
  return kept ?? readMonthFile(plan, stored.body);
}

/**
 * The month built from its published files (one GET per part, in parallel: as many parts as the
 * summary's count makes) and `newest`, or undefined: read it from the table.
 */
export async function monthFromPublished(
  files: Pick<ArtifactStore, 'read'>,
  plan: Plan,
  month: string,
  newest: StatusUpdate[],
  summary: Pick<HistoryMonth, 'count' | 'revision'>,
): Promise<PublishedMonth | undefined> {
  try {
    const bodies = await Promise.all(
      Array.from({ length: monthPartCount(summary.count) }, (_, i) =>
        files.read(`plans/${plan.planId}/${historyPath(month, 'json', i + 1)}`),
      ),
    );
    // A part not there yet (a new month, the month's next part): the newest updates may hold its rows.
    const parts = bodies.map((stored) => (stored ? partRows(plan, stored) : undefined));
    const rows = mergeMonth(
      month,
      parts.flatMap((part) => part ?? []),
      newest,
      summary,
    );
    return rows && { rows, parts: parts.map((part) => part?.map((u) => u.updateId)) };
  } catch {
    // Unreadable, unparsable, not as rendered (a row's date that is no date, too).
    return undefined;
  }
}
