import { describe, expect, it } from 'vitest';
import { gridOf } from '../mask/grid';
import { type BinaryMask, binaryMask } from '../mask/mask';
import { seededRandom } from '../test/volumes';
import { surfaceConventions, surfaceDistances } from './surface';
import { surfaceMetrics } from './surface-metrics';

/** One conformance suite, run against every surface convention. */
function box(dims: [number, number, number], spacing: [number, number, number], lo: number[], hi: number[]): BinaryMask {
  const grid = gridOf(dims, spacing);
  const [nx, ny, nz] = dims;
  const data = new Uint8Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const p = [x, y, z];
        if (p.every((v, i) => v >= (lo[i] ?? 0) && v <= (hi[i] ?? 0))) data[(z * ny + y) * nx + x] = 1;
      }
  return binaryMask(grid, data);
}

function blob(seed: number, dims: [number, number, number], spacing: [number, number, number]): BinaryMask {
  const rnd = seededRandom(seed);
  const grid = gridOf(dims, spacing);
  const [nx, ny, nz] = dims;
  const centres = Array.from({ length: 4 }, () => [rnd() * nx, rnd() * ny, rnd() * nz, 2 + rnd() * 4]);
  const data = new Uint8Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++)
        for (const [cx = 0, cy = 0, cz = 0, r = 0] of centres)
          if ((x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2 <= r * r) data[(z * ny + y) * nx + x] = 1;
  return binaryMask(grid, data);
}

describe.each(surfaceConventions)('surface metric conformance: %s', (convention) => {
  const spacing: [number, number, number] = [0.7, 0.9, 2.5];

  it('identity gives 0 distances and surface Dice 1', () => {
    const a = blob(1, [30, 28, 16], spacing);
    const m = surfaceMetrics(surfaceDistances(a, a, convention), { tolerancesMm: [0, 1] });
    expect(m.convention).toBe(convention);
    expect(m.hausdorff).toBe(0);
    expect(m.hausdorffPercentile).toBe(0);
    expect(m.assd).toBe(0);
    expect(m.surfaceDice.map((s) => s.value)).toEqual([1, 1]);
  });

  it('is symmetric: swapping the pair swaps the directions and keeps the symmetric values', () => {
    const a = blob(2, [30, 28, 16], spacing), b = blob(3, [30, 28, 16], spacing);
    const ab = surfaceMetrics(surfaceDistances(a, b, convention), { tolerancesMm: [1, 2.5] });
    const ba = surfaceMetrics(surfaceDistances(b, a, convention), { tolerancesMm: [1, 2.5] });
    expect(ab.hausdorff).toBeGreaterThan(0);
    expect(ba.hausdorff).toBe(ab.hausdorff);
    expect(ba.hausdorffPercentile).toBe(ab.hausdorffPercentile);
    expect(ba.assd).toBeCloseTo(ab.assd, 12);
    expect(ba.masd).toBeCloseTo(ab.masd, 12);
    expect(ba.directedHausdorff.referenceToTest).toBe(ab.directedHausdorff.testToReference);
    expect(ba.surfaceDice[1]?.value).toBeCloseTo(ab.surfaceDice[1]?.value ?? NaN, 12);
  });

  it.each([
    [0, 1],
    [0, 3],
    [1, 2],
    [2, 1],
  ])('a shift by k voxels along axis %i (k = %i) gives Hausdorff k·spacing', (axis, k) => {
    const dims: [number, number, number] = [24, 22, 18];
    const lo = [5, 6, 4], hi = [12, 13, 9];
    const a = box(dims, spacing, lo, hi);
    const shifted = (v: number[]): number[] => v.map((x, i) => (i === axis ? x + k : x));
    const b = box(dims, spacing, shifted(lo), shifted(hi));
    const m = surfaceMetrics(surfaceDistances(a, b, convention), { percentile: 100 });
    const s = Math.fround(spacing[axis] ?? NaN);
    expect(m.hausdorff).toBeCloseTo(k * s, 6);
    expect(m.directedHausdorff.referenceToTest).toBeCloseTo(k * s, 6);
    expect(m.directedHausdorff.testToReference).toBeCloseTo(k * s, 6);
  });

  it('never lets the percentile exceed the maximum, nor surface Dice leave [0, 1]', () => {
    const a = blob(4, [26, 26, 12], spacing), b = blob(5, [26, 26, 12], spacing);
    const m = surfaceMetrics(surfaceDistances(a, b, convention), { percentile: 95, tolerancesMm: [0.5, 1, 5, 100] });
    expect(m.hausdorffPercentile).toBeLessThanOrEqual(m.hausdorff);
    expect(m.assd).toBeLessThanOrEqual(m.hausdorff);
    const v = m.surfaceDice.map((s) => s.value);
    for (let i = 1; i < v.length; i++) expect(v[i] ?? NaN).toBeGreaterThanOrEqual(v[i - 1] ?? NaN);
    expect(v[3]).toBe(1);
  });

  it('treats a mask touching the image edge consistently with one padded away from it', () => {
    const a = box([10, 10, 10], [1, 1, 1], [0, 0, 0], [4, 4, 4]);
    const b = box([10, 10, 10], [1, 1, 1], [0, 0, 0], [5, 4, 4]);
    const a2 = box([12, 12, 12], [1, 1, 1], [1, 1, 1], [5, 5, 5]);
    const b2 = box([12, 12, 12], [1, 1, 1], [1, 1, 1], [6, 5, 5]);
    const m1 = surfaceMetrics(surfaceDistances(a, b, convention));
    const m2 = surfaceMetrics(surfaceDistances(a2, b2, convention));
    expect(m1.assd).toBeCloseTo(m2.assd, 12);
    expect(m1.hausdorff).toBe(m2.hausdorff);
  });

  it('handles 2D grids', () => {
    const grid = gridOf([8, 6], [1, 2]);
    const a = new Uint8Array(48), b = new Uint8Array(48);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) { a[y * 8 + x] = 1; b[y * 8 + x + 2] = 1; }
    const m = surfaceMetrics(surfaceDistances(binaryMask(grid, a), binaryMask(grid, b), convention));
    expect(m.hausdorff).toBeCloseTo(2, 6);
  });
});

