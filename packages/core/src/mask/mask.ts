import { decodeRle8 } from '../encoding/rle';
import { type Box, type Grid, voxelCount } from './grid';

/** Integer label storage accepted from readers (NIfTI datatypes that hold labels). */
export type LabelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array | Uint32Array;

/** One structure: 1 inside, 0 outside. */
export interface BinaryMask {
  readonly grid: Grid;
  readonly data: Uint8Array;
}

/** A multi-label segmentation: 0 is background, every other value a label. */
export interface LabelMap {
  readonly grid: Grid;
  readonly data: LabelArray;
}

export function binaryMask(grid: Grid, data: Uint8Array): BinaryMask {
  if (data.length !== voxelCount(grid)) throw new RangeError('mask data length does not match the grid');
  return { grid, data };
}

export function labelMap(grid: Grid, data: LabelArray): LabelMap {
  if (data.length !== voxelCount(grid)) throw new RangeError('label data length does not match the grid');
  return { grid, data };
}

/** The voxels carrying `label` as a binary mask. */
export function selectLabel(map: LabelMap, label: number): BinaryMask {
  const src = map.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] === label ? 1 : 0;
  return { grid: map.grid, data: out };
}

/** Any non-zero voxel as foreground. */
export function foreground(map: LabelMap): BinaryMask {
  const src = map.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
  return { grid: map.grid, data: out };
}

/** The non-zero labels present, ascending. */
export function labelsPresent(map: LabelMap): number[] {
  const seen = new Set<number>();
  const src = map.data;
  let last = 0;
  for (let i = 0; i < src.length; i++) {
    const v = src[i] ?? 0;
    if (v !== 0 && v !== last) {
      seen.add(v);
      last = v;
    }
  }
  return [...seen].sort((a, b) => a - b);
}

export function countForeground(mask: BinaryMask): number {
  let n = 0;
  const d = mask.data;
  for (let i = 0; i < d.length; i++) n += d[i] ?? 0;
  return n;
}

/** A Uint32 view of the whole array when its offset and length allow one. */
function wordsOf(d: Uint8Array): Uint32Array | null {
  return d.byteOffset % 4 === 0 && d.length % 4 === 0 ? new Uint32Array(d.buffer, d.byteOffset, d.length / 4) : null;
}

/** Inclusive bounding box of the union of the masks' foreground, or null when all are empty. */
export function unionBoundingBox(masks: readonly BinaryMask[]): Box | null {
  const first = masks[0];
  if (!first) return null;
  const [nx, ny, nz] = first.grid.dims;
  const words = nx % 4 === 0 ? masks.map((m) => wordsOf(m.data)) : [];
  const fast = words.length > 0 && words.every((w) => w !== null);
  const wpr = nx / 4;
  let x0 = nx, y0 = ny, z0 = nz, x1 = -1, y1 = -1, z1 = -1;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const row = (z * ny + y) * nx;
      if (fast) {
        // Skip empty rows four voxels at a time: most rows of a large image are empty.
        let any = 0;
        const w0 = row / 4;
        for (const w of words) {
          if (!w) continue;
          for (let i = w0; i < w0 + wpr && any === 0; i++) any |= w[i] ?? 0;
          if (any) break;
        }
        if (!any) continue;
      }
      let lo = -1, hi = -1;
      for (const m of masks) {
        const d = m.data;
        for (let x = 0; x < nx; x++) if (d[row + x]) { if (lo < 0 || x < lo) lo = x; break; }
        for (let x = nx - 1; x >= 0; x--) if (d[row + x]) { if (x > hi) hi = x; break; }
      }
      if (lo < 0) continue;
      if (lo < x0) x0 = lo;
      if (hi > x1) x1 = hi;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < z0) z0 = z;
      if (z > z1) z1 = z;
    }
  }
  if (x1 < 0) return null;
  return { min: [x0, y0, z0], max: [x1, y1, z1] };
}

/** A label map from the platform's stored `rle` encoding (see encoding/rle.ts). */
export function labelMapFromRle(grid: Grid, encoded: Uint8Array): { ok: true; map: LabelMap } | { ok: false; reason: string } {
  const decoded = decodeRle8(encoded, voxelCount(grid));
  return decoded.ok ? { ok: true, map: { grid, data: decoded.voxels } } : { ok: false, reason: decoded.reason };
}

/**
 * The pair's masks of one label cropped to their union bounding box with `margin` voxels of
 * background on every side (beyond the image edge too: image-edge voxels are border voxels
 * either way, and the surfel lattice pads with background). With margin ≥ 1 every surface
 * statistic is unchanged; `box` is the union box in crop coordinates. Null when neither map has the label.
 * `onlyLabel` promises that both maps hold no other non-zero value (from {@link scanLabelPair}).
 */
