import type { DirectedDistances, SurfaceConvention, SurfaceDistances } from './surface';

/**
 * Percentile of a directed distance set, in the convention's own method:
 * - `surfel` (google-deepmind/surface-distance): the smallest distance whose cumulative
 *   normalised area reaches p/100 (numpy searchsorted, side left).
 * - `voxel` (MONAI, numpy.percentile default): linear interpolation between order statistics
 *   at rank (n − 1)·p/100.
 * NaN for an empty set.
 */
export function directedPercentile(d: DirectedDistances, percentile: number, convention: SurfaceConvention): number {
  const n = d.values.length;
  if (n === 0) return NaN;
  if (percentile >= 100) return d.values[n - 1] ?? NaN;
  const q = percentile / 100;
  if (convention === 'surfel') {
    let cum = 0;
    for (let i = 0; i < n; i++) {
      cum += d.weights[i] ?? 0;
      if (cum / d.totalWeight >= q) return d.values[i] ?? NaN;
    }
    return d.values[n - 1] ?? NaN;
  }
  const pos = (d.totalCount - 1) * q;
  const lo = Math.floor(pos);
  const t = pos - lo;
  const a = orderStatistic(d, lo);
  const b = orderStatistic(d, Math.min(lo + 1, d.totalCount - 1));
  if (a === b) return a;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

function orderStatistic(d: DirectedDistances, rank: number): number {
  let cum = 0;
  for (let i = 0; i < d.values.length; i++) {
    cum += d.counts[i] ?? 0;
    if (rank < cum) return d.values[i] ?? NaN;
  }
  return d.values[d.values.length - 1] ?? NaN;
}

/** Weighted mean distance of a directed set (area-weighted for `surfel`); NaN when empty. */
export function directedMean(d: DirectedDistances): number {
  if (d.totalCount === 0) return NaN;
  let s = 0;
  for (let i = 0; i < d.values.length; i++) {
    const w = d.weights[i] ?? 0;
    if (w !== 0) s += (d.values[i] ?? 0) * w;
  }
  return s / d.totalWeight;
}

function weightWithin(d: DirectedDistances, tolerance: number): number {
  let s = 0;
  for (let i = 0; i < d.values.length && (d.values[i] ?? Infinity) <= tolerance; i++) s += d.weights[i] ?? 0;
  return s;
}

export interface SurfaceMetricOptions {
  /** Percentile of the robust Hausdorff distance (default 95). */
  readonly percentile?: number;
  /** Surface Dice tolerances in mm (default [1]). */
  readonly tolerancesMm?: readonly number[];
}

export interface SurfaceMetrics {
  readonly convention: SurfaceConvention;
  readonly hausdorff: number;
  readonly percentile: number;
  /** Percentile Hausdorff: per direction, then the larger. */
  readonly hausdorffPercentile: number;
  readonly directedHausdorff: { readonly referenceToTest: number; readonly testToReference: number };
  readonly directedHausdorffPercentile: { readonly referenceToTest: number; readonly testToReference: number };
  readonly averageDistance: { readonly referenceToTest: number; readonly testToReference: number };
  /** (Σd_rt + Σd_tr) / (n_r + n_t), area-weighted for `surfel`. */
  readonly assd: number;
  /** Mean of the two directed averages. */
  readonly masd: number;
  /** Normalised surface Dice at each tolerance, keyed by the tolerance in mm. */
  readonly surfaceDice: ReadonlyArray<{ readonly toleranceMm: number; readonly value: number }>;
  readonly referenceSurface: number;
  readonly testSurface: number;
}

/**
 * Surface statistics of a pair. Empty surfaces (docs/metrics.md): both empty gives NaN
 * everywhere; exactly one empty gives Infinity for every distance and 0 for surface Dice,
 * and NaN for the directed values that start from the empty surface.
 */
export function surfaceMetrics(sd: SurfaceDistances, options: SurfaceMetricOptions = {}): SurfaceMetrics {
  const percentile = options.percentile ?? 95;
  const tolerances = options.tolerancesMm ?? [1];
  const { referenceToTest: rt, testToReference: tr, convention } = sd;
  const emptyR = rt.totalCount === 0, emptyT = tr.totalCount === 0;
  const oneEmpty = emptyR !== emptyT;
  const pick = (value: number): number => (emptyR && emptyT ? NaN : oneEmpty ? Infinity : value);
  const hR = directedPercentile(rt, 100, convention), hT = directedPercentile(tr, 100, convention);
  const pR = directedPercentile(rt, percentile, convention), pT = directedPercentile(tr, percentile, convention);
  const mR = directedMean(rt), mT = directedMean(tr);
  let sum = 0;
  for (const d of [rt, tr]) for (let i = 0; i < d.values.length; i++) sum += (d.values[i] ?? 0) * (d.weights[i] ?? 0);
  const totalW = rt.totalWeight + tr.totalWeight;
  return {
    convention,
    hausdorff: pick(Math.max(hR, hT)),
    percentile,
    hausdorffPercentile: pick(Math.max(pR, pT)),
    directedHausdorff: { referenceToTest: hR, testToReference: hT },
    directedHausdorffPercentile: { referenceToTest: pR, testToReference: pT },
    averageDistance: { referenceToTest: mR, testToReference: mT },
    assd: pick(sum / totalW),
    masd: pick((mR + mT) / 2),
    surfaceDice: tolerances.map((toleranceMm) => ({
      toleranceMm,
      value: emptyR && emptyT ? NaN : (weightWithin(rt, toleranceMm) + weightWithin(tr, toleranceMm)) / totalW,
    })),
    referenceSurface: rt.totalWeight,
    testSurface: tr.totalWeight,
  };
}
