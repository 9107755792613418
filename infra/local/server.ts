/**
 * One port for everything, as CloudFront serves it in production: `/api/*` becomes the Lambda
 * event the deployed ingest function receives (with the forwarded host and the origin secret
 * CloudFront adds); every other path is read from the bucket. Both carry the security headers
 * CloudFront's response headers policies add.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ORIGIN_SECRET_HEADER } from '#shared/api/http';
import {
  API_SECURITY_HEADERS,
  CONSOLE_SECURITY_HEADERS,
  SITE_SECURITY_HEADERS,
  securityHeaderFields,
} from '#shared/render/security-headers';

/** Lambda Function URLs accept up to 6 MB; the API itself refuses more than 64 KiB with a 413. */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

export interface LocalServerOptions {
  port: number;
  host?: string;
  s3: S3Client;
  bucket: string;
  ingest: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  /** Sent to ingest with every API request, as CloudFront sends its origin secret. */
  originSecret?: string;
  log?: (message: string) => void;
}

const SITE_HEADERS = securityHeaderFields(SITE_SECURITY_HEADERS);
const API_HEADERS = securityHeaderFields(API_SECURITY_HEADERS);
const CONSOLE_HEADERS = securityHeaderFields(CONSOLE_SECURITY_HEADERS);

/** The headers of a file: the console's stricter set under /console/, as CloudFront's behaviour there. */
const headersFor = (path: string) => (path === '/console' || path.startsWith('/console/') ? CONSOLE_HEADERS : SITE_HEADERS);

/** S3's longest object key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

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

export function toLambdaEvent(req: IncomingMessage, body: Buffer, originSecret?: string): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // As CloudFront's viewer-request function and the HTTP API do: the host the client reached
  // and the scheme replace whatever forwarded headers the client sent, and only the front
  // itself can vouch for them (a client's own origin-secret header is dropped).
  headers['x-forwarded-host'] = headers.host ?? 'localhost';
  headers['x-forwarded-proto'] = 'http';
  delete headers[ORIGIN_SECRET_HEADER];
  if (originSecret) headers[ORIGIN_SECRET_HEADER] = originSecret;
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
    res.writeHead(413, { ...API_HEADERS, 'content-type': 'application/problem+json', connection: 'close' });
    res.end(JSON.stringify({ type: 'about:blank', title: 'Content Too Large', status: 413, detail: 'request body over 6 MB' }));
    return;
  }
  const result = await options.ingest(toLambdaEvent(req, body, options.originSecret));
  const payload = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
  res.writeHead(result.statusCode ?? 200, {
    ...(result.headers as Record<string, string>),
    ...API_HEADERS,
    'content-length': String(payload.length),
  });
  res.end(req.method === 'HEAD' ? undefined : payload);
}

/**
 * The object key a request path names, or why it names none. The path is decoded once and the
 * result used as it is: a ".." or "." segment is refused rather than resolved, so no spelling
 * of a path (%2f, %2e, NUL…) reaches anything but a key in the bucket.
 */
export function feedKey(target: string): { key: string } | { status: 400 | 404; detail: string } {
  const rawPath = target.split('?')[0]!;
  if (!rawPath.startsWith('/')) return { status: 400, detail: 'the request target must be a path' };
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { status: 400, detail: 'the path has a malformed percent-encoding' };
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return { status: 400, detail: 'the path has a control character or a backslash' };
  const segments = path.slice(1).split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) return { status: 400, detail: 'the path has a "." or ".." segment' };
  if (segments.slice(0, -1).some((segment) => segment === '')) return { status: 404, detail: 'the path has an empty segment' };
  const key = path.slice(1) === '' || path.endsWith('/') ? `${path.slice(1)}index.html` : path.slice(1);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return { status: 404, detail: 'the path is longer than any object key' };
  return { key };
}

function refuse(res: ServerResponse, status: number, detail: string, headers: OutgoingHttpHeaders = SITE_HEADERS) {
  const title = status === 400 ? 'Bad Request' : status === 404 ? 'Not Found' : 'Bad Gateway';
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  res.writeHead(status, { ...headers, 'content-type': 'application/problem+json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

async function serveFeed(req: IncomingMessage, res: ServerResponse, options: LocalServerOptions): Promise<void> {
  const headers = headersFor((req.url ?? '/').split('?')[0]!);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('Method Not Allowed\n');
    return;
  }
  const target = feedKey(req.url ?? '/');
  if (!('key' in target)) return refuse(res, target.status, target.detail, headers);
  const { key } = target;
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
      ...headers,
      'content-type': out.ContentType ?? 'application/octet-stream',
      'cache-control': out.CacheControl ?? 'no-cache',
      etag: out.ETag ?? '',
      'last-modified': out.LastModified?.toUTCString() ?? '',
      'content-length': String(body.length),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 304) {
      res.writeHead(304, { ...headers, etag: String(req.headers['if-none-match']) });
      res.end();
      return;
    }
    if (error instanceof NoSuchKey || status === 404) {
      // A folder without index.html: try it as a folder, as CloudFront's default root object does.
      const lastSegment = key.slice(key.lastIndexOf('/') + 1);
      if (!key.endsWith('index.html') && !lastSegment.includes('.')) {
        res.writeHead(301, { ...headers, location: `${(req.url ?? '/').split('?')[0]}/` });
        res.end();
        return;
      }
      return refuse(res, 404, `no file at /${key}`, headers);
    }
    throw error;
  }
}

export function startLocalServer(options: LocalServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const api = path === '/api' || path.startsWith('/api/');
    const work = api ? serveApi(req, res, options) : serveFeed(req, res, options);
    work.catch((error: Error) => {
      // Client input never gets here (it is refused above); this is the storage or the handler
      // failing, said in one line: the operator's terminal is no place for a stack per request.
      options.log?.(`request ${req.method} ${JSON.stringify(req.url)} failed: ${error.name}: ${error.message}`);
      if (!res.headersSent) refuse(res, 502, 'the local runtime could not complete the request', api ? API_HEADERS : SITE_HEADERS);
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve(server));
  });
}
