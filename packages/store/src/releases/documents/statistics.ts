import type { OverlapCounts } from '@delineate/core';
import { mulberry32 } from '../../workflow/sampling';

/** Bootstrap settings, recorded in the document so the intervals can be recomputed. */
export const BOOTSTRAP = { resamples: 2000, seed: 20260501, level: 0.95 } as const;

export interface MeanWithCi {
  readonly n: number;
  readonly mean: number | null;
  /** Percentile bootstrap interval of the mean; null with fewer than two values. */
  readonly ci: readonly [number, number] | null;
}

/**
 * The mean of finite values with a percentile-bootstrap 95 % interval. The generator is seeded
 * (never time or Math.random), so the same values always give the same interval.
 */
export function meanWithCi(values: readonly (number | null)[]): MeanWithCi {
  const kept = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = kept.length;
  if (n === 0) return { n, mean: null, ci: null };
  const mean = kept.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { n, mean, ci: null };
  const random = mulberry32(BOOTSTRAP.seed);
  const means = new Float64Array(BOOTSTRAP.resamples);
  for (let b = 0; b < BOOTSTRAP.resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += kept[Math.floor(random() * n)] ?? 0;
    means[b] = s / n;
  }
  means.sort();
  const tail = (1 - BOOTSTRAP.level) / 2;
  const at = (q: number): number => means[Math.min(BOOTSTRAP.resamples - 1, Math.max(0, Math.round(q * (BOOTSTRAP.resamples - 1))))] ?? mean;
  return { n, mean, ci: [at(tail), at(1 - tail)] };
}

/** Cohen's kappa of two readers on one label (label against everything else, every voxel a case). */
export function cohenKappa(c: OverlapCounts): number | null {
  const n = c.truePositive + c.falsePositive + c.falseNegative + c.trueNegative;
  if (n === 0) return null;
  const observed = (c.truePositive + c.trueNegative) / n;
  const yesA = (c.truePositive + c.falseNegative) / n;
  const yesB = (c.truePositive + c.falsePositive) / n;
  const expected = yesA * yesB + (1 - yesA) * (1 - yesB);
  return expected === 1 ? null : (observed - expected) / (1 - expected);
}
