/**
 * Emphasis, strong emphasis and strikethrough: CommonMark's delimiter runs and its "process
 * emphasis" algorithm, with the openers-bottom table that keeps it linear on hostile text.
 */

const WHITESPACE = /^\s?$/u;
const PUNCTUATION = /^[\p{P}\p{S}]$/u;

/** A run of `*`, `_` or `~`: literal text unless matched into emphasis (CommonMark's algorithm). */
export interface Delimiter {
  char: string;
  /** Characters not used yet; `length` is the run as written (the rule of three needs it). */
  left: number;
  length: number;
  canOpen: boolean;
  canClose: boolean;
  /** Closing tags before the run's remaining characters, opening tags after them. */
  before: string;
  after: string;
  prev?: Delimiter;
  next?: Delimiter;
}

/** The run of n `c` between the character `prev` and the one at `after`; `last` is the delimiter before it. */
export function delimiterRun(c: string, n: number, prev: string, src: string, after: number, last: Delimiter | undefined): Delimiter {
  const nextCode = src.codePointAt(after);
  const next = nextCode === undefined ? '' : String.fromCodePoint(nextCode);
  const nextSpace = WHITESPACE.test(next);
  const prevSpace = WHITESPACE.test(prev);
  const nextPunct = PUNCTUATION.test(next);
  const prevPunct = PUNCTUATION.test(prev);
  const leftFlanking = !nextSpace && (!nextPunct || prevSpace || prevPunct);
  const rightFlanking = !prevSpace && (!prevPunct || nextSpace || nextPunct);
  return {
    char: c,
    left: n,
    length: n,
    canOpen: c === '_' ? leftFlanking && (!rightFlanking || prevPunct) : leftFlanking,
    canClose: c === '_' ? rightFlanking && (!leftFlanking || nextPunct) : rightFlanking,
    before: '',
    after: '',
    prev: last,
  };
}

/** CommonMark's "process emphasis", with GFM's strikethrough (runs of one or two `~`, matched by length). */
export function emphasis(first: Delimiter | undefined): void {
  const unlink = (d: Delimiter) => {
    if (d.prev) d.prev.next = d.next;
    if (d.next) d.next.prev = d.prev;
  };
  // Per kind of closer, the delimiter below which no opener can be: keeps hostile text linear.
  const bottoms = new Map<string, Delimiter | undefined>();
  let closer = first;
  while (closer) {
    if (!closer.canClose) {
      closer = closer.next;
      continue;
    }
    const key = closer.char === '~' ? `~${closer.length}` : `${closer.char}${closer.canOpen}${closer.length % 3}`;
    const bottom = bottoms.get(key);
    let opener = closer.prev;
    for (; opener && opener !== bottom; opener = opener.prev) {
      if (opener.char !== closer.char || !opener.canOpen) continue;
      if (closer.char === '~') {
        if (opener.left === closer.left) break;
      } else if (
        !((opener.canClose || closer.canOpen) && (opener.length + closer.length) % 3 === 0 && (opener.length % 3 || closer.length % 3))
      ) {
        break;
      }
    }
    if (!opener || opener === bottom) {
      bottoms.set(key, closer.prev);
      const next = closer.next;
      if (!closer.canOpen) unlink(closer);
      closer = next;
      continue;
    }
    const use = closer.char === '~' ? closer.left : closer.left >= 2 && opener.left >= 2 ? 2 : 1;
    const tag = closer.char === '~' ? 'del' : use === 2 ? 'strong' : 'em';
    opener.left -= use;
    closer.left -= use;
    opener.after = `<${tag}>${opener.after}`;
    closer.before += `</${tag}>`;
    // Runs between the two stay text.
    opener.next = closer;
    closer.prev = opener;
    if (!opener.left) unlink(opener);
    if (!closer.left) {
      const next = closer.next;
      unlink(closer);
      closer = next;
    }
  }
}
