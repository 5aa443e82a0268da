import { describe, expect, it } from 'vitest';
import { overlapCounts, overlapMetrics } from './overlap';
import { surfaceDistances } from './surface';
import { surfaceMetrics } from './surface-metrics';
import { surfelAreaTable, surfelNormals } from './surfel-areas';
import { maskFromNumpy, monaiSphere } from '../test/volumes';

/** Relative closeness, 1e-6 unless said otherwise. */
function expectRel(actual: number, expected: number, rel = 1e-6): void {
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected), 1e-12));
}

describe('surfel table', () => {
  it('has the marching-cubes triangles of google-deepmind/surface-distance lookup_tables.py (upper half by complement)', () => {
    // Entries 248 and 232 of _NEIGHBOUR_CODE_TO_NORMALS, read from the upper half of that table.
    expect(surfelNormals(248)).toEqual([[0.5, 0, 0], [0.25, 0.25, 0.25], [0.125, 0.125, 0.125]]);
    expect(surfelNormals(232)).toEqual([[0.125, 0.125, 0.125], [0.25, 0.25, 0.25], [0.25, 0.25, 0.25], [0.125, 0.125, 0.125]]);
    const t = surfelAreaTable([1, 1, 1]);
    expect(t[15]).toBe(1); // a full face between two voxel layers
    expectRel(t[1] ?? 0, Math.sqrt(3) / 8);
  });
});

