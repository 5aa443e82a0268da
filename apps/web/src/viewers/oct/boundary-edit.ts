/**
 * The edits the OCT workspace makes on one boundary of one B-scan, without a page: a spline
 * through knots, a drawn stroke, an A-scan range marked absent, snapping between two clicks and
 * propagation to a neighbouring B-scan (both the core's). Heights are row coordinates of the
 * stored B-scan (never of the stretched or flattened display).
 */
import { AScanState, cellOf, heightAt, octBoundaries, propagateToBScan, snapAlongEdge, type BoundarySet, type EdgePolarity, type OctBoundary } from '@delineate/core';

/** A knot of a boundary's spline: an A-scan and its height. */
export interface Knot {
  ascan: number;
  row: number;
}

/**
 * Which way the reflectivity steps across each boundary, top to bottom, on a spectral-domain
 * B-scan (vitreous dark, RNFL bright, GCL darker, IPL brighter, …): snapping and propagation
 * look for that edge, not its opposite one a few rows away.
 */
export const boundaryPolarity: Readonly<Record<OctBoundary, EdgePolarity>> = {
  ILM: 'dark_to_bright',
  RNFL_GCL: 'bright_to_dark',
  GCL_IPL: 'dark_to_bright',
  IPL_INL: 'bright_to_dark',
  INL_OPL: 'dark_to_bright',
  OPL_ONL: 'bright_to_dark',
  ELM: 'dark_to_bright',
  EZ: 'dark_to_bright',
  IZ: 'bright_to_dark',
  RPE: 'dark_to_bright',
  BM: 'bright_to_dark',
};

/** The heights of one boundary on one B-scan (NaN where not a value) and its A-scan states. */
export function boundaryRow(set: BoundarySet, boundary: number, bscan: number): { heights: Float32Array; states: Uint8Array } {
  const at = cellOf(set, boundary, bscan, 0);
  return { heights: set.heights.slice(at, at + set.ascans), states: set.states.slice(at, at + set.ascans) };
}

/** Writes heights for A-scans `first …` (NaN entries are skipped); the heights are clamped to the B-scan. */
export function writeHeights(set: BoundarySet, boundary: number, bscan: number, first: number, heights: ArrayLike<number>, rows: number): void {
  for (let i = 0; i < heights.length; i++) {
    const a = first + i;
    const h = heights[i]!;
    if (a < 0 || a >= set.ascans || Number.isNaN(h)) continue;
    const at = cellOf(set, boundary, bscan, a);
    set.states[at] = AScanState.value;
    set.heights[at] = Math.max(0, Math.min(rows, h));
  }
}

/** Marks A-scans `from … to` (either order, inclusive) absent/ungradable. */
export function markAbsent(set: BoundarySet, boundary: number, bscan: number, from: number, to: number): void {
  const [a0, a1] = [Math.max(0, Math.round(Math.min(from, to))), Math.min(set.ascans - 1, Math.round(Math.max(from, to)))];
  for (let a = a0; a <= a1; a++) {
    const at = cellOf(set, boundary, bscan, a);
    set.states[at] = AScanState.absent;
    set.heights[at] = Number.NaN;
  }
}

/** Knots every `every` A-scans where the boundary has a value, and its last valued A-scan. */
export function knotsOf(heights: ArrayLike<number>, every: number): Knot[] {
  const knots: Knot[] = [];
  let last = -1;
  for (let a = 0; a < heights.length; a++) {
    if (Number.isNaN(heights[a]!)) continue;
    if (a % every === 0) knots.push({ ascan: a, row: heights[a]! });
    last = a;
  }
  if (last >= 0 && knots[knots.length - 1]?.ascan !== last) knots.push({ ascan: last, row: heights[last]! });
  return knots;
}

/**
 * Heights at every A-scan from the first knot to the last through a Catmull-Rom spline (cubic
 * Hermite with tangents from the neighbouring knots, one-sided at the ends): smooth, and through
 * each knot exactly, so dragging one knot moves the boundary only between its neighbours.
 */
export function splineThroughKnots(knots: readonly Knot[]): { first: number; heights: Float32Array } {
  const sorted = [...knots].sort((p, q) => p.ascan - q.ascan);
  if (sorted.length === 0) return { first: 0, heights: new Float32Array(0) };
  const first = Math.round(sorted[0]!.ascan);
  const heights = new Float32Array(Math.round(sorted[sorted.length - 1]!.ascan) - first + 1);
  const slope = (i: number) => {
    const before = sorted[Math.max(0, i - 1)]!;
    const after = sorted[Math.min(sorted.length - 1, i + 1)]!;
    return after.ascan === before.ascan ? 0 : (after.row - before.row) / (after.ascan - before.ascan);
  };
  heights[0] = sorted[0]!.row;
  for (let k = 0; k + 1 < sorted.length; k++) {
    const p = sorted[k]!;
    const q = sorted[k + 1]!;
    const span = q.ascan - p.ascan;
    const [m0, m1] = [slope(k) * span, slope(k + 1) * span];
    for (let a = Math.ceil(p.ascan); a <= q.ascan; a++) {
      const t = span === 0 ? 1 : (a - p.ascan) / span;
      const t2 = t * t;
      const t3 = t2 * t;
      heights[a - first] = (2 * t3 - 3 * t2 + 1) * p.row + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * q.row + (t3 - t2) * m1;
    }
  }
  return { first, heights };
}

