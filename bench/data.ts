/**
 * Synthetic plans shaped like the seed report page (priorities, areas, Markdown observations,
 * related links), generated deterministically and loaded straight into the table with
 * BatchWriteItem in the item layout of shared/dynamo-repository.ts, so that a 100,000-update
 * history takes seconds to set up instead of 100,000 signed requests.
 */
import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { addToHistory, type HistorySummary, summarizeHistory } from '#shared/domain/history';
import { type Commitment, type Link, type Plan, type StatusUpdate, slugify } from '#shared/domain/model';
import { DEFAULT_STATUSES } from '#shared/domain/vocabulary';
import { historyMonthItems, itemKeys, planHistoryAttributes, updateItem } from '#shared/store/dynamo/items';
import { tableKeyDefinitions } from '#shared/store/dynamo/table-schema';
import { sleep } from './stats.ts';

/** mulberry32: small, fast and deterministic, so two runs load the same bytes. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "en el marc del pacte per l'ocupació de terrassa i dins la comissió de política industrial hem realitzat les següents " +
  'accions que queden desenvolupades en la informació relacionada aprovació ple municipal pla desenvolupament industrial ' +
  "implantació d'actuacions economia circular simbiosi projecte impuls nova indústria foment ocupació local conveni " +
  'patronal petites mitjanes empreses autònoms municipi internacionalització cambra comerç estratègia mercats servei ' +
  "reempresa potenciar l'economia ciutat generar oportunitats negoci contribuir mantenir crear llocs treball licitació " +
  'obres adjudicació pressupost execució fase redacció projecte executiu equipament barri veïns participació'
).split(' ');

const AREAS = [
  'Desenvolupament Econòmic, Indústria i Ocupació',
  'Urbanisme i Habitatge',
  'Medi Ambient i Sostenibilitat',
  'Educació',
  'Cultura',
  'Serveis Socials',
  'Mobilitat',
  'Seguretat Ciutadana',
  'Salut Pública',
  'Esports',
  'Govern Obert i Transparència',
  'Hisenda',
];

const PRIORITIES = 8;

function sentence(rng: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rng() * WORDS.length)]!);
  const text = out.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Observations in Markdown as officials write them: a paragraph and a bullet list (~`chars`). */
function observations(rng: () => number, chars: number): string {
  const parts = [`${sentence(rng, 14)}:`, ''];
  let length = parts[0]!.length;
  while (length < chars) {
    const line = `- ${sentence(rng, 6 + Math.floor(rng() * 8))}`;
    parts.push(line);
    length += line.length + 1;
  }
  if (rng() < 0.3) parts.push('', `Vegeu **${sentence(rng, 2)}** a [l'acta](https://example.org/acta-${Math.floor(rng() * 1000)}.pdf).`);
  return parts.join('\n');
}

function links(rng: () => number, max: number): Link[] {
  const count = Math.floor(rng() * (max + 1));
  return Array.from({ length: count }, (_, i) => ({
    title: sentence(rng, 3),
    url: `https://governobert.example.org/docs/${Math.floor(rng() * 1e6)}-${i}.pdf`,
  }));
}

export interface PlanShape {
  planId: string;
  commitments: number;
  /** Years of the mandate; the history is spread over them. */
  period: { start: number; end: number };
}

export function makePlan(shape: PlanShape, revision: number): Plan {
  const at = `${shape.period.start}-01-01T00:00:00.000Z`;
  return {
    planId: shape.planId,
    title: `Pla de Mandat ${shape.period.start}-${shape.period.end}`,
    municipality: `Municipi ${shape.planId}`,
    period: shape.period,
    language: 'ca',
    languages: ['ca', 'es', 'en'],
    license: { id: 'CC-BY-4.0', title: 'Creative Commons Attribution 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' },
    description: 'Balanç del Pla de Mandat: estat de compliment de cada compromís.',
    publisher: { name: `Ajuntament ${shape.planId}`, url: 'https://example.org/' },
    source: { title: 'Balanç Pla de Mandat', url: 'https://example.org/transparencia/' },
    statuses: DEFAULT_STATUSES,
    revision,
    metadataRevision: 1,
    createdAt: at,
    updatedAt: at,
  };
}

export function commitmentId(index: number): string {
  return `c${index + 1}`;
}

export function makeCommitment(shape: PlanShape, index: number): Commitment {
  const rng = random(index * 7919 + 17);
  const area = AREAS[index % AREAS.length]!;
  const priority = 1 + (index % PRIORITIES);
  const at = `${shape.period.start}-01-15T09:00:00.000Z`;
  return {
    planId: shape.planId,
    commitmentId: commitmentId(index),
    number: index + 1,
    title: sentence(rng, 14),
    priority: { number: priority, title: `Prioritat ${priority}: ${sentence(random(priority), 12)}` },
    area,
    areaSlug: slugify(area),
    status: DEFAULT_STATUSES[index % DEFAULT_STATUSES.length]!.code,
    observations: observations(rng, 600),
    links: links(rng, 3),
    progress: Math.floor(rng() * 101),
    revision: 1,
    reportedAt: at,
    updatedAt: at,
    // Defined with the plan (revisions 2…commitments+1, as a real import would bump them).
    planRevision: index + 2,
  };
}

