/**
 * Editing helpers of the OCT workspace that need no page: snapping a boundary to the strongest
 * edge between two clicks, propagating a boundary to a neighbouring B-scan, and flattening.
 */

/** A point on a B-scan: A-scan (column) and height (row coordinate). */
export interface BScanPoint {
  ascan: number;
  row: number;
}

export type EdgePolarity = 'dark_to_bright' | 'bright_to_dark';

/**
 * The path between two clicks along the strongest edge: a minimum-cost path over the columns
 * from `from.ascan` to `to.ascan` (dynamic programming, as graph-based layer segmentation does),
 * where entering pixel (row, column) costs `1 − normalised vertical gradient` there and the path
 * moves at most `maxStep` rows between neighbouring columns. `polarity` chooses dark-to-bright
 * edges (top to bottom, as the ILM and RPE are) or bright-to-dark. Returns one height per column
 * in click order (row centres, i + 0.5), its ends pinned to the clicked rows.
 */
export function snapAlongEdge(
  image: ArrayLike<number>,
  width: number,
  height: number,
  from: BScanPoint,
  to: BScanPoint,
  options: { maxStep?: number; polarity?: EdgePolarity } = {},
): Float32Array {
  const maxStep = options.maxStep ?? 2;
  const sign = options.polarity === 'bright_to_dark' ? -1 : 1;
  const [left, right] = from.ascan <= to.ascan ? [from, to] : [to, from];
  const a0 = Math.max(0, Math.min(width - 1, Math.round(left.ascan)));
  const a1 = Math.max(0, Math.min(width - 1, Math.round(right.ascan)));
  const columns = a1 - a0 + 1;
  const rowOf = (point: BScanPoint) => Math.max(0, Math.min(height - 1, Math.floor(point.row)));
  // Vertical gradient (next row minus previous), scaled to [0, 1] over the columns searched.
  const cost = new Float64Array(columns * height);
  let strongest = 0;
  for (let c = 0; c < columns; c++) {
    for (let r = 1; r < height - 1; r++) {
      const g = sign * (image[(r + 1) * width + a0 + c]! - image[(r - 1) * width + a0 + c]!);
      cost[c * height + r] = g;
      if (g > strongest) strongest = g;
    }
  }
  for (let i = 0; i < cost.length; i++) cost[i] = 1 - Math.max(0, cost[i]!) / (strongest || 1);
  const total = new Float64Array(columns * height).fill(Number.POSITIVE_INFINITY);
  const back = new Int32Array(columns * height).fill(-1);
  const startRow = rowOf(left);
  const endRow = rowOf(right);
  total[startRow] = cost[startRow]!;
  for (let c = 1; c < columns; c++) {
    for (let r = 0; r < height; r++) {
      let best = Number.POSITIVE_INFINITY;
      let bestRow = -1;
      for (let d = -maxStep; d <= maxStep; d++) {
        const p = r + d;
        if (p < 0 || p >= height) continue;
        const t = total[(c - 1) * height + p]!;
        if (t < best) {
          best = t;
          bestRow = p;
        }
      }
      total[c * height + r] = best + cost[c * height + r]!;
      back[c * height + r] = bestRow;
    }
  }
  const path = new Float32Array(columns);
  let r = columns > 1 ? endRow : startRow;
  for (let c = columns - 1; c >= 0; c--) {
    path[c] = r + 0.5;
    if (c > 0) r = back[c * height + r]!;
  }
  return from.ascan <= to.ascan ? path : path.reverse();
}

/**
 * Propagates a boundary to a neighbouring B-scan: each A-scan starts at the source height and
 * moves to the strongest same-polarity edge within `searchRows` on the target B-scan (ties to
 * the nearest row), keeping its sub-pixel offset, so a boundary copied one B-scan over follows
 * that B-scan's own edge. NaN heights stay NaN.
 */
export function propagateToBScan(
  heights: ArrayLike<number>,
  target: ArrayLike<number>,
  width: number,
  height: number,
  options: { searchRows?: number; polarity?: EdgePolarity } = {},
): Float32Array {
  const search = options.searchRows ?? 3;
  const sign = options.polarity === 'bright_to_dark' ? -1 : 1;
  const out = new Float32Array(width);
  for (let a = 0; a < width; a++) {
    const h = heights[a]!;
    if (Number.isNaN(h)) {
      out[a] = Number.NaN;
      continue;
    }
    const centre = Math.floor(h);
    let best = centre;
    let strongest = Number.NEGATIVE_INFINITY;
    for (let r = Math.max(1, centre - search); r <= Math.min(height - 2, centre + search); r++) {
      const g = sign * (target[(r + 1) * width + a]! - target[(r - 1) * width + a]!);
      if (g > strongest || (g === strongest && Math.abs(r - centre) < Math.abs(best - centre))) {
        strongest = g;
        best = r;
      }
    }
    out[a] = best + (h - centre);
  }
  return out;
}

/**
 * Row shifts that flatten a B-scan to a reference boundary (BM): A-scan a moves by
 * `targetRow − reference[a]`, so the reference becomes a straight line; A-scans without a
 * reference height take the shift of the nearest one that has it (0 when none has).
 */
export function flattenShifts(reference: ArrayLike<number>, targetRow: number): Float32Array {
  const n = reference.length;
  const shifts = new Float32Array(n);
  for (let a = 0; a < n; a++) {
    let value = Number.NaN;
    for (let d = 0; Number.isNaN(value) && (a - d >= 0 || a + d < n); d++) {
      const left = a - d >= 0 ? reference[a - d]! : Number.NaN;
      const right = a + d < n ? reference[a + d]! : Number.NaN;
      value = Number.isNaN(left) ? right : left;
    }
    shifts[a] = Number.isNaN(value) ? 0 : targetRow - value;
  }
  return shifts;
}
