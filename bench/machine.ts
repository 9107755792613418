/** What the numbers were measured on: they mean little without it. */
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  loadAverageAtStart: number[];
  os: string;
  node: string;
  java: string;
}

export async function describeMachine(): Promise<Machine> {
  const { spawnSync } = await import('node:child_process');
  // `java -version` prints to stderr; DynamoDB Local's speed depends on it.
  const javaOut = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const java = `${javaOut.stderr ?? ''}`.split('\n')[0]?.trim() || 'unknown';
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    os: `${platform()} ${release()}`,
    node: process.version,
    java,
  };
}
