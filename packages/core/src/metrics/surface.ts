import type { Box } from '../mask/grid';
import { type BinaryMask, type LabelMap, cropLabelPair, unionBoundingBox } from '../mask/mask';
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

/** Collects surface points (lattice index, weight) while flags are written. */
class PointSink {
  points = new Int32Array(4096);
  weights = new Float64Array(4096);
  n = 0;

  push(index: number, weight: number): void {
    if (this.n === this.points.length) {
      const p = new Int32Array(this.n * 2), w = new Float64Array(this.n * 2);
      p.set(this.points);
      w.set(this.weights);
      this.points = p;
      this.weights = w;
    }
    this.points[this.n] = index;
    this.weights[this.n] = weight;
    this.n++;
  }
}

/**
 * Per mask row (y, z): the first and last foreground x (−1 when empty) and whether the
 * foreground between them is one run. Found with native byte searches, so extraction of a
 * surface costs about the number of rows plus the number of surface points, not the volume.
 */
interface RowRuns {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly single: Uint8Array;
}

function rowRuns(mask: BinaryMask): RowRuns {
  const [nx, ny, nz] = mask.grid.dims;
  const rows = ny * nz;
  const lo = new Int32Array(rows).fill(-1), hi = new Int32Array(rows).fill(-1), single = new Uint8Array(rows);
  const d = mask.data;
  for (let r = 0; r < rows; r++) {
    const row = d.subarray(r * nx, (r + 1) * nx);
    const a = row.indexOf(1);
    if (a < 0) continue;
    const b = row.lastIndexOf(1);
    lo[r] = a;
    hi[r] = b;
    single[r] = row.subarray(a, b + 1).indexOf(0) < 0 ? 1 : 0;
  }
  return { lo, hi, single };
}

/**
 * Border voxels (voxel convention): foreground with a background face neighbour, or on the image
 * edge, collected with weight 1.
 */
function borderVoxels(mask: BinaryMask, lat: Lattice, sink: PointSink): void {
  const [nx, ny, nz] = mask.grid.dims;
  const is3d = mask.grid.ndim === 3;
  const [lx, ly, lz] = lat.dims;
  const [ox, oy, oz] = lat.box.min;
  const d = mask.data;
  const sy = nx, sz = nx * ny;
  const runs = rowRuns(mask);
  const nb = [0, 0, 0, 0];
  for (let k = 0; k < lz; k++) {
    const z = oz + k;
    for (let j = 0; j < ly; j++) {
      const y = oy + j;
      const r0 = z * ny + y;
      const lo0 = runs.lo[r0] as number;
      if (lo0 < 0) continue;
      const hi0 = runs.hi[r0] as number;
      const row = z * sz + y * sy;
      const orow = (k * ly + j) * lx;
      nb[0] = y > 0 ? r0 - 1 : -1;
      nb[1] = y < ny - 1 ? r0 + 1 : -1;
      nb[2] = is3d && z > 0 ? r0 - ny : is3d ? -1 : -2;
      nb[3] = is3d && z < nz - 1 ? r0 + ny : is3d ? -1 : -2;
      // Interior x range if every involved row is one run; else check voxel by voxel.
      let inLo = lo0 + 1, inHi = hi0 - 1, simple = (runs.single[r0] as number) === 1;
      for (const r of nb) {
        if (r === -2) continue;
        if (r < 0 || (runs.lo[r] as number) < 0) { inLo = 1; inHi = 0; continue; }
        if (!(runs.single[r] as number)) simple = false;
        inLo = Math.max(inLo, runs.lo[r] as number);
        inHi = Math.min(inHi, runs.hi[r] as number);
      }
      for (let x = lo0; x <= hi0; x++) {
        if (simple) {
          if (x === inLo && inLo <= inHi) x = inHi + 1;
          if (x > hi0) break;
        }
        const p = row + x;
        if (!d[p]) continue;
        const interior =
          x > 0 && x < nx - 1 && y > 0 && y < ny - 1 &&
          d[p - 1] && d[p + 1] && d[p - sy] && d[p + sy] &&
          (!is3d || (z > 0 && z < nz - 1 && d[p - sz] && d[p + sz]));
        if (!interior) sink.push(orow + x - ox, 1);
      }
    }
  }
}

