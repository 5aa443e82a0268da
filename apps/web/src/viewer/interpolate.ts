import { planeIndices, planeSize, sliceCount, type Orientation } from './geometry';
import type { Labelmap } from './labelmap';

const INF = 1e20;

/** Felzenszwalb–Huttenlocher 1D squared distance transform of `f` (length n) into `d`. */
function edt1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    let s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    while (s <= z[k]!) {
      k--;
      s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const dq = q - v[k]!;
    d[q] = dq * dq + f[v[k]!]!;
  }
}

/** Euclidean distance (in mm) from every pixel to the nearest pixel where `inside` is true. */
export function distanceTo(inside: Uint8Array, width: number, height: number, du: number, dv: number): Float64Array {
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const grid = new Float64Array(width * height);
  for (let i = 0; i < grid.length; i++) grid[i] = inside[i] ? 0 : INF;
  // Columns (v direction), scaled by dv, then rows (u direction), scaled by du.
  for (let u = 0; u < width; u++) {
    for (let y = 0; y < height; y++) f[y] = grid[u + y * width]! / (dv * dv);
    edt1d(f, height, d, v, z);
    for (let y = 0; y < height; y++) grid[u + y * width] = d[y]! * dv * dv;
  }
  for (let y = 0; y < height; y++) {
    for (let u = 0; u < width; u++) f[u] = grid[u + y * width]! / (du * du);
    edt1d(f, width, d, v, z);
    for (let u = 0; u < width; u++) grid[u + y * width] = Math.sqrt(d[u]! * du * du);
  }
  return grid;
}

/** Signed distance: positive inside the shape, negative outside, zero half a pixel from the edge. */
function signedDistance(shape: Uint8Array, width: number, height: number, du: number, dv: number): Float64Array {
  const outside = new Uint8Array(shape.length);
  for (let i = 0; i < shape.length; i++) outside[i] = shape[i] ? 0 : 1;
  const toShape = distanceTo(shape, width, height, du, dv);
  const toOutside = distanceTo(outside, width, height, du, dv);
  const half = Math.min(du, dv) / 2;
  const sd = new Float64Array(shape.length);
  for (let i = 0; i < shape.length; i++) sd[i] = shape[i] ? toOutside[i]! - half : -(toShape[i]! - half);
  return sd;
}

/**
 * Slice interpolation (shape-based): between each pair of slices of the view's orientation that
 * hold `value` with unannotated slices between them, the in-between slices get the shape whose
 * signed distance is the linear blend of the two. Only background voxels are written. Returns
 * the slices filled.
 */
export function interpolateSlices(map: Labelmap, o: Orientation, value: number): number[] {
  const d = map.dims;
  const p = planeSize(d, o);
  const n = sliceCount(d, o);
  const annotated: number[] = [];
  const planes: Uint32Array[] = [];
  for (let s = 0; s < n; s++) {
    const indices = planeIndices(d, o, s);
    planes[s] = indices;
    for (let k = 0; k < indices.length; k++) {
      if (map.data[indices[k]!] === value) {
        annotated.push(s);
        break;
      }
    }
  }
  const filled: number[] = [];
  const shapeOf = (s: number) => {
    const indices = planes[s]!;
    const shape = new Uint8Array(indices.length);
    for (let k = 0; k < indices.length; k++) shape[k] = map.data[indices[k]!] === value ? 1 : 0;
    return signedDistance(shape, p.width, p.height, p.du, p.dv);
  };
  for (let a = 0; a + 1 < annotated.length; a++) {
    const s0 = annotated[a]!;
    const s1 = annotated[a + 1]!;
    if (s1 - s0 < 2) continue;
    const sd0 = shapeOf(s0);
    const sd1 = shapeOf(s1);
    for (let s = s0 + 1; s < s1; s++) {
      const t = (s - s0) / (s1 - s0);
      const indices = planes[s]!;
      for (let k = 0; k < indices.length; k++) {
        if ((1 - t) * sd0[k]! + t * sd1[k]! > 0 && map.data[indices[k]!] === 0) map.set(indices[k]!, value);
      }
      filled.push(s);
    }
  }
  return filled;
}
