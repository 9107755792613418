/**
 * The straightforward implementation the product is compared with: on every change, scan the
 * whole table, rebuild every plan and upload every file, changed or not. It renders with the
 * product's own publisher (over an in-memory copy of the scan), so the comparison is about
 * architecture — what is read, what is rewritten, how often — and not about renderers.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type Artifact, type ArtifactWriter, artifactBytes, DEFAULT_CACHE_CONTROL, type WriteResult } from '#shared/store/artifacts';
import type { PlanReader } from '#shared/store/plans';
import { MemoryPlanRepository } from './memory-repository.ts';
import { publishPlan } from './product.ts';

/** Uploads every artifact it is given: no listing, no comparison. */
class RewriteEverythingStore implements ArtifactWriter {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly concurrency = 8,
  ) {}

  async write(_prefix: string, artifacts: Artifact[]): Promise<WriteResult> {
    const result: WriteResult = { written: [], skipped: [], bytesWritten: 0 };
    let next = 0;
    const worker = async () => {
      while (next < artifacts.length) {
        const artifact = artifacts[next++]!;
        const body = artifactBytes(artifact.body);
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: artifact.key,
            Body: body,
            ContentType: artifact.contentType,
            CacheControl: artifact.cacheControl ?? DEFAULT_CACHE_CONTROL,
          }),
        );
        result.written.push(artifact.key);
        result.bytesWritten += body.length;
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    return result;
  }
}

export interface BaselineRun {
  ms: number;
  itemsScanned: number;
  plans: number;
  puts: number;
  bytesWritten: number;
}

export class BaselinePublisher {
  private readonly store: RewriteEverythingStore;

  constructor(
    private readonly options: { doc?: DynamoDBDocumentClient; tableName?: string; s3: S3Client; bucket: string; baseUrl: string },
  ) {
    this.store = new RewriteEverythingStore(options.s3, options.bucket);
  }

  /** What the baseline does for one change: everything. */
  async publishEverything(): Promise<BaselineRun> {
    const t0 = performance.now();
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    const { doc, tableName } = this.options;
    if (!doc || !tableName) throw new Error('publishEverything needs the table to scan');
    do {
      const out = await doc.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
      items.push(...((out.Items ?? []) as Record<string, unknown>[]));
      start = out.LastEvaluatedKey;
    } while (start);
    const run = await this.publishAll(MemoryPlanRepository.fromItems(items));
    return { ...run, ms: performance.now() - t0, itemsScanned: items.length };
  }

  /** The same from a table already in memory: what is left of the baseline without its scan. */
  async publishAll(repository: PlanReader & { planIds(): string[] | Promise<string[]> }): Promise<BaselineRun> {
    const t0 = performance.now();
    let puts = 0;
    let bytesWritten = 0;
    const plans = await repository.planIds();
    for (const planId of plans) {
      const result = await publishPlan(planId, { repository, store: this.store, baseUrl: this.options.baseUrl });
      puts += result?.written.length ?? 0;
      bytesWritten += result?.bytesWritten ?? 0;
    }
    return { ms: performance.now() - t0, itemsScanned: 0, plans: plans.length, puts, bytesWritten };
  }
}