describe('surfel convention: known answers of google-deepmind/surface-distance (surface_distance_test.py)', () => {
  it('2D test_on_2_pixels_2mm_away (spacing 2, 1)', () => {
    const gt = maskFromNumpy([128, 128], [2, 1], (a, b) => a === 50 && b === 70);
    const pred = maskFromNumpy([128, 128], [2, 1], (a, b) => a === 50 && b === 72);
    const sd = surfaceDistances(gt, pred, 'surfel');
    const diag = 0.5 * Math.sqrt(5);
    expect([...sd.referenceToTest.values]).toEqual([1, 2]);
    expectRel(sd.referenceToTest.weights[0] ?? 0, 2 * diag);
    expectRel(sd.referenceToTest.totalWeight, 4 * diag);
    const m = surfaceMetrics(sd, { percentile: 95, tolerancesMm: [1] });
    expectRel(m.averageDistance.referenceToTest, 1.5);
    expectRel(m.averageDistance.testToReference, 1.5);
    expectRel(m.hausdorff, 2);
    expectRel(m.hausdorffPercentile, 2);
    expectRel(m.surfaceDice[0]?.value ?? NaN, 0.5);
    expect(overlapMetrics(overlapCounts(gt, pred)).dice).toBe(0);
  });

  it('2D test_two_squares_shifted_by_one_pixel (spacing 2, 1), expected lists as in the test', () => {
    const gt = maskFromNumpy([6, 6], [2, 1], (a, b) => a >= 1 && a <= 2 && b >= 1 && b <= 2);
    const pred = maskFromNumpy([6, 6], [2, 1], (a, b) => a >= 1 && a <= 3 && b >= 1 && b <= 2);
    const v = 2, h = 1, diag = 0.5 * Math.sqrt(5);
    // The test's expected_surfel_areas_* and expected_distances_* lists.
    const areasGt = [diag, h, diag, v, diag, h, diag, v];
    const distGt = [0, 0, 0, 0, 0, h, 0, 0];
    const areasPred = [diag, h, diag, v, v, diag, h, diag, v, v];
    const distPred = [0, 0, 0, 0, 0, v, v, v, 0, 0];
    const wmean = (d: number[], a: number[]): number => d.reduce((s, x, i) => s + x * (a[i] ?? 0), 0) / a.reduce((s, x) => s + x, 0);
    const within = (d: number[], a: number[], tol: number): number => d.reduce((s, x, i) => s + (x <= tol ? (a[i] ?? 0) : 0), 0);
    const sd = surfaceDistances(gt, pred, 'surfel');
    expect(sd.referenceToTest.totalCount).toBe(8);
    expect(sd.testToReference.totalCount).toBe(10);
    const m = surfaceMetrics(sd, { percentile: 95, tolerancesMm: [1] });
    expectRel(m.averageDistance.referenceToTest, wmean(distGt, areasGt));
    expectRel(m.averageDistance.testToReference, wmean(distPred, areasPred));
    expectRel(m.hausdorff, 2);
    expectRel(m.hausdorffPercentile, 2);
    const total = areasGt.reduce((s, x) => s + x, 0) + areasPred.reduce((s, x) => s + x, 0);
    expectRel(m.surfaceDice[0]?.value ?? NaN, (within(distGt, areasGt, 1) + within(distPred, areasPred, 1)) / total);
    expectRel(overlapMetrics(overlapCounts(gt, pred)).dice, 0.8);
  });

  it('3D test_on_2_pixels_2mm_away (spacing 3, 2, 1)', () => {
    const gt = maskFromNumpy([128, 128, 128], [3, 2, 1], (a, b, c) => a === 50 && b === 60 && c === 70);
    const pred = maskFromNumpy([128, 128, 128], [3, 2, 1], (a, b, c) => a === 50 && b === 60 && c === 72);
    const m = surfaceMetrics(surfaceDistances(gt, pred, 'surfel'), { tolerancesMm: [1] });
    expectRel(m.averageDistance.referenceToTest, 1.5);
    expectRel(m.averageDistance.testToReference, 1.5);
    expectRel(m.hausdorff, 2);
    expectRel(m.hausdorffPercentile, 2);
    expectRel(m.surfaceDice[0]?.value ?? NaN, 0.5);
  });

  it('3D test_two_cubes_shifted_by_one_pixel (spacing 2, 1, 1), published to 3 decimals', () => {
    const gt = maskFromNumpy([100, 100, 100], [2, 1, 1], (a) => a < 50);
    const pred = maskFromNumpy([100, 100, 100], [2, 1, 1], (a) => a < 51);
    const m = surfaceMetrics(surfaceDistances(gt, pred, 'surfel'), { tolerancesMm: [1] });
    expect(m.averageDistance.referenceToTest).toBeCloseTo(0.322, 3);
    expect(m.averageDistance.testToReference).toBeCloseTo(0.339, 3);
    expectRel(m.hausdorff, 2);
    expectRel(m.hausdorffPercentile, 2);
    expect(m.surfaceDice[0]?.value).toBeCloseTo(0.836, 3);
    expect(overlapMetrics(overlapCounts(gt, pred)).dice).toBeCloseTo(0.99, 3);
  });

  // The same algorithm run through numpy/scipy (correlate for the neighbour codes, distance_transform_edt,
  // cumsum + searchsorted) with the lookup table above, to check the cases to 1e-6: the published
  // test gives the cubes to 3 decimals only.
  it('test_two_cubes_shifted_by_one_pixel to 1e-6 against a numpy/scipy run of the algorithm', () => {
    const gt = maskFromNumpy([100, 100, 100], [2, 1, 1], (a) => a < 50);
    const pred = maskFromNumpy([100, 100, 100], [2, 1, 1], (a) => a < 51);
    const m = surfaceMetrics(surfaceDistances(gt, pred, 'surfel'), { tolerancesMm: [1] });
    expectRel(m.averageDistance.referenceToTest, 0.32244707267666795);
    expectRel(m.averageDistance.testToReference, 0.3393962930605405);
    expectRel(m.surfaceDice[0]?.value ?? NaN, 0.8361450084979621);
  });

  it('two anisotropic blobs (spacing 2.5, 0.9, 0.7) to 1e-6 against a numpy/scipy run of the algorithm', () => {
    const gt = maskFromNumpy([20, 30, 28], [2.5, 0.9, 0.7], (z, y, x) => ((z - 9) / 6.5) ** 2 + ((y - 14) / 9.0) ** 2 + ((x - 13) / 7.5) ** 2 <= 1);
    const pred = maskFromNumpy([20, 30, 28], [2.5, 0.9, 0.7], (z, y, x) =>
      ((z - 10) / 6.0) ** 2 + ((y - 15) / 8.0) ** 2 + ((x - 12) / 8.5) ** 2 <= 1 || ((z - 4) / 2.5) ** 2 + ((y - 6) / 3.0) ** 2 + ((x - 20) / 3.0) ** 2 <= 1,
    );
    const m = surfaceMetrics(surfaceDistances(gt, pred, 'surfel'), { percentile: 95, tolerancesMm: [1] });
    expectRel(m.averageDistance.referenceToTest, 0.7459217995538866);
    expectRel(m.averageDistance.testToReference, 0.968266459403893);
    expectRel(m.hausdorff, 7.456540752922899);
    expectRel(m.hausdorffPercentile, 3.9370039370059056);
    expectRel(m.surfaceDice[0]?.value ?? NaN, 0.6821767132177077);
  });

  it('empty prediction / ground truth / both (test_empty_*): Infinity and NaN per docs/metrics.md', () => {
    const one = maskFromNumpy([32, 32, 32], [3, 2, 1], (a, b, c) => a === 10 && b === 12 && c === 14);
    const none = maskFromNumpy([32, 32, 32], [3, 2, 1], () => false);
    const predEmpty = surfaceMetrics(surfaceDistances(one, none, 'surfel'));
    expect(predEmpty.hausdorff).toBe(Infinity);
    expect(predEmpty.hausdorffPercentile).toBe(Infinity);
    expect(predEmpty.averageDistance.referenceToTest).toBe(Infinity);
    expect(predEmpty.averageDistance.testToReference).toBeNaN();
    expect(predEmpty.surfaceDice[0]?.value).toBe(0);
    const gtEmpty = surfaceMetrics(surfaceDistances(none, one, 'surfel'));
    expect(gtEmpty.averageDistance.referenceToTest).toBeNaN();
    expect(gtEmpty.averageDistance.testToReference).toBe(Infinity);
    expect(gtEmpty.assd).toBe(Infinity);
    // Deliberate difference: deepmind reports Infinity for the Hausdorff of two empty masks; we report NaN (nothing to compare).
    const both = surfaceMetrics(surfaceDistances(none, none, 'surfel'));
    expect(both.hausdorff).toBeNaN();
    expect(both.surfaceDice[0]?.value).toBeNaN();
    expect(overlapMetrics(overlapCounts(none, none)).dice).toBeNaN();
  });
});

