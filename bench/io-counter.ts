/**
 * Counts the HTTP requests this process sends to DynamoDB Local and the S3 server, by operation,
 * through Node's `diagnostics_channel` (the SDK's node:http handler publishes every request
 * there). Nothing in the product is wrapped or changed, and what is counted is exactly what AWS
 * would bill: one PutObject is one PUT, whatever code path sent it.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export interface IoCounts {
  /** "S3 PUT", "S3 GET", "S3 LIST", "DynamoDB Query", "DynamoDB TransactWriteItems", … */
  requests: Record<string, number>;
  /** Request body bytes of S3 PUTs (what a publish uploads). */
  s3PutBytes: number;
  /** S3 PUTs by request path (`/{bucket}/{key}`). */
  s3PutPaths: Record<string, number>;
}

function emptyCounts(): IoCounts {
  return { requests: {}, s3PutBytes: 0, s3PutPaths: {} };
}

export class IoCounter {
  private counts = emptyCounts();
  private readonly listener = (message: unknown) => this.onRequest((message as { request: ClientRequest }).request);

  constructor(private readonly endpoints: { dynamodb: string; s3: string }) {}

  start(): this {
    subscribe('http.client.request.start', this.listener);
    return this;
  }

  stop(): void {
    unsubscribe('http.client.request.start', this.listener);
  }

  /** Counts since the last reset, and starts a new window. */
  take(): IoCounts {
    const out = this.counts;
    this.counts = emptyCounts();
    return out;
  }

  reset(): void {
    this.counts = emptyCounts();
  }

  private onRequest(request: ClientRequest): void {
    const host = String(request.getHeader('host') ?? request.host);
    const label = this.classify(request, host);
    if (!label) return;
    this.counts.requests[label] = (this.counts.requests[label] ?? 0) + 1;
    if (label === 'S3 PUT') {
      this.counts.s3PutBytes += Number(request.getHeader('content-length') ?? 0);
      const path = request.path.split('?')[0]!;
      this.counts.s3PutPaths[path] = (this.counts.s3PutPaths[path] ?? 0) + 1;
    }
  }

  private classify(request: ClientRequest, host: string): string | undefined {
    if (host === new URL(this.endpoints.dynamodb).host) {
      const target = String(request.getHeader('x-amz-target') ?? '');
      // "DynamoDB_20120810.Query" or "DynamoDBStreams_20120810.GetRecords"
      const [service, operation] = target.split('.');
      return `${service?.startsWith('DynamoDBStreams') ? 'Streams' : 'DynamoDB'} ${operation ?? '?'}`;
    }
    if (host === new URL(this.endpoints.s3).host) {
      const method = request.method.toUpperCase();
      if (method === 'GET' && /[?&]list-type=2/.test(request.path)) return 'S3 LIST';
      return `S3 ${method}`;
    }
    return undefined;
  }
}

export const count = (counts: IoCounts, label: string) => counts.requests[label] ?? 0;
