import { describe, expect, it } from 'vitest';
import { gridOf } from '../mask/grid';
import { binaryMask, labelMap } from '../mask/mask';
import { fleissKappa, krippendorffAlphaNominal, labelAgreement } from './kappa';
import { generalizedEnergyDistance, meanProbability, qubiqScore, voteCounts } from './soft';

describe("Fleiss' kappa and Krippendorff's alpha", () => {
  it("Fleiss' kappa: the worked example of Fleiss (1971) as tabulated on Wikipedia (10 subjects, 14 raters, 5 categories) = 0.210", () => {
    const table = [
      [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ];
    expect(fleissKappa(table)).toBeCloseTo(0.20993070442195522, 12);
    expect(fleissKappa(table)).toBeCloseTo(0.21, 3);
  });

  it("Krippendorff's alpha: binary data, two observers, no missing data (Krippendorff 2011, 'Computing Krippendorff's Alpha-Reliability', A) = 0.095", () => {
    const a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0], b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
    const table = a.map((x, i) => [2 - x - (b[i] ?? 0), x + (b[i] ?? 0)]);
    expect(krippendorffAlphaNominal(table)).toBeCloseTo(1 - 76 / 84, 12);
    expect(krippendorffAlphaNominal(table)).toBeCloseTo(0.095, 3);
  });

  it('per-label agreement over voxels equals the table formulas, and states its region', () => {
    const grid = gridOf([6, 4, 2], [1, 1, 1]);
    const mk = (f: (i: number) => number) => labelMap(grid, Uint8Array.from({ length: 48 }, (_, i) => f(i)));
    const raters = [mk((i) => (i % 5 === 0 ? 1 : 0)), mk((i) => (i % 4 === 0 ? 1 : 0)), mk((i) => (i % 10 === 0 ? 1 : 2))];
    const got = labelAgreement(raters, 1, { kind: 'image' });
    const table = Array.from({ length: 48 }, (_, i) => {
      const n = raters.filter((r) => r.data[i] === 1).length;
      return [n, 3 - n];
    });
    expect(got.fleissKappa).toBeCloseTo(fleissKappa(table), 12);
    expect(got.krippendorffAlpha).toBeCloseTo(krippendorffAlphaNominal(table), 12);
    expect(got.region).toEqual({ kind: 'image', box: { min: [0, 0, 0], max: [5, 3, 1] }, voxels: 48 });
    const boxed = labelAgreement(raters, 1, { kind: 'union-bbox', marginVoxels: 0 });
    expect(boxed.region.kind).toBe('union-bbox');
    expect(boxed.region.voxels).toBeLessThanOrEqual(48);
  });
});

describe('soft labels', () => {
  it('mean probability is votes / raters', () => {
    const r = [Uint8Array.from([1, 1, 0]), Uint8Array.from([1, 0, 0]), Uint8Array.from([1, 0, 2])];
    expect([...meanProbability(r, 1)]).toEqual([1, Math.fround(1 / 3), 0]);
  });

  it('QUBIQ compares k/10 exactly on integer votes: 3 of 10 votes is not above 0.3', () => {
    // Reference: 10 raters; voxel 0 has 3 votes (0.3), voxel 1 has 10. Test: a hard mask on voxel 1 only.
    const ref = { votes: [3, 10], raters: 10 };
    const test = { votes: [0, 1], raters: 1 };
    // t = 0.1, 0.2: reference {0,1} vs test {1} → Dice 2/3; t = 0.3‥0.9: {1} vs {1} → 1.
    expect(qubiqScore(ref, test)).toBeCloseTo((2 * (2 / 3) + 7) / 9, 12);
    expect(qubiqScore(ref, ref)).toBe(1);
  });

  it('generalised energy distance is 0 for identical sets and grows with disagreement', () => {
    const grid = gridOf([4, 1], [1, 1]);
    const a = binaryMask(grid, Uint8Array.from([1, 1, 0, 0]));
    const b = binaryMask(grid, Uint8Array.from([0, 1, 1, 0]));
    expect(generalizedEnergyDistance([a, b], [a, b])).toBeCloseTo(0, 12);
    // d(a,b) = 1 − 1/3 = 2/3. S = {a}, Y = {b}: 2·2/3 − 0 − 0.
    expect(generalizedEnergyDistance([a], [b])).toBeCloseTo(4 / 3, 12);
    expect([...voteCounts([a.data, b.data], 1)]).toEqual([1, 2, 1, 0]);
  });
});

describe('summary policy', () => {
  it('drops NaN (counted), keeps Infinity', async () => {
    const { summarize } = await import('./summary');
    expect(summarize([1, 2, NaN, 3])).toEqual({ n: 3, undefinedCount: 1, mean: 2, sd: 1, median: 2, min: 1, max: 3 });
    const inf = summarize([1, Infinity, 2]);
    expect(inf.mean).toBe(Infinity);
    expect(inf.median).toBe(2);
    expect(summarize([NaN]).mean).toBeNaN();
  });
});
