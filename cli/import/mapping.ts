/**
 * Which column holds which field: given with `--map` (inline or a JSON file), or recognised
 * from the headers; and the values `--default` puts in empty cells. Every mistake is a usage
 * error naming the thing (a field, a column, with the file's columns listed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { CliError, EXIT } from '../output.ts';
import { FIELD_NAMES, type Field, type FieldName, fieldName, normalise } from './columns.ts';

/** Field → the columns (by index) it is read from: the first non-empty one wins. */
export type ColumnMap = Partial<Record<Field, number[]>>;

const FIELD_LIST = Object.keys(FIELD_NAMES).join(', ');

function fieldFrom(name: string, option: string): Field {
  const field = (FIELD_NAMES as Record<string, Field>)[name.trim()];
  if (!field) throw new CliError(`${option}: unknown field "${name.trim()}"; the fields are ${FIELD_LIST}`, EXIT.usage);
  return field;
}

/**
 * `field=Column,field="Column, with a comma"` → pairs. A column name holding a comma or a
 * quote is written in double quotes, a quote in it doubled (as in CSV). One pass, left to right.
 */
export function parseInlinePairs(text: string, option: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new CliError(`${option}: "${text.slice(i)}" is not field=value`, EXIT.usage);
    const name = text.slice(i, eq).trim();
    let value = '';
    let j = eq + 1;
    while (j < text.length && text[j] === ' ') j++;
    if (text[j] === '"') {
      j++;
      for (;;) {
        const quote = text.indexOf('"', j);
        if (quote < 0) throw new CliError(`${option}: a quote is not closed in "${text}"`, EXIT.usage);
        value += text.slice(j, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          j = quote + 2;
          continue;
        }
        j = quote + 1;
        break;
      }
      while (j < text.length && text[j] === ' ') j++;
      if (j < text.length && text[j] !== ',') throw new CliError(`${option}: expected "," after the quoted name in "${text}"`, EXIT.usage);
    } else {
      const comma = text.indexOf(',', j);
      const end = comma < 0 ? text.length : comma;
      value = text.slice(j, end).trim();
      j = end;
    }
    pairs.push([name, value]);
    i = j + 1;
  }
  return pairs;
}

/** `--map` values (each inline pairs or a JSON file of {"field": "Column"}) → field → column name. */
export function parseMapOptions(values: string[]): Map<Field, string> {
  const map = new Map<Field, string>();
  for (const value of values) {
    let pairs: Array<[string, string]>;
    if (!value.includes('=') && (value.endsWith('.json') || existsSync(value))) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(value, 'utf8'));
      } catch (error) {
        throw new CliError(`--map ${value}: cannot read it as JSON (${(error as Error).message})`, EXIT.usage);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string'))
        throw new CliError(
          `--map ${value} must be a JSON object of field names to column names, e.g. {"commitment_title": "Títol"}`,
          EXIT.usage,
        );
      pairs = Object.entries(parsed as Record<string, string>);
    } else pairs = parseInlinePairs(value, '--map');
    for (const [name, column] of pairs) {
      const field = fieldFrom(name, '--map');
      if (column.trim() === '') throw new CliError(`--map: ${name.trim()} names no column`, EXIT.usage);
      if (map.has(field) && map.get(field) !== column) throw new CliError(`--map: ${name.trim()} is mapped twice`, EXIT.usage);
      map.set(field, column);
    }
  }
  return map;
}

/** `--default field=value` values → field → value (checked against the plan's vocabulary later). */
export function parseDefaults(values: string[]): Map<Field, string> {
  const defaults = new Map<Field, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq < 0) throw new CliError(`--default "${value}" is not field=value (e.g. --default area=Ciutat)`, EXIT.usage);
    const field = fieldFrom(value.slice(0, eq), '--default');
    const text = value.slice(eq + 1).trim();
    if (text === '') throw new CliError(`--default ${value.slice(0, eq).trim()} has no value`, EXIT.usage);
    if (field === 'progress' && !/^\d{1,3}$/.test(text))
      throw new CliError(`--default progress must be a whole number 0-100, not "${text}"`, EXIT.usage);
    if ((field === 'priorityNumber' || field === 'commitmentNumber') && !/^\d{1,6}$/.test(text))
      throw new CliError(`--default ${fieldName(field)} must be a whole number, not "${text}"`, EXIT.usage);
    defaults.set(field, text);
  }
  return defaults;
}

const describeColumns = (header: string[]) => header.map((h) => `"${h}"`).join(', ');

/** The column a --map name refers to: its exact name, else the one name equal but for case and accents. */
export function columnIndex(header: string[], name: string, file: string): number {
  const exact = header.flatMap((h, i) => (h === name.trim() ? [i] : []));
  const matches =
    exact.length > 0 ? exact : header.flatMap((h, i) => (normalise(h) === normalise(name) && normalise(name) !== '' ? [i] : []));
  if (matches.length === 0) throw new CliError(`${file} has no column "${name}"; its columns are ${describeColumns(header)}`, EXIT.usage);
  if (matches.length > 1)
    throw new CliError(
      `${file} has ${matches.length} columns named "${name}" (columns ${matches.map((i) => i + 1).join(', ')}): rename one`,
      EXIT.usage,
    );
  return matches[0]!;
}

export function columnMapFrom(header: string[], given: Map<Field, string>, file: string): ColumnMap {
  const map: ColumnMap = {};
  for (const [field, column] of given) map[field] = [columnIndex(header, column, file)];
  return map;
}

/** The mapping as people read it: field name → column name(s). */
export function describeMapping(header: string[], map: ColumnMap): Record<string, string> {
  return Object.fromEntries(
    (Object.entries(map) as Array<[Field, number[]]>).map(([field, columns]) => [
      fieldName(field),
      columns.map((i) => header[i]!).join(' | '),
    ]),
  );
}

export type { FieldName };
