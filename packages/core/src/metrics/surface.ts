import type { Box } from '../mask/grid';
import { type BinaryMask, unionBoundingBox } from '../mask/mask';
import { squaredDistanceField } from './edt';
import { squaredDistancesAt } from './nearest';
import { contourLengthTable, surfelAreaTable } from './surfel-areas';

/**
 * The two surface conventions, named in every result (docs/metrics.md):
 * - `surfel`: surface elements on the voxel-corner lattice with marching-cubes areas; every
 *   statistic is area-weighted (google-deepmind/surface-distance).
 * - `voxel`: border voxels by face-connected erosion, voxels on the image edge are border,
 *   distances between voxel centres, each border voxel weighs 1 (MONAI).
 */
export type SurfaceConvention = 'surfel' | 'voxel';

export const surfaceConventions: readonly SurfaceConvention[] = ['surfel', 'voxel'];

/**
 * Distances from one surface to another as a histogram over distinct distances, which is all
 * any statistic needs: `values` ascending (mm), with the summed weight (area, or 1 per border
 * voxel) and the number of surface elements at each.
 */
export interface DirectedDistances {
  readonly values: Float64Array;
  readonly weights: Float64Array;
  readonly counts: Float64Array;
  readonly totalWeight: number;
  readonly totalCount: number;
}

export interface SurfaceDistances {
  readonly convention: SurfaceConvention;
  readonly referenceToTest: DirectedDistances;
  readonly testToReference: DirectedDistances;
}

/** The region the lattice covers: the union bounding box (plus one corner layer for `surfel`). */
interface Lattice {
  readonly dims: [number, number, number];
  readonly box: Box;
}

function latticeOf(box: Box, convention: SurfaceConvention, ndim: 2 | 3): Lattice {
  const extra = convention === 'surfel' ? 1 : 0;
  return {
    box,
    dims: [
      box.max[0] - box.min[0] + 1 + extra,
      box.max[1] - box.min[1] + 1 + extra,
      ndim === 2 ? 1 : box.max[2] - box.min[2] + 1 + extra,
    ],
  };
}

/**
 * Per lattice point: for `surfel` the neighbour code (0‥255, or 0‥15 in 2D), for `voxel`
 * 1 on a border voxel. A point is on the surface when its code is neither 0 nor full.
 */
function surfaceCodes(mask: BinaryMask, lat: Lattice, convention: SurfaceConvention, alloc: Allocate): Uint8Array {
  return convention === 'surfel' ? surfelCodes(mask, lat, alloc) : borderVoxels(mask, lat, alloc);
}

/** Allocates the per-lattice-point buffers (a caller may pass shared memory for worker threads). */
export type Allocate = (bytes: number) => ArrayBufferLike;
const ownMemory: Allocate = (bytes) => new ArrayBuffer(bytes);

function borderVoxels(mask: BinaryMask, lat: Lattice, alloc: Allocate): Uint8Array {
  const [nx, ny, nz] = mask.grid.dims;
  const is3d = mask.grid.ndim === 3;
  const [lx, ly, lz] = lat.dims;
  const [ox, oy, oz] = lat.box.min;
  const d = mask.data;
  const out = new Uint8Array(alloc(lx * ly * lz));
  const sy = nx, sz = nx * ny;
  for (let k = 0; k < lz; k++) {
    const z = oz + k;
    for (let j = 0; j < ly; j++) {
      const y = oy + j;
      const row = z * sz + y * sy;
      const orow = (k * ly + j) * lx;
      for (let i = 0; i < lx; i++) {
        const x = ox + i;
        const p = row + x;
        if (!d[p]) continue;
        const interior =
          x > 0 && x < nx - 1 && y > 0 && y < ny - 1 &&
          d[p - 1] && d[p + 1] && d[p - sy] && d[p + sy] &&
          (!is3d || (z > 0 && z < nz - 1 && d[p - sz] && d[p + sz]));
        if (!interior) out[orow + i] = 1;
      }
    }
  }
  return out;
}

