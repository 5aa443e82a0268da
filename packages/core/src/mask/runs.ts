import type { Box, Grid } from './grid';
import { labelPairAccumulators, type BinaryMask, type LabelArray, type LabelMap, type LabelPairStats } from './mask';

/**
 * A label image as runs: per row (y, z) the maximal runs of one non-zero label, ascending in x.
 * Built while a file is decoded, so the whole volume never has to be held: a mask pair is
 * scanned and cropped from its runs at a cost of rows plus runs, not voxels. Row r = y + ny·z
 * holds runs rowStart[r] ‥ rowStart[r + 1] − 1; a run covers x = start ‥ end − 1.
 */
export interface LabelRuns {
  readonly grid: Grid;
  readonly rowStart: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly label: Float64Array;
}

/** Collects runs row by row, in row order (x fastest, then y, then z). */
export class LabelRunsBuilder {
  private start = new Int32Array(1024);
  private end = new Int32Array(1024);
  private label = new Float64Array(1024);
  private n = 0;
  private row = 0;
  private readonly rowStart: Int32Array;

  constructor(readonly grid: Grid) {
    this.rowStart = new Int32Array(grid.dims[1] * grid.dims[2] + 1);
  }

  /** Rows finished so far. */
  get rows(): number {
    return this.row;
  }

  /** Adds a run [start, end) of `label` (non-zero) to the current row; runs come in ascending x. */
  run(start: number, end: number, label: number): void {
    if (this.n === this.start.length) {
      const size = this.n * 2;
      const s = new Int32Array(size), e = new Int32Array(size), l = new Float64Array(size);
      s.set(this.start);
      e.set(this.end);
      l.set(this.label);
      this.start = s;
      this.end = e;
      this.label = l;
    }
    this.start[this.n] = start;
    this.end[this.n] = end;
    this.label[this.n] = label;
    this.n++;
  }

  /** Drops the runs added to the current row (a caller's fast path gave up on it). */
  discardRow(): void {
    this.n = this.rowStart[this.row] as number;
  }

  /** Finishes the current row. */
  endRow(): void {
    if (this.row >= this.rowStart.length - 1) throw new RangeError('more rows than the grid has');
    this.row++;
    this.rowStart[this.row] = this.n;
  }

  /** Finishes `count` rows without runs. */
  emptyRows(count: number): void {
    if (this.row + count > this.rowStart.length - 1) throw new RangeError('more rows than the grid has');
    this.rowStart.fill(this.n, this.row + 1, this.row + count + 1);
    this.row += count;
  }

  /** Adds one whole row from its values (length nx) and finishes it. */
  addRow(values: ArrayLike<number>): void {
    const nx = values.length;
    let x = 0;
    while (x < nx) {
      const v = values[x] as number;
      if (v === 0) {
        x++;
        continue;
      }
      const s = x;
      while (x < nx && values[x] === v) x++;
      this.run(s, x, v);
    }
    this.endRow();
  }

  finish(): LabelRuns {
    if (this.row !== this.rowStart.length - 1) throw new RangeError('fewer rows than the grid has');
    return {
      grid: this.grid,
      rowStart: this.rowStart,
      start: this.start.slice(0, this.n),
      end: this.end.slice(0, this.n),
      label: this.label.slice(0, this.n),
    };
  }
}

/** The runs of a label map held in memory. */
export function labelRunsOf(map: LabelMap): LabelRuns {
  const [nx, ny, nz] = map.grid.dims;
  const b = new LabelRunsBuilder(map.grid);
  const d: LabelArray = map.data;
  for (let r = 0; r < ny * nz; r++) b.addRow(d.subarray(r * nx, (r + 1) * nx));
  return b.finish();
}

/** The non-zero labels present, ascending. */
export function labelsInRuns(runs: LabelRuns): number[] {
  const seen = new Set<number>();
  let last = 0;
  for (const v of runs.label) {
    if (v !== last) {
      seen.add(v);
      last = v;
    }
  }
  return [...seen].sort((a, b) => a - b);
}