describe('voxel convention: known answers of MONAI (tests/metrics/test_hausdorff_distance.py, test_surface_distance.py)', () => {
  // HausdorffDistanceMetric(y_pred=seg_1, y=seg_2): "directed" is seg_1 → seg_2, i.e. test → reference here.
  const spacing = [0.85, 1.2, 0.9] as const;
  it.each([
    ['identical spheres', [20, [49, 49, 49]], [20, [49, 49, 49]], undefined, 100, 0, 0],
    ['r20 (20,20,20) vs (19,19,19)', [20, [20, 20, 20]], [20, [19, 19, 19]], undefined, 100, 1.7320508075688772, 1.7320508075688772],
    ['r33 shifted by one', [33, [19, 33, 22]], [33, [20, 33, 22]], undefined, 100, 1, 1],
    ['r20 inside r40', [20, [20, 33, 22]], [40, [20, 33, 22]], undefined, 100, 20.09975124224178, 20.223748416156685],
    ['r20 inside r40, 95th percentile', [20, [20, 33, 22]], [40, [20, 33, 22]], undefined, 95, 19.924858845171276, 20.09975124224178],
    ['spacing (0.85, 1.2, 0.9), r20 shifted', [20, [20, 20, 20]], [20, [19, 19, 19]], spacing, 100, 2.0808651447296143, 2.2671568],
    ['spacing (0.85, 1.2, 0.9), r15 inside r30', [15, [20, 33, 22]], [30, [20, 33, 22]], spacing, 100, 15.439640998840332, 15.62594],
  ] as const)('%s', (_name, s1, s2, sp, percentile, directed, undirected) => {
    const im = sp ?? ([1, 1, 1] as const);
    const seg1 = monaiSphere(s1[0], s1[1], im, im);
    const seg2 = monaiSphere(s2[0], s2[1], im, im);
    const m = surfaceMetrics(surfaceDistances(seg2, seg1, 'voxel'), { percentile });
    const dir = percentile === 100 ? m.directedHausdorff.testToReference : m.directedHausdorffPercentile.testToReference;
    expectRel(dir, directed);
    expectRel(percentile === 100 ? m.hausdorff : m.hausdorffPercentile, undirected);
  });

  it.each([
    ['r33 shifted by one', [33, [19, 33, 22]], [33, [20, 33, 22]], undefined, 0.350217, 0.3483278807706289, 1e-5],
    ['r20 inside r40', [20, [20, 33, 22]], [40, [20, 33, 22]], undefined, 15.117741, 12.040033513150455, 1e-6],
    ['spacing (0.85, 1.2, 0.9), r33 shifted', [33, [42, 45, 52]], [33, [43, 45, 52]], spacing, 0.4951, 0.4951, 1e-4],
  ] as const)('average surface distance: %s', (_name, s1, s2, sp, symmetric, directed, rel) => {
    const im = sp ?? ([1, 1, 1] as const);
    const seg1 = monaiSphere(s1[0], s1[1], im, im);
    const seg2 = monaiSphere(s2[0], s2[1], im, im);
    const m = surfaceMetrics(surfaceDistances(seg2, seg1, 'voxel'));
    // MONAI publishes these to the digits shown (asserted there with rtol 1e-5).
    expectRel(m.assd, symmetric, rel);
    expectRel(m.averageDistance.testToReference, directed, rel);
  });
});

