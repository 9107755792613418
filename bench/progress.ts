/** Progress on stderr, so stdout carries only the table (or the JSON with --json). */
const started = Date.now();

function stamp(): string {
  const s = (Date.now() - started) / 1000;
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${(s % 60).toFixed(1).padStart(4, '0')}`;
}

let quiet = false;
export function setQuiet(value: boolean): void {
  quiet = value;
}

export function progress(message: string): void {
  if (!quiet) process.stderr.write(`[bench ${stamp()}] ${message}\n`);
}

/** Runs one step and says how long it took. */
export async function step<T>(label: string, run: () => Promise<T>): Promise<T> {
  progress(`${label}…`);
  const t0 = performance.now();
  const result = await run();
  progress(`${label}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return result;
}
