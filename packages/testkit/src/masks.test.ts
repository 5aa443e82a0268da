import { type BinaryMask, gridOf } from '@delineate/core';
import { describe, expect, it } from 'vitest';
import { countPair, ellipsoidMask, shiftMask, shiftedEllipsoidPair, unionMasks } from './masks';

/** Brute-force symmetric Hausdorff distance (mm) between foreground voxel centres. */
function bruteHausdorff(a: BinaryMask, b: BinaryMask): number {
  const [nx, ny] = a.grid.dims;
  const [sx, sy, sz] = a.grid.spacing;
  const points = (m: BinaryMask): number[][] =>
    [...m.data.keys()].filter((i) => m.data[i]).map((i) => [(i % nx) * sx, (Math.floor(i / nx) % ny) * sy, Math.floor(i / (nx * ny)) * sz]);
  const pa = points(a);
  const pb = points(b);
  const directed = (from: number[][], to: number[][]): number =>
    Math.max(...from.map((p) => Math.min(...to.map((q) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!)))));
  return Math.max(directed(pa, pb), directed(pb, pa));
}

describe('ellipsoidMask', () => {
  it('approximates the analytic volume on an anisotropic grid', () => {
    const grid = gridOf([60, 60, 30], [0.5, 0.5, 1]);
    const mask = ellipsoidMask(grid, { centre: [29.5, 29.5, 14.5], radiiMm: [10, 8, 6] });
    const voxels = countPair(mask, mask).a;
    const analytic = ((4 / 3) * Math.PI * 10 * 8 * 6) / (0.5 * 0.5 * 1);
    expect(Math.abs(voxels - analytic) / analytic).toBeLessThan(0.03);
  });
});

describe('shiftedEllipsoidPair', () => {
  it('gives Dice 1 and distance 0 without a shift', () => {
    const pair = shiftedEllipsoidPair({ dims: [20, 20, 20], radiiMm: [5, 5, 5], shift: [0, 0, 0] });
    expect(pair.counts.dice).toBe(1);
    expect(pair.hausdorffMm).toBe(0);
  });

  it('states the exact Hausdorff distance of a single-axis shift, as a brute-force search confirms', () => {
    const pair = shiftedEllipsoidPair({ dims: [18, 16, 10], spacing: [0.8, 0.8, 2.5], radiiMm: [5, 4, 8], shift: [0, 0, 2] });
    expect(pair.counts.a).toBe(pair.counts.b);
    expect(pair.counts.dice).toBeGreaterThan(0);
    expect(pair.counts.dice).toBeLessThan(1);
    expect(pair.hausdorffMm).toBeCloseTo(5, 5);
    expect(bruteHausdorff(pair.a, pair.b)).toBeCloseTo(pair.hausdorffMm!, 5);

    const sideways = shiftedEllipsoidPair({ dims: [30, 20, 20], radiiMm: [6, 6, 6], shift: [-3, 0, 0] });
    expect(sideways.hausdorffMm).toBe(3);
    expect(bruteHausdorff(sideways.a, sideways.b)).toBeCloseTo(3, 5);
  });

  it('leaves the distance undefined for oblique shifts and when the shape leaves the grid', () => {
    expect(shiftedEllipsoidPair({ dims: [20, 20, 20], radiiMm: [4, 4, 4], shift: [1, 1, 0] }).hausdorffMm).toBeUndefined();
    const clipped = shiftedEllipsoidPair({ dims: [20, 20, 20], radiiMm: [4, 4, 4], shift: [8, 0, 0] });
    expect(clipped.counts.b).toBeLessThan(clipped.counts.a);
    expect(clipped.hausdorffMm).toBeUndefined();
  });
});

describe('shiftMask and unionMasks', () => {
  it('moves voxels by whole steps and drops those leaving the grid', () => {
    const grid = gridOf([4, 1, 1], [1, 1, 1]);
    const mask = { grid, data: Uint8Array.from([1, 0, 1, 1]) };
    expect([...shiftMask(mask, [1, 0, 0]).data]).toEqual([0, 1, 0, 1]);
    expect([...shiftMask(mask, [-2, 0, 0]).data]).toEqual([1, 1, 0, 0]);
    expect(() => shiftMask(mask, [0.5, 0, 0])).toThrow(RangeError);
    expect([...unionMasks(mask, shiftMask(mask, [1, 0, 0])).data]).toEqual([1, 1, 1, 1]);
  });

  it('counts overlap of two disjoint masks as Dice 0 and of two empty masks as NaN', () => {
    const grid = gridOf([3, 1, 1], [1, 1, 1]);
    const a = { grid, data: Uint8Array.from([1, 0, 0]) };
    const b = { grid, data: Uint8Array.from([0, 0, 1]) };
    const empty = { grid, data: new Uint8Array(3) };
    expect(countPair(a, b)).toMatchObject({ intersection: 0, union: 2, dice: 0, jaccard: 0 });
    expect(countPair(empty, empty).dice).toBeNaN();
  });
});