/**
 * Surface elements (surfel convention): the neighbour code of each corner of the lattice; codes
 * other than 0 and full are surface, weighted by the code's area (3D) or contour length (2D).
 */
function surfelCodes(mask: BinaryMask, lat: Lattice, sink: PointSink): void {
  const [nx, ny, nz] = mask.grid.dims;
  const is3d = mask.grid.ndim === 3;
  const [lx, ly, lz] = lat.dims;
  const [ox, oy, oz] = lat.box.min;
  const area = is3d ? surfelAreaTable(mask.grid.spacing) : contourLengthTable(mask.grid.spacing);
  const full = is3d ? 255 : 15;
  // Padded crop: one zero voxel on every side, so corner (i, j, k) reads crop voxels i‥i+1.
  // A mask that is already exactly that (a label-pair crop) is used as it is.
  const px = lx + 1, py = ly + 1, pz = is3d ? lz + 1 : 1;
  let crop = mask.data;
  if (!(nx === px && ny === py && nz === pz && ox === 1 && oy === 1 && oz === (is3d ? 1 : 0))) {
    crop = new Uint8Array(px * py * pz);
    const d = mask.data;
    const zs = is3d ? 1 : 0;
    for (let k = 0; k < (is3d ? lz - 1 : 1); k++) {
      for (let j = 0; j < ly - 1; j++) {
        const src = ((oz + k) * ny + (oy + j)) * nx + ox;
        const dst = ((k + zs) * py + (j + 1)) * px + 1;
        crop.set(d.subarray(src, src + lx - 1), dst);
      }
    }
  }
  const cy = px, cz = px * py;
  const runs = rowRuns({ grid: { ndim: mask.grid.ndim, dims: [px, py, pz], spacing: mask.grid.spacing }, data: crop });
  const involved = [0, 0, 0, 0];
  for (let k = 0; k < lz; k++) {
    for (let j = 0; j < ly; j++) {
      const orow = (k * ly + j) * lx;
      // Corner i reads crop x = i, i+1 of rows (j|j+1, k|k+1): it is empty left of the first
      // foreground minus one and right of the last, and full where every row is one run covering i, i+1.
      const r0 = k * py + j;
      involved[0] = r0;
      involved[1] = r0 + 1;
      involved[2] = is3d ? r0 + py : -1;
      involved[3] = is3d ? r0 + py + 1 : -1;
      let minLo = Infinity, maxHi = -1, maxLo = -1, minHi = Infinity, simple = true;
      for (const r of involved) {
        if (r < 0) continue;
        const a = runs.lo[r] as number;
        if (a < 0) { maxLo = Infinity; minHi = -1; continue; }
        const b = runs.hi[r] as number;
        if (a < minLo) minLo = a;
        if (b > maxHi) maxHi = b;
        if (a > maxLo) maxLo = a;
        if (b < minHi) minHi = b;
        if (!(runs.single[r] as number)) simple = false;
      }
      if (maxHi < 0) continue;
      const start = Math.max(0, minLo - 1), stop = Math.min(lx - 1, maxHi);
      let p = k * cz + j * cy + start;
      for (let i = start; i <= stop; i++, p++) {
        if (simple && i === maxLo && maxLo <= minHi - 1) {
          p += minHi - i;
          i = minHi;
          if (i > stop) break;
        }
        const c = is3d
          ? ((crop[p] as number) << 7) | ((crop[p + 1] as number) << 6) | ((crop[p + cy] as number) << 5) | ((crop[p + cy + 1] as number) << 4) |
            ((crop[p + cz] as number) << 3) | ((crop[p + cz + 1] as number) << 2) | ((crop[p + cz + cy] as number) << 1) | (crop[p + cz + cy + 1] as number)
          : ((crop[p] as number) << 3) | ((crop[p + 1] as number) << 2) | ((crop[p + cy] as number) << 1) | (crop[p + cy + 1] as number);
        if (c !== 0 && c !== full) sink.push(orow + i, area[c] as number);
      }
    }
  }
}