/**
 * The i-th update of a history of any length: reportedAt follows the golden-ratio sequence over
 * the period (up to yesterday), so every prefix of the history (1,000, then 10,000, then 100,000) is spread evenly
 * and a history can be grown in place.
 */
export function makeUpdate(shape: PlanShape, commitments: number, index: number): StatusUpdate {
  const rng = random(index * 104729 + 3);
  const c = makeCommitmentHeader(shape, Math.floor(rng() * commitments));
  const from = Date.UTC(shape.period.start, 0, 1);
  // A plan still running has no history after today: an update posted now is the newest.
  const to = Math.min(Date.UTC(shape.period.end, 11, 31), Date.now() - 86_400_000);
  const at = new Date(from + ((index * 0.6180339887498949) % 1) * (to - from)).toISOString();
  const status = DEFAULT_STATUSES[Math.floor(rng() * DEFAULT_STATUSES.length)]!.code;
  return {
    planId: shape.planId,
    commitmentId: c.commitmentId,
    updateId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    reportedAt: at,
    receivedAt: at,
    status,
    previousStatus: DEFAULT_STATUSES[Math.floor(rng() * DEFAULT_STATUSES.length)]!.code,
    observations: observations(rng, 350),
    links: links(rng, 2),
    progress: Math.floor(rng() * 101),
    revision: 2 + (index % 50),
    planRevision: commitments + 1 + index,
    keyId: 'bench-official',
    commitmentNumber: c.number,
    commitmentTitle: c.title,
    area: c.area,
    areaSlug: c.areaSlug,
  };
}

/** The fields of a commitment an update denormalises, without generating its long text. */
function makeCommitmentHeader(_shape: PlanShape, index: number) {
  const rng = random(index * 7919 + 17);
  const area = AREAS[index % AREAS.length]!;
  return { commitmentId: commitmentId(index), number: index + 1, title: sentence(rng, 14), area, areaSlug: slugify(area) };
}

/** The plan item with the summary of its history, as the update transaction keeps it. */
export const planItem = (plan: Plan, history: HistorySummary = summarizeHistory([])) => ({
  ...planHistoryAttributes(history),
  ...itemKeys.plan(plan.planId),
  kind: 'plan',
  ...plan,
});
export const commitmentItem = (c: Commitment) => ({ ...itemKeys.commitment(c.planId, c.commitmentId), kind: 'commitment', ...c });
export { updateItem };

/** A table with the product's key schema. Without a stream unless asked: bulk loads need none. */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      ...tableKeyDefinitions(),
    }),
  );
}

export async function deleteTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
}

/**
 * BatchWriteItem, 25 items a call, `concurrency` calls in flight, retrying what DynamoDB
 * reports as unprocessed. `items` may be a generator so 100,000 items are never all in memory.
 */
export async function batchLoad(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: Iterable<Record<string, unknown>>,
  options: { concurrency?: number; onProgress?: (loaded: number) => void } = {},
): Promise<number> {
  const iterator = items[Symbol.iterator]();
  let loaded = 0;
  let done = false;
  const nextBatch = (): Record<string, unknown>[] => {
    const batch: Record<string, unknown>[] = [];
    while (!done && batch.length < 25) {
      const next = iterator.next();
      if (next.done) done = true;
      else batch.push(next.value);
    }
    return batch;
  };
  const worker = async () => {
    for (let batch = nextBatch(); batch.length > 0; batch = nextBatch()) {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
        if (requests.length > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      }
      loaded += batch.length;
      if (loaded % 5000 < 25) options.onProgress?.(loaded);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return loaded;
}

/**
 * A plan's items: its commitments (with the definition), the updates `from`…`to`, then the plan
 * item, last, carrying the summary of the history 0…`to` (rewritten when a history is grown).
 */
export function* planItems(shape: PlanShape, history: { from: number; to: number }, withDefinition = true) {
  if (withDefinition) {
    for (let i = 0; i < shape.commitments; i++) yield commitmentItem(makeCommitment(shape, i));
  }
  const summary = summarizeHistory(
    (function* earlier() {
      for (let i = 0; i < history.from; i++) yield makeUpdate(shape, shape.commitments, i);
    })(),
  );
  for (let i = history.from; i < history.to; i++) {
    const update = makeUpdate(shape, shape.commitments, i);
    addToHistory(summary, update);
    yield updateItem(update);
  }
  yield* historyMonthItems(shape.planId, summary);
  yield planItem(makePlan(shape, shape.commitments + history.to + 1), summary);
}
