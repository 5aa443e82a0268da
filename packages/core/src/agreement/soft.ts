import type { BinaryMask, LabelArray } from '../mask/mask';

/** Per voxel, how many raters gave `label` (0‥raters). */
export function voteCounts(raters: readonly LabelArray[], label: number): Uint8Array | Uint16Array {
  const n = raters[0]?.length ?? 0;
  const out = raters.length <= 255 ? new Uint8Array(n) : new Uint16Array(n);
  for (const d of raters) for (let i = 0; i < n; i++) if (d[i] === label) out[i] = (out[i] ?? 0) + 1;
  return out;
}

/** The mean of the raters as a probability map: votes / raters. */
export function meanProbability(raters: readonly LabelArray[], label: number): Float32Array {
  const counts = voteCounts(raters, label);
  const out = new Float32Array(counts.length);
  const R = raters.length;
  for (let i = 0; i < counts.length; i++) out[i] = (counts[i] ?? 0) / R;
  return out;
}

/** A soft segmentation as integer votes out of `raters`, so thresholds compare exactly. */
export interface VoteMap {
  readonly votes: ArrayLike<number>;
  readonly raters: number;
}

/**
 * QUBIQ score: the mean over thresholds t = k/10, k = 1‥9, of the Dice of the two maps
 * binarised at p > t. Comparisons are exact on integers: votes/raters > k/10 ⇔ 10·votes > k·raters
 * (floating 0.1·k would misclassify e.g. 3 of 10 votes at t = 0.3). A threshold at which both
 * binarised maps are empty scores 1, as in the QUBIQ evaluation.
 */
export function qubiqScore(reference: VoteMap, test: VoteMap): number {
  const n = reference.votes.length;
  let total = 0;
  for (let k = 1; k <= 9; k++) {
    let inter = 0, a = 0, b = 0;
    const ra = k * reference.raters, rb = k * test.raters;
    for (let i = 0; i < n; i++) {
      const x = 10 * (reference.votes[i] ?? 0) > ra ? 1 : 0;
      const y = 10 * (test.votes[i] ?? 0) > rb ? 1 : 0;
      a += x;
      b += y;
      inter += x & y;
    }
    total += a + b === 0 ? 1 : (2 * inter) / (a + b);
  }
  return total / 9;
}

/** 1 − IoU, 0 for two empty masks (Kohl et al. 2018). */
export function iouDistance(a: BinaryMask, b: BinaryMask): number {
  let inter = 0, union = 0;
  const x = a.data, y = b.data;
  for (let i = 0; i < x.length; i++) {
    const p = x[i] ?? 0, q = y[i] ?? 0;
    inter += p & q;
    union += p | q;
  }
  return union === 0 ? 0 : 1 - inter / union;
}

/**
 * Generalised energy distance D² = 2·E[d(S, Y)] − E[d(S, S′)] − E[d(Y, Y′)] with d = 1 − IoU,
 * each expectation the mean over all ordered pairs (same-sample pairs included, contributing 0).
 */
export function generalizedEnergyDistance(samples: readonly BinaryMask[], raters: readonly BinaryMask[]): number {
  const mean = (xs: readonly BinaryMask[], ys: readonly BinaryMask[]): number => {
    let s = 0;
    for (const x of xs) for (const y of ys) s += x === y ? 0 : iouDistance(x, y);
    return s / (xs.length * ys.length);
  };
  return 2 * mean(samples, raters) - mean(samples, samples) - mean(raters, raters);
}