const EMPTY: DirectedDistances = {
  values: new Float64Array(0),
  weights: new Float64Array(0),
  counts: new Float64Array(0),
  totalWeight: 0,
  totalCount: 0,
};

/**
 * The surface of one mask on a lattice: its points (lattice indices, ascending) with their
 * weights (area, or 1 per border voxel). Two surfaces of a pair share `dims` and `spacing`;
 * they are small (one entry per surface element), so worker threads receive copies.
 */
export interface Surface {
  readonly dims: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
  readonly points: Int32Array;
  readonly weights: Float64Array;
}

function surfaceOf(mask: BinaryMask, lat: Lattice, convention: SurfaceConvention): Surface {
  const sink = new PointSink();
  if (convention === 'surfel') surfelCodes(mask, lat, sink);
  else borderVoxels(mask, lat, sink);
  return { dims: lat.dims, spacing: mask.grid.spacing, points: sink.points.slice(0, sink.n), weights: sink.weights.slice(0, sink.n) };
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
  const a = surfaceOf(from, lat, convention);
  if (a.points.length === 0) return EMPTY;
  return directedBetween(a, surfaceOf(to, lat, convention));
}

/** Distances from surface `a` to surface `b` (same lattice). */
export function directedBetween(a: Surface, b: Surface): DirectedDistances {
  const n = a.points.length;
  if (n === 0) return EMPTY;
  const squared = new Float64Array(n);
  if (b.points.length === 0) squared.fill(Infinity);
  else {
    const lattice = a.dims[0] * a.dims[1] * a.dims[2];
    const budget = 64 * n + 2 * lattice;
    if (!squaredDistancesAt(b.points, a.dims, a.spacing, a.points, squared, budget)) {
      const [lx, ly] = a.dims;
      const features = new Uint8Array(lattice);
      for (const p of b.points) features[p] = 1;
      const columns = new Uint8Array(lx * ly);
      for (const q of a.points) columns[q % (lx * ly)] = 1;
      const field = squaredDistanceField(features, a.dims, a.spacing, columns);
      for (let i = 0; i < n; i++) squared[i] = field[a.points[i] ?? 0] ?? Infinity;
    }
  }
  const hist = new HistogramBuilder();
  for (let i = 0; i < n; i++) hist.add(squared[i] ?? Infinity, a.weights[i] ?? 0);
  return hist.build();
}

/**
 * Both surfaces of a pair on the lattice of their union bounding box; null when both are empty.
 * `knownBox` is the pair's union bounding box when the caller has it.
 */
export function pairSurfaces(
  reference: BinaryMask,
  test: BinaryMask,
  convention: SurfaceConvention,
  knownBox?: Box,
): { reference: Surface; test: Surface } | null {
  const box = knownBox ?? unionBoundingBox([reference, test]);
  if (!box) return null;
  const lat = latticeOf(box, convention, reference.grid.ndim);
  return { reference: surfaceOf(reference, lat, convention), test: surfaceOf(test, lat, convention) };
}

/** Both directed distance sets of a reference/test pair. */
export function surfaceDistances(reference: BinaryMask, test: BinaryMask, convention: SurfaceConvention): SurfaceDistances {
  const s = pairSurfaces(reference, test, convention);
  if (!s) return { convention, referenceToTest: EMPTY, testToReference: EMPTY };
  return { convention, referenceToTest: directedBetween(s.reference, s.test), testToReference: directedBetween(s.test, s.reference) };
}

/**
 * Both directed distance sets of one label of two label maps, computed on the label's crop (union
 * box plus a one-voxel margin) without whole-image masks: the fast path for label volumes.
 * `knownBox` (image coordinates) and `onlyLabel` may come from {@link scanLabelPair}.
 */
export function labelSurfaceDistances(
  reference: LabelMap,
  test: LabelMap,
  label: number,
  convention: SurfaceConvention,
  knownBox?: Box,
  onlyLabel = false,
): SurfaceDistances {
  const crop = cropLabelPair(reference, test, label, 1, knownBox, onlyLabel);
  const s = crop ? pairSurfaces(crop.reference, crop.test, convention, crop.box) : null;
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
