import { type BinaryMask, type Grid, binaryMask, gridOf } from '@delineate/core';

type Vec3 = readonly [number, number, number];

/**
 * Synthetic binary masks whose differences are known by construction, for testing overlap and
 * surface-distance metrics, consensus and review tooling. Grids are x fastest
 * (index = x + nx·(y + ny·z)), as in @delineate/core.
 */

export interface EllipsoidSpec {
  /** Centre in voxel coordinates (may be fractional). */
  centre: Vec3;
  /** Semi-axes in mm along x, y, z. */
  radiiMm: Vec3;
}

/** Voxels whose centres lie inside the ellipsoid: Σ ((i − c)·spacing / r)² ≤ 1. */
export function ellipsoidMask(grid: Grid, spec: EllipsoidSpec): BinaryMask {
  const [nx, ny, nz] = grid.dims;
  const [sx, sy, sz] = grid.spacing;
  const [cx, cy, cz] = spec.centre;
  const [rx, ry, rz] = spec.radiiMm;
  const data = new Uint8Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) {
    const tz = ((z - cz) * sz) / rz;
    for (let y = 0; y < ny; y++) {
      const ty = ((y - cy) * sy) / ry;
      for (let x = 0; x < nx; x++) {
        const tx = ((x - cx) * sx) / rx;
        if (tx * tx + ty * ty + tz * tz <= 1) data[x + nx * (y + ny * z)] = 1;
      }
    }
  }
  return binaryMask(grid, data);
}

/** Translates a mask by whole voxels; voxels moved off the grid are dropped. */
export function shiftMask(mask: BinaryMask, shift: Vec3): BinaryMask {
  const [nx, ny, nz] = mask.grid.dims;
  const [kx, ky, kz] = shift;
  if (![kx, ky, kz].every(Number.isInteger)) throw new RangeError('shifts are whole voxels');
  const out = new Uint8Array(mask.data.length);
  for (let z = 0; z < nz; z++) {
    const tz = z + kz;
    if (tz < 0 || tz >= nz) continue;
    for (let y = 0; y < ny; y++) {
      const ty = y + ky;
      if (ty < 0 || ty >= ny) continue;
      for (let x = 0; x < nx; x++) {
        const tx = x + kx;
        if (tx < 0 || tx >= nx || mask.data[x + nx * (y + ny * z)] === 0) continue;
        out[tx + nx * (ty + ny * tz)] = 1;
      }
    }
  }
  return binaryMask(mask.grid, out);
}

/** Voxel-wise OR of masks on one grid. */
export function unionMasks(first: BinaryMask, ...rest: BinaryMask[]): BinaryMask {
  const out = Uint8Array.from(first.data);
  for (const mask of rest) {
    if (mask.data.length !== out.length) throw new RangeError('masks must share one grid');
    for (let i = 0; i < out.length; i++) if (mask.data[i]) out[i] = 1;
  }
  return binaryMask(first.grid, out);
}

export interface MaskPairCounts {
  a: number;
  b: number;
  intersection: number;
  union: number;
  /** 2|A∩B| / (|A|+|B|); NaN when both are empty. */
  dice: number;
  /** |A∩B| / |A∪B|; NaN when both are empty. */
  jaccard: number;
}

/** Reference counts by direct voxel counting (the plainest possible implementation). */
export function countPair(a: BinaryMask, b: BinaryMask): MaskPairCounts {
  if (a.data.length !== b.data.length) throw new RangeError('masks must share one grid');
  let na = 0;
  let nb = 0;
  let both = 0;
  for (let i = 0; i < a.data.length; i++) {
    const ia = a.data[i] !== 0;
    const ib = b.data[i] !== 0;
    if (ia) na++;
    if (ib) nb++;
    if (ia && ib) both++;
  }
  const union = na + nb - both;
  return { a: na, b: nb, intersection: both, union, dice: (2 * both) / (na + nb), jaccard: both / union };
}

export interface ShiftedPair {
  a: BinaryMask;
  /** `a` translated by `shift` voxels. */
  b: BinaryMask;
  shift: Vec3;
  counts: MaskPairCounts;
  /**
   * Exact symmetric Hausdorff distance in mm between the two masks (and between their border
   * voxels): `|k|·spacing` for a shift along a single axis of a convex shape that stays on the
   * grid. Undefined for shifts along several axes, where voxelisation makes it inexact.
   */
  hausdorffMm: number | undefined;
}

export interface ShiftedPairOptions {
  dims: Vec3;
  /** mm along x, y, z (default 1 mm isotropic). */
  spacing?: Vec3;
  radiiMm: Vec3;
  /** Voxel shift of the second mask. */
  shift: Vec3;
  /** Voxel centre of the first ellipsoid (default: the grid centre). */
  centre?: Vec3;
}

/** Two copies of one ellipsoid, the second offset by whole voxels: a known disagreement. */
export function shiftedEllipsoidPair(options: ShiftedPairOptions): ShiftedPair {
  const grid = gridOf(options.dims, options.spacing ?? [1, 1, 1]);
  const [nx, ny, nz] = options.dims;
  const centre = options.centre ?? [(nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2];
  const a = ellipsoidMask(grid, { centre, radiiMm: options.radiiMm });
  const b = shiftMask(a, options.shift);
  const counts = countPair(a, b);
  const moved = options.shift.flatMap((k, axis) => (k === 0 ? [] : [Math.abs(k) * grid.spacing[axis]!]));
  const hausdorffMm = moved.length === 1 && counts.a === counts.b && counts.a > 0 ? moved[0] : moved.length === 0 ? 0 : undefined;
  return { a, b, shift: options.shift, counts, hausdorffMm };
}