export function cropLabelPair(
  reference: LabelMap,
  test: LabelMap,
  label: number,
  margin = 1,
  knownBox?: Box,
  onlyLabel = false,
): { reference: BinaryMask; test: BinaryMask; box: Box } | null {
  // Byte rows are copied as they are when both maps hold only 0 and this label, and it is 1.
  const binarySource = onlyLabel && label === 1;
  const g = reference.grid;
  const [nx, ny, nz] = g.dims;
  let x0 = nx, y0 = ny, z0 = nz, x1 = -1, y1 = -1, z1 = -1;
  if (knownBox) {
    [x0, y0, z0] = knownBox.min;
    [x1, y1, z1] = knownBox.max;
  }
  for (const m of knownBox ? [] : [reference, test]) {
    const d = m.data;
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++) {
        const row = (z * ny + y) * nx;
        let lo = -1;
        for (let x = 0; x < nx; x++) if (d[row + x] === label) { lo = x; break; }
        if (lo < 0) continue;
        let hi = lo;
        for (let x = nx - 1; x > lo; x--) if (d[row + x] === label) { hi = x; break; }
        if (lo < x0) x0 = lo;
        if (hi > x1) x1 = hi;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (z < z0) z0 = z;
        if (z > z1) z1 = z;
      }
  }
  if (x1 < 0) return null;
  const is3d = g.ndim === 3;
  const mz = is3d ? margin : 0;
  const cx = x1 - x0 + 1 + 2 * margin, cy = y1 - y0 + 1 + 2 * margin, cz = z1 - z0 + 1 + 2 * mz;
  const grid: Grid = { ndim: g.ndim, dims: [cx, cy, cz], spacing: g.spacing };
  const crop = (m: LabelMap): BinaryMask => {
    const out = new Uint8Array(cx * cy * cz);
    const d = m.data;
    const xs = Math.max(0, x0 - margin), xe = Math.min(nx - 1, x1 + margin);
    for (let z = Math.max(0, z0 - mz); z <= Math.min(nz - 1, z1 + mz); z++)
      for (let y = Math.max(0, y0 - margin); y <= Math.min(ny - 1, y1 + margin); y++) {
        const src = (z * ny + y) * nx;
        const dst = ((z - z0 + mz) * cy + (y - y0 + margin)) * cx - (x0 - margin);
        if (binarySource && d instanceof Uint8Array) out.set(d.subarray(src + xs, src + xe + 1), dst + xs);
        else for (let x = xs; x <= xe; x++) out[dst + x] = d[src + x] === label ? 1 : 0;
      }
    return { grid, data: out };
  };
  const box: Box = { min: [margin, margin, mz], max: [cx - 1 - margin, cy - 1 - margin, cz - 1 - mz] };
  return { reference: crop(reference), test: crop(test), box };
}

/** Voxel counts of one label of a pair of label maps (no intermediate masks). */
export function labelOverlapCounts(
  reference: LabelMap,
  test: LabelMap,
  label: number,
): { truePositive: number; falsePositive: number; falseNegative: number; trueNegative: number } {
  const r = reference.data, t = test.data;
  let tp = 0, rn = 0, tn = 0;
  for (let i = 0; i < r.length; i++) {
    const a = r[i] === label ? 1 : 0, b = t[i] === label ? 1 : 0;
    rn += a;
    tn += b;
    tp += a & b;
  }
  return { truePositive: tp, falsePositive: tn - tp, falseNegative: rn - tp, trueNegative: r.length - rn - tn + tp };
}

/** Per label of a pair: voxel counts in each map, in both, and the union bounding box. */
export interface LabelPairStats {
  readonly reference: number;
  readonly test: number;
  readonly both: number;
  readonly box: Box;
}

/** One label's running counts and union box in a pair scan. */
export interface LabelPairAccumulator {
  reference: number;
  test: number;
  both: number;
  x0: number;
  y0: number;
  z0: number;
  x1: number;
  y1: number;
  z1: number;
}

/**
 * The accumulators of a pair scan ({@link scanLabelPair}, `scanRunPair`): `get` finds or starts
 * a label's (the last one cached: labels come in runs), `touch` widens its box by voxels
 * x0..x1 of row (y, z), and `stats` gives the result by label, ascending.
 */