function surfelCodes(mask: BinaryMask, lat: Lattice, alloc: Allocate): Uint8Array {
  const [nx, ny] = mask.grid.dims;
  const is3d = mask.grid.ndim === 3;
  const [lx, ly, lz] = lat.dims;
  const [ox, oy, oz] = lat.box.min;
  // Padded crop: one zero voxel on every side, so corner (i, j, k) reads crop voxels i‥i+1.
  const px = lx + 1, py = ly + 1, pz = is3d ? lz + 1 : 1;
  const crop = new Uint8Array(px * py * pz);
  const d = mask.data;
  const zs = is3d ? 1 : 0;
  for (let k = 0; k < (is3d ? lz - 1 : 1); k++) {
    for (let j = 0; j < ly - 1; j++) {
      const src = ((oz + k) * ny + (oy + j)) * nx + ox;
      const dst = ((k + zs) * py + (j + 1)) * px + 1;
      for (let i = 0; i < lx - 1; i++) crop[dst + i] = d[src + i] ?? 0;
    }
  }
  const out = new Uint8Array(alloc(lx * ly * lz));
  const cy = px, cz = px * py;
  for (let k = 0; k < lz; k++) {
    for (let j = 0; j < ly; j++) {
      let p = k * cz + j * cy;
      const orow = (k * ly + j) * lx;
      if (is3d) {
        for (let i = 0; i < lx; i++, p++) {
          out[orow + i] =
            ((crop[p] ?? 0) << 7) | ((crop[p + 1] ?? 0) << 6) | ((crop[p + cy] ?? 0) << 5) | ((crop[p + cy + 1] ?? 0) << 4) |
            ((crop[p + cz] ?? 0) << 3) | ((crop[p + cz + 1] ?? 0) << 2) | ((crop[p + cz + cy] ?? 0) << 1) | (crop[p + cz + cy + 1] ?? 0);
        }
      } else {
        for (let i = 0; i < lx; i++, p++) {
          out[orow + i] = ((crop[p] ?? 0) << 3) | ((crop[p + 1] ?? 0) << 2) | ((crop[p + cy] ?? 0) << 1) | (crop[p + cy + 1] ?? 0);
        }
      }
    }
  }
  return out;
}

const EMPTY: DirectedDistances = {
  values: new Float64Array(0),
  weights: new Float64Array(0),
  counts: new Float64Array(0),
  totalWeight: 0,
  totalCount: 0,
};

/**
 * The surface of one mask on a lattice: a 0/1 flag per lattice point, and the surface points
 * (lattice indices, ascending) with their weights (area, or 1 per border voxel). Two surfaces
 * of a pair share `dims` and `spacing`; worker threads receive these instead of masks.
 */
export interface Surface {
  readonly dims: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
  readonly flags: Uint8Array;
  readonly points: Int32Array;
  readonly weights: Float64Array;
}

function surfaceOf(mask: BinaryMask, lat: Lattice, convention: SurfaceConvention, full: number, alloc: Allocate = ownMemory): Surface {
  const grid = mask.grid;
  const flags = surfaceCodes(mask, lat, convention, alloc);
  const area =
    convention === 'voxel' ? null : grid.ndim === 3 ? surfelAreaTable(grid.spacing) : contourLengthTable(grid.spacing);
  let points = new Int32Array(1024);
  let weights = new Float64Array(1024);
  let n = 0;
  for (let i = 0; i < flags.length; i++) {
    const c = flags[i] ?? 0;
    if (c === 0) continue;
    if (c === full) {
      flags[i] = 0;
      continue;
    }
    if (n === points.length) {
      const p2 = new Int32Array(n * 2), w2 = new Float64Array(n * 2);
      p2.set(points);
      w2.set(weights);
      points = p2;
      weights = w2;
    }
    points[n] = i;
    weights[n] = area ? (area[c] ?? 0) : 1;
    flags[i] = 1;
    n++;
  }
  return { dims: lat.dims, spacing: grid.spacing, flags, points: points.slice(0, n), weights: weights.slice(0, n) };
}

/**
 * Distances from the surface of `from` to the surface of `to` (both on the same grid). `box`
 * is the union bounding box of the pair when the caller already has it (it must cover both).
 */
