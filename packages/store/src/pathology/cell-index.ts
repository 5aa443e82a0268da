import type { CellColumns } from './cell-codec';

/**
 * A uniform grid over cell centroids for picking and viewport reads. Cells are bucketed by
 * centroid in compressed rows (bucket start offsets, then cell indexes bucket by bucket); a
 * query widens its box by the largest outline extent, so a nucleus whose centroid is in the
 * next bucket is still found. Built in O(n), a pick reads a few buckets.
 */
export class CellGridIndex {
  readonly #cells: CellColumns;
  readonly #size: number;
  readonly #x0: number;
  readonly #y0: number;
  readonly #across: number;
  readonly #down: number;
  readonly #start: Uint32Array;
  readonly #members: Uint32Array;
  /** Largest |dx| or |dy| of any outline vertex from its centroid. */
  readonly #reach: number;

  constructor(cells: CellColumns, bucketSize = 64) {
    this.#cells = cells;
    this.#size = bucketSize;
    const n = cells.count;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      x0 = Math.min(x0, cells.x[i]!);
      y0 = Math.min(y0, cells.y[i]!);
      x1 = Math.max(x1, cells.x[i]!);
      y1 = Math.max(y1, cells.y[i]!);
    }
    if (n === 0) x0 = y0 = x1 = y1 = 0;
    this.#x0 = x0;
    this.#y0 = y0;
    this.#across = Math.floor((x1 - x0) / bucketSize) + 1;
    this.#down = Math.floor((y1 - y0) / bucketSize) + 1;
    let reach = 0;
    const v = cells.vertexStart[n] ?? 0;
    for (let k = 0; k < 2 * v; k++) reach = Math.max(reach, Math.abs(cells.offsets[k]!));
    this.#reach = reach;
    const bucketOf = new Uint32Array(n);
    const counts = new Uint32Array(this.#across * this.#down + 1);
    for (let i = 0; i < n; i++) {
      const b = Math.floor((cells.y[i]! - y0) / bucketSize) * this.#across + Math.floor((cells.x[i]! - x0) / bucketSize);
      bucketOf[i] = b;
      counts[b + 1]!++;
    }
    for (let b = 1; b < counts.length; b++) counts[b]! += counts[b - 1]!;
    this.#start = counts;
    const fill = counts.slice(0, -1);
    this.#members = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.#members[fill[bucketOf[i]!]!++] = i;
  }

  /** Indexes of cells whose centroid lies in [x0, x1] × [y0, y1] widened by `margin`. */
  #candidates(x0: number, y0: number, x1: number, y1: number, margin: number, visit: (i: number) => void): void {
    const s = this.#size;
    const bx0 = Math.max(0, Math.floor((x0 - margin - this.#x0) / s)), bx1 = Math.min(this.#across - 1, Math.floor((x1 + margin - this.#x0) / s));
    const by0 = Math.max(0, Math.floor((y0 - margin - this.#y0) / s)), by1 = Math.min(this.#down - 1, Math.floor((y1 + margin - this.#y0) / s));
    for (let by = by0; by <= by1; by++) {
      for (let bx = bx0; bx <= bx1; bx++) {
        const b = by * this.#across + bx;
        for (let k = this.#start[b]!; k < this.#start[b + 1]!; k++) visit(this.#members[k]!);
      }
    }
  }

  /** Whether (px, py) is inside cell i's outline (even–odd), or within `tolerance` of a point cell. */
  #hits(i: number, px: number, py: number, tolerance: number): boolean {
    const c = this.#cells;
    const cx = c.x[i]!, cy = c.y[i]!;
    const from = c.vertexStart[i]!, to = c.vertexStart[i + 1]!;
    if (to - from < 3) return (px - cx) ** 2 + (py - cy) ** 2 <= tolerance * tolerance;
    let inside = false;
    for (let k = from, j = to - 1; k < to; j = k++) {
      const xi = cx + c.offsets[2 * k]!, yi = cy + c.offsets[2 * k + 1]!;
      const xj = cx + c.offsets[2 * j]!, yj = cy + c.offsets[2 * j + 1]!;
      if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  /**
   * The cell under (px, py): the outline containing it, or a point cell within `tolerance` px;
   * among several, the one whose centroid is nearest (ties: the lower id). -1 when none.
   */
  pick(px: number, py: number, tolerance = 6): number {
    let best = -1, bestD = Infinity;
    const c = this.#cells;
    this.#candidates(px, py, px, py, Math.max(this.#reach, tolerance), (i) => {
      if (!this.#hits(i, px, py, tolerance)) return;
      const d = (px - c.x[i]!) ** 2 + (py - c.y[i]!) ** 2;
      if (d < bestD || (d === bestD && c.id[i]! < c.id[best]!)) {
        best = i;
        bestD = d;
      }
    });
    return best;
  }

  /** Indexes of cells whose outline's box (or point) meets the box, in index order. */
  within(x0: number, y0: number, x1: number, y1: number): number[] {
    const c = this.#cells;
    const found: number[] = [];
    this.#candidates(x0, y0, x1, y1, this.#reach, (i) => {
      let ax = c.x[i]!, ay = c.y[i]!, bx = ax, by = ay;
      for (let k = c.vertexStart[i]!; k < c.vertexStart[i + 1]!; k++) {
        const vx = c.x[i]! + c.offsets[2 * k]!, vy = c.y[i]! + c.offsets[2 * k + 1]!;
        ax = Math.min(ax, vx);
        bx = Math.max(bx, vx);
        ay = Math.min(ay, vy);
        by = Math.max(by, vy);
      }
      if (bx >= x0 && ax <= x1 && by >= y0 && ay <= y1) found.push(i);
    });
    return found.sort((a, b) => a - b);
  }
}