describe('voxel convention: known answers of Metrics Reloaded (test/test_metrics/test_pairwise_measures.py)', () => {
  // Figure 10 of the pitfalls paper: a 5×5 square, the prediction adds a cross through it.
  const pRef = maskFromNumpy([11, 11], [1, 1], (a, b) => a >= 3 && a < 8 && b >= 3 && b < 8);
  const pPred = maskFromNumpy([11, 11], [1, 1], (a, b) => (a >= 3 && a < 8 && b >= 3 && b < 8) || (a === 5 && b >= 1 && b < 10) || (b === 5 && a >= 1 && a < 10));

  it('test_dsc_fbeta 0.862, test_iou 0.76, test_assd 0.44, test_masd 0.425, test_nsd 0.89 (1 mm) and 1.0 (2 mm)', () => {
    const o = overlapMetrics(overlapCounts(pRef, pPred));
    expect(o.dice).toBeCloseTo(0.862, 3);
    expect(o.jaccard).toBeCloseTo(0.76, 2);
    const m = surfaceMetrics(surfaceDistances(pRef, pPred, 'voxel'), { tolerancesMm: [1, 2] });
    expect(m.assd).toBeCloseTo(0.44, 2);
    expectRel(m.assd, 4 / 9); // 8 of 36 border elements at distance 2 (the cross tips)
    expect(m.masd).toBeCloseTo(0.425, 3);
    expect(m.surfaceDice[0]?.value).toBeCloseTo(0.89, 2);
    expect(m.surfaceDice[1]?.value).toBe(1);
  });

  it('test_hd: Hausdorff 11.31 and 95th percentile 6.79 (an isolated reference voxel)', () => {
    const ref = maskFromNumpy([14, 14], [1, 1], (a, b) => (a === 1 && b === 1) || (a >= 9 && a < 12 && b >= 9 && b < 12));
    const pred = maskFromNumpy([14, 14], [1, 1], (a, b) => a >= 9 && a < 12 && b >= 9 && b < 12);
    const m = surfaceMetrics(surfaceDistances(ref, pred, 'voxel'), { percentile: 95 });
    expectRel(m.hausdorff, 8 * Math.SQRT2);
    expect(m.hausdorffPercentile).toBeCloseTo(6.79, 2);
  });

  it("test_cohenskappa2 (f38) 0.003, test_sens (f27) 0.57, test_ppv (SN 2.9) 0.82", () => {
    const line = (runs: [number, number][]): Uint8Array => Uint8Array.from(runs.flatMap(([v, n]) => Array<number>(n).fill(v)));
    const mask = (d: Uint8Array) => maskFromNumpy([d.length, 1], [1, 1], (a) => d[a] === 1);
    const k = overlapMetrics(overlapCounts(mask(line([[1, 1999], [0, 1]])), mask(line([[1, 1499], [0, 501]]))));
    expect(k.cohenKappa).toBeCloseTo(0.003, 3);
    const s = overlapMetrics(overlapCounts(mask(line([[1, 70], [0, 1]])), mask(line([[1, 40], [0, 30], [1, 1]]))));
    expect(s.sensitivity).toBeCloseTo(0.57, 2);
    const p = overlapMetrics(overlapCounts(mask(line([[1, 50], [0, 50]])), mask(line([[1, 45], [0, 5], [1, 10], [0, 40]]))));
    expect(p.precision).toBeCloseTo(0.82, 2);
  });
});
