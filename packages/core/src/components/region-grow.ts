import type { Intensities, VolumeDims } from './components';

/** A click's voxel (x, y, z) on the volume's grid. */
export type Voxel = readonly [number, number, number];

export interface RegionGrowOptions {
  /** Voxels within ± this of the seed's value join (Hounsfield units for CT). */
  readonly tolerance: number;
  /** Stop growing beyond this many voxels (a click in air should not flood the scan). */
  readonly maxVoxels?: number;
}

export interface GrownRegion {
  /** 1 inside the region. */
  readonly mask: Uint8Array;
  readonly voxels: number;
  /** true when growing stopped at `maxVoxels`. */
  readonly truncated: boolean;
}

/**
 * Click-seeded 3-D region growing (6-connected) by scanline spans: each popped seed fills its
 * whole row segment at once and pushes one seed per new segment of the four neighbouring rows,
 * so the stack holds segments, not voxels. A seed outside the grid gives an empty region.
 */
export function growRegion(values: Intensities, dims: VolumeDims, seed: Voxel, options: RegionGrowOptions): GrownRegion {
  const [nx, ny, nz] = dims;
  if (values.length !== nx * ny * nz) throw new RangeError('values do not match the dimensions');
  const mask = new Uint8Array(values.length);
  const [sx, sy, sz] = seed;
  if (![sx, sy, sz].every(Number.isInteger) || sx < 0 || sy < 0 || sz < 0 || sx >= nx || sy >= ny || sz >= nz) return { mask, voxels: 0, truncated: false };
  const centre = values[sx + nx * (sy + ny * sz)]!;
  const low = centre - options.tolerance, high = centre + options.tolerance;
  const limit = options.maxVoxels ?? Infinity;
  const accepts = (i: number): boolean => {
    if (mask[i] !== 0) return false;
    const v = values[i]!;
    return v >= low && v <= high;
  };
  const stack: number[] = [sx + nx * (sy + ny * sz)];
  let voxels = 0;
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (!accepts(i)) continue;
    const row = Math.floor(i / nx);
    const rowBase = row * nx;
    let left = i, right = i;
    while (left > rowBase && accepts(left - 1)) left--;
    while (right < rowBase + nx - 1 && accepts(right + 1)) right++;
    mask.fill(1, left, right + 1);
    voxels += right - left + 1;
    if (voxels >= limit) return { mask, voxels, truncated: true };
    const y = row % ny, z = (row - y) / ny;
    const neighbours = [y > 0 ? -nx : 0, y < ny - 1 ? nx : 0, z > 0 ? -nx * ny : 0, z < nz - 1 ? nx * ny : 0];
    for (const offset of neighbours) {
      if (offset === 0) continue;
      // One seed per segment of acceptable voxels along the span in the neighbouring row.
      let inSegment = false;
      for (let j = left + offset; j <= right + offset; j++) {
        if (accepts(j)) {
          if (!inSegment) stack.push(j);
          inSegment = true;
        } else inSegment = false;
      }
    }
  }
  return { mask, voxels, truncated: false };
}
