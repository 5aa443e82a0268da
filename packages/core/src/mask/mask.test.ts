import { describe, expect, it } from 'vitest';
import { encodeRle8 } from '../encoding/rle';
import { gridOf } from './grid';
import { cropLabelPair, labelMap, labelMapFromRle, labelsPresent, selectLabel, unionBoundingBox } from './mask';

describe('masks', () => {
  it('reads the stored rle encoding, lists labels and selects one', () => {
    const grid = gridOf([4, 3, 2], [0.7, 0.7, 2.5]);
    const data = new Uint8Array(24);
    data[5] = 2;
    data[17] = 1;
    const r = labelMapFromRle(grid, encodeRle8(data));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(labelsPresent(r.map)).toEqual([1, 2]);
    expect(unionBoundingBox([selectLabel(r.map, 1), selectLabel(r.map, 2)])).toEqual({ min: [1, 1, 0], max: [1, 1, 1] });
    expect(grid.spacing[0]).toBe(Math.fround(0.7));
    expect(labelMapFromRle(grid, new Uint8Array([1, 3])).ok).toBe(false);
    expect(() => labelMap(grid, new Uint8Array(3))).toThrow();
  });
});

describe('cropLabelPair', () => {
  it('crops to the union box plus margin without changing surface metrics', async () => {
    const { surfaceDistances } = await import('../metrics/surface');
    const { surfaceMetrics } = await import('../metrics/surface-metrics');
    const grid = gridOf([20, 18, 9], [0.8, 0.9, 2]);
    const a = new Uint8Array(20 * 18 * 9), b = new Uint8Array(20 * 18 * 9);
    for (let z = 0; z < 4; z++) for (let y = 3; y < 9; y++) for (let x = 0; x < 6; x++) a[(z * 18 + y) * 20 + x] = 2;
    for (let z = 1; z < 5; z++) for (let y = 4; y < 11; y++) for (let x = 1; x < 7; x++) b[(z * 18 + y) * 20 + x] = 2;
    const ref = labelMap(grid, a), test = labelMap(grid, b);
    const crop = cropLabelPair(ref, test, 2);
    expect(crop?.box).toEqual({ min: [1, 1, 1], max: [7, 8, 5] });
    expect(crop?.reference.grid.dims).toEqual([9, 10, 7]);
    for (const c of ['surfel', 'voxel'] as const) {
      const whole = surfaceMetrics(surfaceDistances(selectLabel(ref, 2), selectLabel(test, 2), c));
      const cropped = surfaceMetrics(surfaceDistances(crop!.reference, crop!.test, c));
      expect(cropped.hausdorff).toBe(whole.hausdorff);
      expect(cropped.assd).toBeCloseTo(whole.assd, 12);
    }
    expect(cropLabelPair(ref, test, 5)).toBeNull();
  });
});

describe('scanLabelPair', () => {
  it('gives each label its counts and union box in one pass, word path and byte path alike', async () => {
    const { scanLabelPair, labelOverlapCounts } = await import('./mask');
    for (const nx of [8, 7]) {
      const grid = gridOf([nx, 5, 3], [1, 1, 1]);
      const n = nx * 15;
      const a = Uint8Array.from({ length: n }, (_, i) => (i % 11 === 0 ? 1 : i % 13 === 0 ? 2 : 0));
      const b = Uint8Array.from({ length: n }, (_, i) => (i % 11 === 0 || i % 17 === 0 ? 1 : 0));
      const ref = labelMap(grid, a), test = labelMap(grid, b);
      const scan = scanLabelPair(ref, test);
      expect([...scan.keys()]).toEqual([1, 2]);
      for (const label of [1, 2]) {
        const c = labelOverlapCounts(ref, test, label);
        const s = scan.get(label);
        expect(s?.both).toBe(c.truePositive);
        expect(s?.reference).toBe(c.truePositive + c.falseNegative);
        expect(s?.test).toBe(c.truePositive + c.falsePositive);
        const c0 = cropLabelPair(ref, test, label, 0);
        expect(c0?.reference.grid.dims).toEqual(s ? s.box.max.map((m, i) => m - (s.box.min[i] ?? 0) + 1) : undefined);
      }
    }
  });
});

describe('cropLabelPair fast copy', () => {
  it('copies rows of single-label byte maps and gives the same crop as the label test', () => {
    const grid = gridOf([12, 6, 4], [1, 1, 1]);
    const a = Uint8Array.from({ length: 288 }, (_, i) => (i % 5 === 1 ? 1 : 0));
    const b = Uint8Array.from({ length: 288 }, (_, i) => (i % 7 === 2 ? 1 : 0));
    const slow = cropLabelPair(labelMap(grid, a), labelMap(grid, b), 1, 1);
    const fast = cropLabelPair(labelMap(grid, a), labelMap(grid, b), 1, 1, slow?.box && undefined, true);
    expect(fast?.reference.data).toEqual(slow?.reference.data);
    expect(fast?.test.data).toEqual(slow?.test.data);
  });
});

describe('scanLabelPair float64 skip', () => {
  it('does not skip a group whose only voxel is label 128 in the top byte (reads as −0)', async () => {
    const { scanLabelPair } = await import('./mask');
    const grid = gridOf([16, 2, 1], [1, 1, 1]);
    const a = new Uint8Array(32), b = new Uint8Array(32);
    a[7] = 128;
    b[23] = 128;
    const scan = scanLabelPair(labelMap(grid, a), labelMap(grid, b));
    expect(scan.get(128)).toMatchObject({ reference: 1, test: 1, both: 0, box: { min: [7, 0, 0], max: [7, 1, 0] } });
  });
});

describe('labelSurfaceDistances', () => {
  it('equals the whole-image computation for each label of two label maps', async () => {
    const { labelSurfaceDistances, surfaceDistances } = await import('../metrics/surface');
    const grid = gridOf([14, 12, 6], [0.7, 0.9, 2.5]);
    const a = new Uint8Array(14 * 12 * 6), b = new Uint8Array(14 * 12 * 6);
    for (let i = 0; i < a.length; i++) {
      const x = i % 14, y = Math.floor(i / 14) % 12;
      a[i] = x < 5 ? 1 : x > 8 && y < 7 ? 2 : 0;
      b[i] = x < 6 && y > 0 ? 1 : x > 9 ? 2 : 0;
    }
    const ref = labelMap(grid, a), test = labelMap(grid, b);
    for (const label of [1, 2])
      for (const c of ['surfel', 'voxel'] as const) {
        const fast = labelSurfaceDistances(ref, test, label, c);
        const whole = surfaceDistances(selectLabel(ref, label), selectLabel(test, label), c);
        expect(fast).toEqual(whole);
      }
  });
});
