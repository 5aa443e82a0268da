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
  const planeSize = nx * ny;
  // Seeds are voxel indices on a typed stack that grows by doubling (no per-voxel allocation).
  let stack = new Int32Array(1024);
  let top = 0;
  stack[top++] = sx + nx * (sy + ny * sz);
  let voxels = 0;
  while (top > 0) {
    const i = stack[--top]!;
    if (mask[i] !== 0) continue;
    const v = values[i]!;
    if (v < low || v > high) continue;
    const row = (i / nx) | 0;
    const rowBase = row * nx, rowEnd = rowBase + nx - 1;
    let left = i, right = i;
    while (left > rowBase && mask[left - 1] === 0 && values[left - 1]! >= low && values[left - 1]! <= high) left--;
    while (right < rowEnd && mask[right + 1] === 0 && values[right + 1]! >= low && values[right + 1]! <= high) right++;
    mask.fill(1, left, right + 1);
    voxels += right - left + 1;
    if (voxels >= limit) return { mask, voxels, truncated: true };
    const y = row % ny, z = (row - y) / ny;
    for (let n = 0; n < 4; n++) {
      const offset = n === 0 ? (y > 0 ? -nx : 0) : n === 1 ? (y < ny - 1 ? nx : 0) : n === 2 ? (z > 0 ? -planeSize : 0) : z < nz - 1 ? planeSize : 0;
      if (offset === 0) continue;
      // One seed per segment of acceptable voxels along the span in the neighbouring row.
      let inSegment = false;
      for (let j = left + offset, last = right + offset; j <= last; j++) {
        const w = values[j]!;
        if (mask[j] === 0 && w >= low && w <= high) {
          if (!inSegment) {
            if (top === stack.length) {
              const grown = new Int32Array(stack.length * 2);
              grown.set(stack);
              stack = grown;
            }
            stack[top++] = j;
            inSegment = true;
          }
        } else inSegment = false;
      }
    }
  }
  return { mask, voxels, truncated: false };
}
