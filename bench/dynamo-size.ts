/**
 * DynamoDB's item size (what read and write units are charged on): attribute names plus values,
 * as https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 * describes it. Numbers are sized from their significant digits, as DynamoDB stores them.
 */
function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace('.', '').replace(/^0+/, '').replace(/e.*$/, '').length || 1;
    return Math.ceil(digits / 2) + 1;
  }
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + valueSize(v) + 1, 0);
  if (typeof value === 'object') {
    return 3 + Object.entries(value).reduce((sum, [k, v]) => sum + Buffer.byteLength(k, 'utf8') + valueSize(v) + 1, 0);
  }
  return Buffer.byteLength(String(value), 'utf8');
}

export function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [k, v]) => (v === undefined ? sum : sum + Buffer.byteLength(k, 'utf8') + valueSize(v)), 0);
}

/**
 * The repository hands back domain objects without PK, SK and kind; this puts back what those
 * attributes weigh for an item of a plan (PK "PLAN#…", an SK of up to ~60 bytes, kind).
 */
export function storedItemBytes(domainObject: Record<string, unknown>): number {
  const planId = String(domainObject.planId ?? '');
  return itemBytes(domainObject) + 2 + 5 + planId.length + 2 + 60 + 4 + 10;
}

/** Strongly consistent reads: one read unit per 4 KB, summed over a query's page. */
export const readUnits = (bytes: number) => Math.ceil(bytes / 4096);
/** Transactional writes: two write units per 1 KB of each item. */
export const transactionalWriteUnits = (itemSizes: number[]) => itemSizes.reduce((sum, b) => sum + 2 * Math.ceil(b / 1024), 0);

/**
 * Writing an item also writes its entry in each local index whose sort key it carries (the
 * update items, projected whole): one standard write unit per KB per index, on the same partition.
 */
export const indexWriteUnits = (item: Record<string, unknown>, indexSortKeys: readonly string[]) =>
  indexSortKeys.filter((key) => item[key] !== undefined).length * Math.ceil(itemBytes(item) / 1024);
