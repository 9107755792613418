/** Percentiles as the report states them: nearest-rank, so a p99 of fewer than 100 samples is the maximum. */
export interface Summary {
  n: number;
  median: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    median: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/**
 * Rounds every number in a result tree to `digits` decimals (small ones to as many significant
 * digits), so latest.json stays readable and its diffs small.
 */
export function rounded<T>(value: T, digits = 3): T {
  const factor = 10 ** digits;
  const round = (v: number) =>
    Number.isInteger(v) || !Number.isFinite(v) ? v : Math.abs(v) < 1 ? Number(v.toPrecision(digits + 1)) : Math.round(v * factor) / factor;
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' ? round(v) : v))) as T;
}

export const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