/**
 * Per label of a pair of run images: voxel counts in each, in both, and the union bounding box;
 * the same as {@link scanLabelPair} on the voxels, at a cost of rows plus runs.
 */
export function scanRunPair(reference: LabelRuns, test: LabelRuns): Map<number, LabelPairStats> {
  const [, ny, nz] = reference.grid.dims;
  const { get, touch, stats } = labelPairAccumulators(reference.grid.dims);
  const rs = reference.rowStart, ts = test.rowStart;
  for (let z = 0, r = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++, r++) {
      const a0 = rs[r] as number, a1 = rs[r + 1] as number, b0 = ts[r] as number, b1 = ts[r + 1] as number;
      if (a0 === a1 && b0 === b1) continue;
      for (let i = a0; i < a1; i++) {
        const s = get(reference.label[i] as number);
        const st = reference.start[i] as number, en = reference.end[i] as number;
        s.reference += en - st;
        touch(s, st, en - 1, y, z);
      }
      for (let i = b0; i < b1; i++) {
        const s = get(test.label[i] as number);
        const st = test.start[i] as number, en = test.end[i] as number;
        s.test += en - st;
        touch(s, st, en - 1, y, z);
      }
      // Voxels with the same label in both: intersections of the two sorted run lists.
      let i = a0, j = b0;
      while (i < a1 && j < b1) {
        const ae = reference.end[i] as number, be = test.end[j] as number;
        const lo = Math.max(reference.start[i] as number, test.start[j] as number), hi = Math.min(ae, be);
        if (hi > lo && reference.label[i] === test.label[j]) get(reference.label[i] as number).both += hi - lo;
        if (ae <= be) i++;
        else j++;
      }
    }
  }
  return stats();
}

/**
 * One label of a pair of run images as binary masks cropped to `box` (image coordinates, the
 * pair's union box for the label, e.g. from {@link scanRunPair}) with `margin` voxels of
 * background on every side: the same masks and crop box as {@link cropLabelPair}.
 */
export function cropRunPair(
  reference: LabelRuns,
  test: LabelRuns,
  label: number,
  margin: number,
  box: Box,
): { reference: BinaryMask; test: BinaryMask; box: Box } {
  const g = reference.grid;
  const [nx, ny, nz] = g.dims;
  const [x0, y0, z0] = box.min;
  const [x1, y1, z1] = box.max;
  const mz = g.ndim === 3 ? margin : 0;
  const cx = x1 - x0 + 1 + 2 * margin, cy = y1 - y0 + 1 + 2 * margin, cz = z1 - z0 + 1 + 2 * mz;
  const grid: Grid = { ndim: g.ndim, dims: [cx, cy, cz], spacing: g.spacing };
  const xs = Math.max(0, x0 - margin), xe = Math.min(nx - 1, x1 + margin) + 1;
  const crop = (m: LabelRuns): BinaryMask => {
    const out = new Uint8Array(cx * cy * cz);
    for (let z = Math.max(0, z0 - mz); z <= Math.min(nz - 1, z1 + mz); z++)
      for (let y = Math.max(0, y0 - margin); y <= Math.min(ny - 1, y1 + margin); y++) {
        const r = z * ny + y;
        const dst = ((z - z0 + mz) * cy + (y - y0 + margin)) * cx - (x0 - margin);
        for (let i = m.rowStart[r] as number, e = m.rowStart[r + 1] as number; i < e; i++) {
          if (m.label[i] !== label) continue;
          const a = Math.max(xs, m.start[i] as number), b = Math.min(xe, m.end[i] as number);
          if (b > a) out.fill(1, dst + a, dst + b);
        }
      }
    return { grid, data: out };
  };
  const cropBox: Box = { min: [margin, margin, mz], max: [cx - 1 - margin, cy - 1 - margin, cz - 1 - mz] };
  return { reference: crop(reference), test: crop(test), box: cropBox };
}