export function labelPairAccumulators(dims: readonly [number, number, number]): {
  get(label: number): LabelPairAccumulator;
  touch(a: LabelPairAccumulator, x0: number, x1: number, y: number, z: number): void;
  stats(): Map<number, LabelPairStats>;
} {
  const [nx, ny, nz] = dims;
  const acc = new Map<number, LabelPairAccumulator>();
  let lastLabel = -1;
  let lastAcc: LabelPairAccumulator | undefined;
  return {
    get(label) {
      if (label === lastLabel && lastAcc) return lastAcc;
      let a = acc.get(label);
      if (!a) {
        a = { reference: 0, test: 0, both: 0, x0: nx, y0: ny, z0: nz, x1: -1, y1: -1, z1: -1 };
        acc.set(label, a);
      }
      lastLabel = label;
      lastAcc = a;
      return a;
    },
    touch(a, x0, x1, y, z) {
      if (x0 < a.x0) a.x0 = x0;
      if (x1 > a.x1) a.x1 = x1;
      if (y < a.y0) a.y0 = y;
      if (y > a.y1) a.y1 = y;
      if (z < a.z0) a.z0 = z;
      if (z > a.z1) a.z1 = z;
    },
    stats() {
      const out = new Map<number, LabelPairStats>();
      for (const [label, a] of [...acc.entries()].sort((p, q) => p[0] - q[0])) {
        out.set(label, { reference: a.reference, test: a.test, both: a.both, box: { min: [a.x0, a.y0, a.z0], max: [a.x1, a.y1, a.z1] } });
      }
      return out;
    },
  };
}

/**
 * One pass over a pair of label maps giving every label's counts and union bounding box. Byte
 * maps are read four voxels at a time and background words skipped, the common case.
 */
export function scanLabelPair(reference: LabelMap, test: LabelMap): Map<number, LabelPairStats> {
  const [nx, ny, nz] = reference.grid.dims;
  const r = reference.data, t = test.data;
  const { get, touch: touchRow, stats } = labelPairAccumulators(reference.grid.dims);
  const words =
    r instanceof Uint8Array && t instanceof Uint8Array && r.byteOffset % 4 === 0 && t.byteOffset % 4 === 0 && nx % 4 === 0
      ? [new Uint32Array(r.buffer, r.byteOffset, r.length >> 2), new Uint32Array(t.buffer, t.byteOffset, t.length >> 2)]
      : null;
  const touch = (a: LabelPairAccumulator, x: number, y: number, z: number): void => touchRow(a, x, x, y, z);
  const visit = (i: number, x: number, y: number, z: number): void => {
    const a = r[i] ?? 0, b = t[i] ?? 0;
    if (a !== 0) {
      const s = get(a);
      s.reference++;
      if (a === b) s.both++;
      touch(s, x, y, z);
    }
    if (b !== 0) {
      const s = get(b);
      s.test++;
      if (a !== b) touch(s, x, y, z);
    }
  };
  if (words) {
    const rw = words[0] as Uint32Array, tw = words[1] as Uint32Array;
    const nw = rw.length, wpr = nx >> 2;
    // Eight background voxels per test where the buffers allow a float64 view (an all-zero
    // 8-byte group reads as +0; −0 is a real 0x80 byte and is not skipped).
    const pairs = rw.byteOffset % 8 === 0 && tw.byteOffset % 8 === 0 ? nw >> 1 : 0;
    const rd = new Float64Array(rw.buffer, rw.byteOffset, pairs), td = new Float64Array(tw.buffer, tw.byteOffset, pairs);
    for (let i = 0; i < nw; i++) {
      if ((i & 1) === 0 && i >> 1 < pairs) {
        const f = rd[i >> 1] as number, g = td[i >> 1] as number;
        if (f === 0 && g === 0 && 1 / f > 0 && 1 / g > 0) {
          i++;
          continue;
        }
      }
      const a = rw[i] as number, b = tw[i] as number;
      if ((a | b) === 0) continue;
      const rowIndex = Math.floor(i / wpr);
      const y = rowIndex % ny, z = Math.floor(rowIndex / ny);
      const x0 = 4 * (i - rowIndex * wpr);
      const v = a & 0xff;
      if (a === b && a === Math.imul(v, 0x01010101) >>> 0) {
        // Four voxels of one label in both maps: the inside of a structure.
        const st = get(v);
        st.reference += 4;
        st.test += 4;
        st.both += 4;
        touch(st, x0, y, z);
        touch(st, x0 + 3, y, z);
        continue;
      }
      for (let k = 0; k < 4; k++) visit(4 * i + k, x0 + k, y, z);
    }
  } else {
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++) {
        const row = (z * ny + y) * nx;
        for (let x = 0; x < nx; x++) if ((r[row + x] ?? 0) !== 0 || (t[row + x] ?? 0) !== 0) visit(row + x, x, y, z);
      }
  }
  return stats();
}
