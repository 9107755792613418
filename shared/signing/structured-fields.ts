/**
 * Structured-field dictionaries (RFC 8941/9651) whose member names must be unique.
 *
 * RFC 8941 §4.2.2 says a repeated member name overwrites the earlier one, and `structured-headers`
 * does just that. For Signature, Signature-Input and Content-Digest that is an ambiguity we do not
 * accept: a proxy, a log or another verifier may read the first member while we read the last. So a
 * dictionary that names a member twice, on one field line or across several, is refused.
 */

/**
 * The member names of a dictionary in the order written, repeats included. Expects a value that
 * `parseDictionary` accepted: then the only characters that can hide a top-level comma are those of
 * strings (`"…"` with `\` escapes) and display strings (`%"…"`, no escapes); inner lists,
 * parameters, tokens and byte sequences contain no comma.
 */
export function dictionaryMemberNames(value: string): string[] {
  const names: string[] = [];
  let start = 0;
  let inString = false;
  let escapes = false;
  const take = (end: number) => {
    const name = /^[ \t]*([a-z*][a-z0-9_.*-]*)/.exec(value.slice(start, end))?.[1];
    if (name !== undefined) names.push(name);
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inString) {
      if (escapes && c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      escapes = value[i - 1] !== '%';
    } else if (c === ',') {
      take(i);
      start = i + 1;
    }
  }
  take(value.length);
  return names;
}

/** The first member name that occurs more than once, if any. */
export function repeatedMemberName(value: string): string | undefined {
  const seen = new Set<string>();
  for (const name of dictionaryMemberNames(value)) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}