/**
 * Moves knot `index` to `row` and rewrites the boundary between its neighbouring knots from the
 * spline (the rest of the B-scan, snapped or drawn, stays as it was).
 */
export function dragKnot(set: BoundarySet, boundary: number, bscan: number, knots: readonly Knot[], index: number, row: number, rows: number): Knot[] {
  const moved = knots.map((k, i) => (i === index ? { ascan: k.ascan, row } : k));
  const { first, heights } = splineThroughKnots(moved);
  const from = moved[Math.max(0, index - 1)]!.ascan;
  const to = moved[Math.min(moved.length - 1, index + 1)]!.ascan;
  writeHeights(set, boundary, bscan, from, heights.subarray(from - first, to - first + 1), rows);
  return moved;
}

/**
 * A drawn stroke (points in drawing order) as heights: each pair of consecutive points sets the
 * A-scans between them by linear interpolation, so a stroke drawn back over itself keeps its last pass.
 */
export function strokeHeights(points: readonly Knot[], ascans: number): { first: number; heights: Float32Array } {
  if (points.length === 0) return { first: 0, heights: new Float32Array(0) };
  const columns = points.map((p) => Math.max(0, Math.min(ascans - 1, p.ascan)));
  const first = Math.round(Math.min(...columns));
  const heights = new Float32Array(Math.round(Math.max(...columns)) - first + 1).fill(Number.NaN);
  heights[Math.round(columns[0]!) - first] = points[0]!.row;
  for (let i = 1; i < points.length; i++) {
    const [x0, x1] = [columns[i - 1]!, columns[i]!];
    const [y0, y1] = [points[i - 1]!.row, points[i]!.row];
    const [lo, hi] = [Math.round(Math.min(x0, x1)), Math.round(Math.max(x0, x1))];
    for (let a = lo; a <= hi; a++) heights[a - first] = x1 === x0 ? y1 : y0 + ((a - x0) / (x1 - x0)) * (y1 - y0);
  }
  return { first, heights };
}

/** One B-scan's pixels (rows × A-scans) out of the whole stack. */
export function bscanPixels(volume: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, bscan: number, rows: number, ascans: number): ArrayLike<number> {
  return volume.subarray(bscan * rows * ascans, (bscan + 1) * rows * ascans);
}

/**
 * The B-scan with every column flattened (no edge) outside the rows the boundary may take there:
 * below the nearest valued boundary above it and above the nearest valued one below, as the
 * order constraint of graph-based layer segmentation. Without it a snap of the RPE between two
 * far clicks runs up to the ILM, the strongest edge of the same polarity.
 */
export function withinOrder(set: BoundarySet, boundary: number, bscan: number, pixels: ArrayLike<number>, rows: number): Float32Array {
  const width = set.ascans;
  const out = Float32Array.from(pixels);
  for (let a = 0; a < width; a++) {
    let top = 0;
    let bottom = rows - 1;
    for (let b = boundary - 1; b >= 0; b--) {
      const h = heightAt(set, b, bscan, a);
      if (h !== undefined) {
        top = Math.min(rows - 1, Math.floor(h) + 1);
        break;
      }
    }
    for (let b = boundary + 1; b < octBoundaries.length; b++) {
      const h = heightAt(set, b, bscan, a);
      if (h !== undefined) {
        bottom = Math.max(0, Math.floor(h) - 1);
        break;
      }
    }
    if (bottom < top) continue;
    for (let r = 0; r < top; r++) out[r * width + a] = pixels[top * width + a]!;
    for (let r = bottom + 1; r < rows; r++) out[r * width + a] = pixels[bottom * width + a]!;
  }
  return out;
}

/** Snaps the boundary between two clicks to the strongest edge of its polarity between its neighbours (the core's shortest path). */
export function snapBoundary(set: BoundarySet, boundary: number, bscan: number, pixels: ArrayLike<number>, rows: number, from: Knot, to: Knot): void {
  const path = snapAlongEdge(withinOrder(set, boundary, bscan, pixels, rows), set.ascans, rows, from, to, { polarity: boundaryPolarity[octBoundaries[boundary]!] });
  const first = Math.round(Math.max(0, Math.min(set.ascans - 1, Math.min(from.ascan, to.ascan))));
  writeHeights(set, boundary, bscan, first, from.ascan <= to.ascan ? path : path.slice().reverse(), rows);
}

/**
 * Copies the boundary of B-scan `from` onto B-scan `to`: with `follow`, each valued A-scan moves
 * to that B-scan's own strongest edge nearby (the core's propagation), else the heights are
 * copied as they are. Absent A-scans stay absent there; A-scans not annotated are left alone.
 */
export function propagateBoundary(set: BoundarySet, boundary: number, from: number, to: number, target: ArrayLike<number>, rows: number, follow: boolean): void {
  const source = boundaryRow(set, boundary, from);
  const moved = follow ? propagateToBScan(source.heights, target, set.ascans, rows, { polarity: boundaryPolarity[octBoundaries[boundary]!] }) : source.heights;
  writeHeights(set, boundary, to, 0, moved, rows);
  for (let a = 0; a < set.ascans; a++) if (source.states[a] === AScanState.absent) markAbsent(set, boundary, to, a, a);
}

/** A-scan ranges (inclusive) of one boundary on one B-scan in a given state, for drawing absent spans. */
export function rangesInState(states: ArrayLike<number>, state: AScanState): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let a = 0; a < states.length; a++) {
    if (states[a] !== state) continue;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === a - 1) last[1] = a;
    else ranges.push([a, a]);
  }
  return ranges;
}
