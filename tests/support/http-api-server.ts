/**
 * The API function of a test environment behind a real HTTP server on 127.0.0.1, so the CLI
 * can be run against it exactly as against `npm start` or a deployment.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiRequest, ApiResponse } from '#shared/api/api';

export interface RunningApiServer {
  url: string;
  stop(): Promise<void>;
}

export async function startApiServer(api: (request: ApiRequest) => Promise<ApiResponse>): Promise<RunningApiServer> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.url ?? '/';
      const at = target.indexOf('?');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      api({
        method: req.method ?? 'GET',
        path: at < 0 ? target : target.slice(0, at),
        query: at < 0 ? '' : target.slice(at + 1),
        headers,
        body: Buffer.concat(chunks),
      }).then(
        (response) => {
          res.writeHead(response.status, response.headers);
          res.end(response.body);
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(error.stack);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
