/**
 * The aggregation policy over many pairs or cases (docs/metrics.md): NaN results (both masks
 * empty: nothing to compare) are left out and counted; Infinity results (exactly one empty) stay
 * in, so the mean and maximum become Infinity while the median and minimum stay informative.
 */
export interface Summary {
  readonly n: number;
  /** Values left out because they were NaN. */
  readonly undefinedCount: number;
  readonly mean: number;
  readonly sd: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): Summary {
  const kept = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = kept.length;
  const undefinedCount = values.length - n;
  if (n === 0) return { n, undefinedCount, mean: NaN, sd: NaN, median: NaN, min: NaN, max: NaN };
  const mean = kept.reduce((a, b) => a + b, 0) / n;
  const sd = n < 2 || !Number.isFinite(mean) ? (n < 2 ? 0 : NaN) : Math.sqrt(kept.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const mid = n >> 1;
  const median = n % 2 === 1 ? (kept[mid] ?? NaN) : ((kept[mid - 1] ?? NaN) + (kept[mid] ?? NaN)) / 2;
  return { n, undefinedCount, mean, sd, median, min: kept[0] ?? NaN, max: kept[n - 1] ?? NaN };
}
