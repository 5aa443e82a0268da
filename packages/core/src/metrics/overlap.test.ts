import { describe, expect, it } from 'vitest';
import { gridOf } from '../mask/grid';
import { binaryMask } from '../mask/mask';
import { overlapCounts, overlapMetrics } from './overlap';

describe('overlap metrics', () => {
  it('computes Dice, Jaccard, volume similarity, sensitivity, precision and Cohen kappa from counts', () => {
    // 10 voxels: reference 1111100000, test 0111110000 → TP 4, FP 1, FN 1, TN 4.
    const grid = gridOf([10, 1], [1, 1]);
    const ref = binaryMask(grid, Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]));
    const test = binaryMask(grid, Uint8Array.from([0, 1, 1, 1, 1, 1, 0, 0, 0, 0]));
    const c = overlapCounts(ref, test);
    expect(c).toEqual({ truePositive: 4, falsePositive: 1, falseNegative: 1, trueNegative: 4 });
    const m = overlapMetrics(c);
    expect(m.dice).toBeCloseTo(0.8, 12);
    expect(m.jaccard).toBeCloseTo(4 / 6, 12);
    expect(m.volumeSimilarity).toBe(1);
    expect(m.sensitivity).toBeCloseTo(0.8, 12);
    expect(m.precision).toBeCloseTo(0.8, 12);
    // po = 0.8, pe = 0.5 → kappa 0.6
    expect(m.cohenKappa).toBeCloseTo(0.6, 12);
  });

  it('reports 0/0 as NaN and a one-sided empty pair as Dice 0', () => {
    const grid = gridOf([4, 1], [1, 1]);
    const empty = binaryMask(grid, new Uint8Array(4));
    const one = binaryMask(grid, Uint8Array.from([0, 1, 0, 0]));
    expect(overlapMetrics(overlapCounts(empty, empty)).dice).toBeNaN();
    expect(overlapMetrics(overlapCounts(one, empty)).dice).toBe(0);
    expect(overlapMetrics(overlapCounts(one, empty)).volumeSimilarity).toBe(0);
  });
});
