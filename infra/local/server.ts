/**
 * One port for everything, as CloudFront serves it in production: `/api/*` becomes the Lambda
 * event the deployed ingest function receives; every other path is read from the bucket.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Lambda Function URLs accept up to 6 MB; the API itself refuses more than 64 KiB with a 413. */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

export interface LocalServerOptions {
  port: number;
  host?: string;
  s3: S3Client;
  bucket: string;
  ingest: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  log?: (message: string) => void;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function toLambdaEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = new Date();
  const rawQuery = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: rawQuery,
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

async function serveApi(req: IncomingMessage, res: ServerResponse, options: LocalServerOptions): Promise<void> {
  const body = await readBody(req);
  if (!body) {
    res.writeHead(413, { 'content-type': 'application/problem+json', connection: 'close' });
    res.end(JSON.stringify({ type: 'about:blank', title: 'Content Too Large', status: 413, detail: 'request body over 6 MB' }));
    return;
  }
  const result = await options.ingest(toLambdaEvent(req, body));
  const payload = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
  res.writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>), 'content-length': String(payload.length) });
  res.end(req.method === 'HEAD' ? undefined : payload);
}

async function serveFeed(req: IncomingMessage, res: ServerResponse, options: LocalServerOptions): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('Method Not Allowed\n');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://local');
  let key = decodeURIComponent(url.pathname).replace(/^\/+/, '');
  if (key === '' || key.endsWith('/')) key += 'index.html';
  try {
    const out = await options.s3.send(
      new GetObjectCommand({
        Bucket: options.bucket,
        Key: key,
        IfNoneMatch: req.headers['if-none-match'],
      }),
    );
    const body = Buffer.from(await out.Body!.transformToByteArray());
    res.writeHead(200, {
      'content-type': out.ContentType ?? 'application/octet-stream',
      'cache-control': out.CacheControl ?? 'no-cache',
      etag: out.ETag ?? '',
      'last-modified': out.LastModified?.toUTCString() ?? '',
      'content-length': String(body.length),
      'access-control-allow-origin': '*',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 304) {
      res.writeHead(304, { etag: String(req.headers['if-none-match']) });
      res.end();
      return;
    }
    if (error instanceof NoSuchKey || status === 404) {
      // A folder without index.html: try it as a folder, as CloudFront's default root object does.
      if (!key.endsWith('index.html') && !key.includes('.')) {
        res.writeHead(301, { location: `${url.pathname}/` });
        res.end();
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Not found: /${key}\n`);
      return;
    }
    throw error;
  }
}

export function startLocalServer(options: LocalServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const work = path === '/api' || path.startsWith('/api/') ? serveApi(req, res, options) : serveFeed(req, res, options);
    work.catch((error: Error) => {
      options.log?.(`request ${req.method} ${req.url} failed: ${error.stack ?? error.message}`);
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Bad gateway: the local runtime could not complete the request\n');
      } else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve(server));
  });
}
