import type { BinaryMask } from '../mask/mask';

/** Voxel counts of a reference/test pair. */
export interface OverlapCounts {
  readonly truePositive: number;
  readonly falsePositive: number;
  readonly falseNegative: number;
  readonly trueNegative: number;
}

/**
 * Overlap measures of a test mask against a reference. Raw values follow docs/metrics.md:
 * 0/0 (both masks empty, or an empty reference for sensitivity) gives NaN, never a guess.
 */
export interface OverlapMetrics {
  readonly dice: number;
  readonly jaccard: number;
  /** 1 − |V_test − V_ref| / (V_test + V_ref). */
  readonly volumeSimilarity: number;
  readonly sensitivity: number;
  readonly precision: number;
  readonly specificity: number;
  /** Cohen's kappa over all voxels of the compared region, two categories. */
  readonly cohenKappa: number;
  readonly referenceVoxels: number;
  readonly testVoxels: number;
}

export function overlapCounts(reference: BinaryMask, test: BinaryMask): OverlapCounts {
  const r = reference.data, t = test.data;
  let tp = 0, rn = 0, tn = 0;
  let start = 0;
  if (r.byteOffset % 4 === 0 && t.byteOffset % 4 === 0) {
    // Masks hold 0/1 bytes, so a word's byte sum is (w · 0x01010101) >>> 24.
    const n4 = r.length >> 2;
    const rw = new Uint32Array(r.buffer, r.byteOffset, n4), tw = new Uint32Array(t.buffer, t.byteOffset, n4);
    for (let i = 0; i < n4; i++) {
      const a = rw[i] ?? 0, b = tw[i] ?? 0;
      if ((a | b) === 0) continue;
      rn += Math.imul(a, 0x01010101) >>> 24;
      tn += Math.imul(b, 0x01010101) >>> 24;
      tp += Math.imul(a & b, 0x01010101) >>> 24;
    }
    start = n4 << 2;
  }
  for (let i = start; i < r.length; i++) {
    const a = r[i] ?? 0, b = t[i] ?? 0;
    rn += a;
    tn += b;
    tp += a & b;
  }
  return { truePositive: tp, falsePositive: tn - tp, falseNegative: rn - tp, trueNegative: r.length - rn - tn + tp };
}

export function overlapMetrics(c: OverlapCounts): OverlapMetrics {
  const { truePositive: tp, falsePositive: fp, falseNegative: fn, trueNegative: tn } = c;
  const n = tp + fp + fn + tn;
  const ref = tp + fn, test = tp + fp;
  const po = (tp + tn) / n;
  const pe = (ref * test + (n - ref) * (n - test)) / (n * n);
  return {
    dice: (2 * tp) / (ref + test),
    jaccard: tp / (tp + fp + fn),
    volumeSimilarity: 1 - Math.abs(test - ref) / (ref + test),
    sensitivity: tp / ref,
    precision: tp / test,
    specificity: tn / (tn + fp),
    cohenKappa: (po - pe) / (1 - pe),
    referenceVoxels: ref,
    testVoxels: test,
  };
}
