/**
 * 3-D connected components (6-connected, face neighbours) by union-find over runs: a volume is
 * scanned once, row by row, into runs of voxels inside an intensity window; each run is joined
 * with the overlapping runs of the row above and of the same row one slice down. Runs are a few
 * hundred thousand where voxels are tens of millions, so the union-find and the second pass cost
 * almost nothing next to the threshold scan, and no per-voxel label volume is ever allocated.
 */

/** x fastest, then y, then z (the layout of {@link Grid}). */
export type VolumeDims = readonly [number, number, number];

/** Intensity window, both ends inclusive. */
export interface IntensityWindow {
  readonly low: number;
  readonly high: number;
}

export type Intensities = Int16Array | Float32Array | Uint8Array | Uint16Array | Int32Array;

/** The runs of a volume inside a window, grouped into components. */
export interface RunComponents {
  readonly dims: VolumeDims;
  /** Row (y + ny·z) of each run. */
  readonly runRow: Int32Array;
  /** First and one-past-last x of each run. */
  readonly runStart: Int32Array;
  readonly runEnd: Int32Array;
  /** Component (0-based) of each run. */
  readonly runComponent: Int32Array;
  readonly count: number;
  /** Voxels per component. */
  readonly sizes: Float64Array;
  /** 1 where a component touches the in-plane edge (x = 0, x = nx − 1, y = 0 or y = ny − 1). */
  readonly touchesInPlaneEdge: Uint8Array;
}

/** Growable int32 column (runs and spans are not known in advance). */
export class IntColumn {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

function find(parent: Int32Array, i: number): number {
  let root = i;
  while (parent[root] !== root) root = parent[root]!;
  // Path halving keeps later finds short.
  while (parent[i] !== root) {
    const next = parent[i]!;
    parent[i] = root;
    i = next;
  }
  return root;
}

function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a), rb = find(parent, b);
  if (ra === rb) return;
  if (ra < rb) parent[rb] = ra;
  else parent[ra] = rb;
}

/** Joins every run of row range `a` with every overlapping run of row range `b` (both sorted by x). */
function joinOverlapping(starts: Int32Array, ends: Int32Array, parent: Int32Array, a0: number, a1: number, b0: number, b1: number): void {
  let i = a0, j = b0;
  while (i < a1 && j < b1) {
    if (ends[i]! > starts[j]! && ends[j]! > starts[i]!) union(parent, i, j);
    if (ends[i]! < ends[j]!) i++;
    else j++;
  }
}

/**
 * Components of the voxels whose value lies in `window` (or of the non-zero voxels of a mask,
 * with window [1, 255]). `inside`, when given, limits the scan to a box (inclusive corners).
 */
export function windowComponents(
  values: Intensities,
  dims: VolumeDims,
  window: IntensityWindow,
  inside?: { readonly min: VolumeDims; readonly max: VolumeDims },
): RunComponents {
  const [nx, ny, nz] = dims;
  if (values.length !== nx * ny * nz) throw new RangeError('values do not match the dimensions');
  const { low, high } = window;
  const x0 = inside ? Math.max(0, inside.min[0]) : 0, x1 = inside ? Math.min(nx - 1, inside.max[0]) : nx - 1;
  const y0 = inside ? Math.max(0, inside.min[1]) : 0, y1 = inside ? Math.min(ny - 1, inside.max[1]) : ny - 1;
  const z0 = inside ? Math.max(0, inside.min[2]) : 0, z1 = inside ? Math.min(nz - 1, inside.max[2]) : nz - 1;
  const rowOf = new IntColumn(), startOf = new IntColumn(), endOf = new IntColumn();
  // First run of each row (y + ny·z), and one past its last: rows are visited in order.
  const rowFirst = new Int32Array(ny * nz).fill(-1);
  const rowLast = new Int32Array(ny * nz);
  for (let z = z0; z <= z1; z++) {
    for (let y = y0; y <= y1; y++) {
      const row = y + ny * z;
      const base = row * nx;
      rowFirst[row] = rowOf.length;
      let x = x0;
      while (x <= x1) {
        let v = values[base + x]!;
        if (v < low || v > high) {
          x++;
          continue;
        }
        const start = x;
        do {
          x++;
          v = values[base + x]!;
        } while (x <= x1 && v >= low && v <= high);
        rowOf.push(row);
        startOf.push(start);
        endOf.push(x);
      }
      rowLast[row] = rowOf.length;
    }
  }
  const runRow = rowOf.view(), runStart = startOf.view(), runEnd = endOf.view();
  const n = runRow.length;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  for (let z = z0; z <= z1; z++) {
    for (let y = y0; y <= y1; y++) {
      const row = y + ny * z;
      const a0 = rowFirst[row]!, a1 = rowLast[row]!;
      if (a0 === a1) continue;
      if (y > y0) joinOverlapping(runStart, runEnd, parent, a0, a1, rowFirst[row - 1]!, rowLast[row - 1]!);
      if (z > z0) joinOverlapping(runStart, runEnd, parent, a0, a1, rowFirst[row - ny]!, rowLast[row - ny]!);
    }
  }
  const runComponent = new Int32Array(n);
  const compact = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  const edge: number[] = [];
  for (let i = 0; i < n; i++) {
    const root = find(parent, i);
    let c = compact[root]!;
    if (c < 0) {
      c = sizes.length;
      compact[root] = c;
      sizes.push(0);
      edge.push(0);
    }
    runComponent[i] = c;
    sizes[c]! += runEnd[i]! - runStart[i]!;
    const y = runRow[i]! % ny;
    if (runStart[i] === 0 || runEnd[i] === nx || y === 0 || y === ny - 1) edge[c] = 1;
  }
  return { dims, runRow, runStart, runEnd, runComponent, count: sizes.length, sizes: Float64Array.from(sizes), touchesInPlaneEdge: Uint8Array.from(edge) };
}

/** A binary mask (1 inside) of the components `keep` accepts. */
export function componentMask(components: RunComponents, keep: (component: number) => boolean): Uint8Array {
  const [nx, ny, nz] = components.dims;
  const out = new Uint8Array(nx * ny * nz);
  const kept = new Uint8Array(components.count);
  for (let c = 0; c < components.count; c++) kept[c] = keep(c) ? 1 : 0;
  const { runRow, runStart, runEnd, runComponent } = components;
  for (let i = 0; i < runRow.length; i++) {
    if (kept[runComponent[i]!] === 1) out.fill(1, runRow[i]! * nx + runStart[i]!, runRow[i]! * nx + runEnd[i]!);
  }
  return out;
}

/** The largest component (the lowest-numbered among equals), or -1 when there is none. */
export function largestComponent(components: RunComponents): number {
  let best = -1;
  for (let c = 0; c < components.count; c++) if (best < 0 || components.sizes[c]! > components.sizes[best]!) best = c;
  return best;
}
