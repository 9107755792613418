/**
 * Human-friendly output: colour only when both stdout and stderr are terminals (so no escape
 * code ever lands in a pipe or a file, whichever stream a message goes to), never with NO_COLOR
 * (https://no-color.org) or TERM=dumb; JSON when asked.
 */
const useColour = Boolean(process.stdout.isTTY && process.stderr.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const paint = (code: number) => (text: string) => (useColour ? `\u001b[${code}m${text}\u001b[0m` : text);
export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Exit codes: 0 ok, 1 rejected by the server (4xx), 2 usage error, 3 server or network failure. */
export const EXIT = { ok: 0, rejected: 1, usage: 2, failure: 3 } as const;

export function progressBar(total: number, label: string) {
  const stream = process.stderr;
  let done = 0;
  const draw = () => {
    if (!stream.isTTY) return;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  };
  draw();
  return {
    tick(n = 1) {
      done += n;
      draw();
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
      else stream.write(`${label}: ${done}/${total}\n`);
    },
  };
}
