import { describe, expect, it } from 'vitest';
import { gridOf } from '../mask/grid';
import { type BinaryMask, binaryMask, countForeground } from '../mask/mask';
import { expandByMargin, isotropicMargin } from './margin';

/** A mask of the voxels whose centre satisfies `inside(x, y, z)` in mm from the grid centre. */
function shape(n: number, spacing: readonly [number, number, number], inside: (x: number, y: number, z: number) => boolean): BinaryMask {
  const grid = gridOf([n, n, n], spacing);
  const data = new Uint8Array(n * n * n);
  const c = (n - 1) / 2;
  for (let z = 0; z < n; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) data[(z * n + y) * n + x] = inside((x - c) * spacing[0], (y - c) * spacing[1], (z - c) * spacing[2]) ? 1 : 0;
  return binaryMask(grid, data);
}

function volumeMm3(mask: BinaryMask): number {
  const [sx, sy, sz] = mask.grid.spacing;
  return countForeground(mask) * sx * sy * sz;
}

const sphereVolume = (r: number) => (4 / 3) * Math.PI * r ** 3;

describe('expandByMargin: known answers', () => {
  it('grows a sphere GTV of radius 10 mm by 5 mm into the 15 mm sphere (volume within 2 %)', () => {
    const gtv = shape(51, [1, 1, 1], (x, y, z) => Math.hypot(x, y, z) <= 10);
    const ctv = expandByMargin(gtv, isotropicMargin(5));
    expect(Math.abs(volumeMm3(ctv) / sphereVolume(15) - 1)).toBeLessThan(0.02);
  });

  it('uses the voxel spacing: a sphere on a 0.8 × 0.8 × 2 mm grid grows by 5 mm in mm, not voxels', () => {
    const gtv = shape(61, [0.8, 0.8, 2], (x, y, z) => Math.hypot(x, y, z) <= 12);
    const ctv = expandByMargin(gtv, isotropicMargin(5));
    expect(Math.abs(volumeMm3(ctv) / sphereVolume(17) - 1)).toBeLessThan(0.02);
  });

  it('grows an ellipsoid GTV by a margin of its own proportions into the ellipsoid of the summed semi-axes', () => {
    const gtv = shape(71, [1, 1, 1], (x, y, z) => (x / 8) ** 2 + (y / 12) ** 2 + (z / 4) ** 2 <= 1);
    const ctv = expandByMargin(gtv, { minusX: 10, plusX: 10, minusY: 15, plusY: 15, minusZ: 5, plusZ: 5 });
    expect(Math.abs(volumeMm3(ctv) / ((4 / 3) * Math.PI * 18 * 27 * 9) - 1)).toBeLessThan(0.02);
  });

  it('takes a different margin on each side of an axis: a GTV of the margin’s own octant shape grows to the summed shape, π/6 · Π(a₋ + a₊)', () => {
    const m = { minusX: 8, plusX: 20, minusY: 12, plusY: 6, minusZ: 30, plusZ: 15 };
    const half = (v: number, minus: number, plus: number) => (v / (0.5 * (v < 0 ? minus : plus))) ** 2;
    const gtv = shape(91, [1, 1, 1], (x, y, z) => half(x, m.minusX, m.plusX) + half(y, m.minusY, m.plusY) + half(z, m.minusZ, m.plusZ) <= 1);
    const ctv = expandByMargin(gtv, m);
    const expected = (Math.PI / 6) * 1.5 ** 3 * (8 + 20) * (12 + 6) * (30 + 15);
    expect(Math.abs(volumeMm3(ctv) / expected - 1)).toBeLessThan(0.02);
    // From a point, the reach along each half-axis is that side’s margin (plus a quarter voxel).
    const point = shape(71, [1, 1, 1], (x, y, z) => x === 0 && y === 0 && z === 0);
    const grown = expandByMargin(point, m);
    const c = 35;
    const at = (x: number, y: number, z: number) => grown.data[(z * 71 + y) * 71 + x];
    expect([at(c + 20, c, c), at(c + 21, c, c), at(c - 8, c, c), at(c - 9, c, c)]).toEqual([1, 0, 1, 0]);
    expect([at(c, c + 6, c), at(c, c + 7, c), at(c, c, c - 30), at(c, c, c - 31)]).toEqual([1, 0, 1, 0]);
  });

  it('keeps the source with a zero margin and refuses negative margins', () => {
    const gtv = shape(11, [1, 1, 1], (x, y, z) => Math.hypot(x, y, z) <= 3);
    expect(expandByMargin(gtv, isotropicMargin(0)).data).toEqual(gtv.data);
    expect(() => expandByMargin(gtv, { ...isotropicMargin(2), minusY: -1 })).toThrow(RangeError);
  });

  it('with no margin along one axis, grows only in the other two', () => {
    const gtv = shape(21, [1, 1, 1], (x, y, z) => x === 0 && y === 0 && z === 0);
    const ctv = expandByMargin(gtv, { minusX: 3, plusX: 3, minusY: 3, plusY: 3, minusZ: 0, plusZ: 0 });
    let outsidePlane = 0;
    for (let i = 0; i < ctv.data.length; i++) if (ctv.data[i] && Math.floor(i / 441) !== 10) outsidePlane++;
    expect(outsidePlane).toBe(0);
    let disc = 0; // lattice points with x² + y² ≤ 3.5²
    for (let y = -4; y <= 4; y++) for (let x = -4; x <= 4; x++) if (x * x + y * y <= 12.25) disc++;
    expect(countForeground(ctv)).toBe(disc);
  });
});