describe('surface extraction against a brute-force scan (rows with several runs)', () => {
  it.each([
    [[30, 28, 16], [0.7, 0.9, 2.5]],
    [[31, 27], [0.8, 1.3]],
  ] as const)('dims %j', async (dims, sp) => {
    const { surfelAreaTable, contourLengthTable } = await import('./surfel-areas');
    const grid = gridOf([...dims], [...sp]);
    const [nx, ny, nz] = grid.dims;
    const rnd = seededRandom(dims.length * 7 + 1);
    const data = Uint8Array.from({ length: nx * ny * nz }, () => (rnd() < 0.45 ? 1 : 0));
    const m = binaryMask(grid, data);
    const at = (x: number, y: number, z: number): number =>
      x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz ? 0 : (data[(z * ny + y) * nx + x] ?? 0);
    const is3d = grid.ndim === 3;
    const table = is3d ? surfelAreaTable(grid.spacing) : contourLengthTable(grid.spacing);
    let area = 0;
    for (let k = 0; k <= (is3d ? nz : 0); k++)
      for (let j = 0; j <= ny; j++)
        for (let i = 0; i <= nx; i++) {
          const c = is3d
            ? (at(i - 1, j - 1, k - 1) << 7) | (at(i, j - 1, k - 1) << 6) | (at(i - 1, j, k - 1) << 5) | (at(i, j, k - 1) << 4) |
              (at(i - 1, j - 1, k) << 3) | (at(i, j - 1, k) << 2) | (at(i - 1, j, k) << 1) | at(i, j, k)
            : (at(i - 1, j - 1, 0) << 3) | (at(i, j - 1, 0) << 2) | (at(i - 1, j, 0) << 1) | at(i, j, 0);
          area += table[c] ?? 0;
        }
    let border = 0;
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          if (!at(x, y, z)) continue;
          const edge = x === 0 || y === 0 || x === nx - 1 || y === ny - 1 || (is3d && (z === 0 || z === nz - 1));
          const inner = at(x - 1, y, z) && at(x + 1, y, z) && at(x, y - 1, z) && at(x, y + 1, z) && (!is3d || (at(x, y, z - 1) && at(x, y, z + 1)));
          if (edge || !inner) border++;
        }
    const s = surfaceDistances(m, m, 'surfel');
    expect(s.referenceToTest.totalWeight).toBeCloseTo(area, 9);
    expect(surfaceDistances(m, m, 'voxel').referenceToTest.totalCount).toBe(border);
  });
});