export function directedSurfaceDistances(
  from: BinaryMask,
  to: BinaryMask,
  convention: SurfaceConvention,
  box?: Box | null,
): DirectedDistances {
  const region = box === undefined ? unionBoundingBox([from, to]) : box;
  if (!region) return EMPTY;
  const grid = from.grid;
  const lat = latticeOf(region, convention, grid.ndim);
  const full = fullCode(convention, grid.ndim);
  const a = surfaceOf(from, lat, convention, full);
  if (a.points.length === 0) return EMPTY;
  return directedBetween(a, surfaceOf(to, lat, convention, full));
}

function fullCode(convention: SurfaceConvention, ndim: 2 | 3): number {
  return convention === 'surfel' ? (ndim === 3 ? 255 : 15) : 255;
}

/** Distances from surface `a` to surface `b` (same lattice). */
export function directedBetween(a: Surface, b: Surface): DirectedDistances {
  const n = a.points.length;
  if (n === 0) return EMPTY;
  const squared = new Float64Array(n);
  if (b.points.length === 0) squared.fill(Infinity);
  else {
    const budget = 64 * n + 2 * b.flags.length;
    if (!squaredDistancesAt(b.flags, a.dims, a.spacing, a.points, squared, budget)) {
      const [lx, ly] = a.dims;
      const columns = new Uint8Array(lx * ly);
      for (const q of a.points) columns[q % (lx * ly)] = 1;
      const field = squaredDistanceField(b.flags, a.dims, a.spacing, columns);
      for (let i = 0; i < n; i++) squared[i] = field[a.points[i] ?? 0] ?? Infinity;
    }
  }
  const hist = new HistogramBuilder();
  for (let i = 0; i < n; i++) hist.add(squared[i] ?? Infinity, a.weights[i] ?? 0);
  return hist.build();
}

/**
 * Both surfaces of a pair on the lattice of their union bounding box; null when both are empty.
 * `alloc` places the large per-lattice buffers (shared memory for worker threads).
 */
export function pairSurfaces(
  reference: BinaryMask,
  test: BinaryMask,
  convention: SurfaceConvention,
  alloc: Allocate = ownMemory,
): { reference: Surface; test: Surface } | null {
  const box = unionBoundingBox([reference, test]);
  if (!box) return null;
  const grid = reference.grid;
  const lat = latticeOf(box, convention, grid.ndim);
  const full = fullCode(convention, grid.ndim);
  return { reference: surfaceOf(reference, lat, convention, full, alloc), test: surfaceOf(test, lat, convention, full, alloc) };
}

/** Both directed distance sets of a reference/test pair. */
export function surfaceDistances(reference: BinaryMask, test: BinaryMask, convention: SurfaceConvention): SurfaceDistances {
  const s = pairSurfaces(reference, test, convention);
  if (!s) return { convention, referenceToTest: EMPTY, testToReference: EMPTY };
  return { convention, referenceToTest: directedBetween(s.reference, s.test), testToReference: directedBetween(s.test, s.reference) };
}

/** The empty directed set (a surface with no elements). */
export const emptyDirectedDistances: DirectedDistances = EMPTY;

class HistogramBuilder {
  private readonly slots = new Map<number, number>();
  private weights: number[] = [];
  private counts: number[] = [];

  add(squared: number, weight: number): void {
    const slot = this.slots.get(squared);
    if (slot === undefined) {
      this.slots.set(squared, this.weights.length);
      this.weights.push(weight);
      this.counts.push(1);
    } else {
      this.weights[slot] = (this.weights[slot] ?? 0) + weight;
      this.counts[slot] = (this.counts[slot] ?? 0) + 1;
    }
  }

  build(): DirectedDistances {
    const keys = [...this.slots.keys()].sort((a, b) => a - b);
    const n = keys.length;
    const values = new Float64Array(n), weights = new Float64Array(n), counts = new Float64Array(n);
    let totalWeight = 0, totalCount = 0;
    keys.forEach((k, i) => {
      const slot = this.slots.get(k) ?? 0;
      values[i] = Math.sqrt(k);
      weights[i] = this.weights[slot] ?? 0;
      counts[i] = this.counts[slot] ?? 0;
      totalWeight += weights[i] ?? 0;
      totalCount += counts[i] ?? 0;
    });
    return { values, weights, counts, totalWeight, totalCount };
  }
}
