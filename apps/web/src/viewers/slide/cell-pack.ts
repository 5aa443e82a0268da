/**
 * Cells packed for the GPU once per change of the cell set (pure, so it is tested without a
 * browser): positions relative to an origin near the cells (float32 keeps sub-pixel precision on a
 * 100,000-pixel slide), grouped in small spatial chunks laid out row by row, so the chunks a view
 * meets along one row are contiguous and drawn in one call. Panning never repacks or re-uploads.
 */
import type { Cell } from '@delineate/schema';
import type { Affine } from './label-overlay';

/** Classes drawn with distinct colours; more share the last. */
export const MAX_CLASSES = 32;

/**
 * Side of a spatial chunk, in slide pixels. Small, because under a software rasteriser every
 * primitive drawn off screen costs as much as one on it; neighbouring chunks in a row merge into
 * one draw, so small chunks do not multiply draw calls.
 */
export const CHUNK_PIXELS = 128;
/** Vertices per draw call at most (a software rasteriser's command stays bounded). */
export const MAX_DRAW_VERTICES = 65_536;
/** Corners of an outline drawn while a nucleus is small on screen (a 12–24 px 8-gon reads as its 16-gon). */
export const COARSE_OUTLINE_CORNERS = 8;

/** Origin-relative slide pixels. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One chunk's cells: their box (outlines included, origin-relative) and ranges in the buffers. */
export interface CellChunk extends Box {
  pointStart: number;
  pointCount: number;
  lineStart: number;
  lineCount: number;
  coarseStart: number;
  coarseCount: number;
}

export interface CellBuffers {
  /** x, y (relative to the origin), class index (+0.5 for a nucleus, drawn as a ring): 3 floats per cell. */
  points: Float32Array;
  /** Half the larger side of each cell's outline box in slide pixels (0 for a point cell), for the cell map. */
  radii: Float32Array;
  /** Cell ids in buffer order (the selection is found by id). */
  ids: Int32Array;
  /** Outline segments of nuclei: x0, y0, x1, y1 … (2 floats per vertex), class index per vertex in `lineClasses`. */
  lines: Float32Array;
  lineClasses: Float32Array;
  /** The same outlines with at most COARSE_OUTLINE_CORNERS corners each. */
  coarseLines: Float32Array;
  coarseLineClasses: Float32Array;
  count: number;
  /** Spatial chunks in buffer order (row of chunks, then column). */
  chunks: CellChunk[];
}

export const FLOATS_PER_CELL = 3;

export function packCells(cells: Iterable<Cell>, classIndex: ReadonlyMap<string, number>, origin: readonly [number, number]): CellBuffers {
  const chunkOf = (c: Cell) => [Math.floor((c.y - origin[1]) / CHUNK_PIXELS), Math.floor((c.x - origin[0]) / CHUNK_PIXELS)] as const;
  const keyed = [...cells].map((c, i) => ({ c, i, k: chunkOf(c) }));
  // Stable: within a chunk cells keep their order.
  keyed.sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.i - b.i);
  const points = new Float32Array(keyed.length * FLOATS_PER_CELL);
  const radii = new Float32Array(keyed.length);
  const ids = new Int32Array(keyed.length);
  let segments = 0, coarseSegments = 0;
  for (const { c } of keyed) {
    segments += c.polygon?.length ?? 0;
    coarseSegments += Math.min(c.polygon?.length ?? 0, COARSE_OUTLINE_CORNERS);
  }
  const full = { lines: new Float32Array(segments * 4), classes: new Float32Array(segments * 2), at: 0 };
  const coarse = { lines: new Float32Array(coarseSegments * 4), classes: new Float32Array(coarseSegments * 2), at: 0 };
  const chunks: CellChunk[] = [];
  let chunk: CellChunk | null = null;
  let row = NaN, column = NaN;
  for (const [n, { c, k: key }] of keyed.entries()) {
    if (key[0] !== row || key[1] !== column || !chunk) {
      chunk = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity, pointStart: n, pointCount: 0, lineStart: full.at, lineCount: 0, coarseStart: coarse.at, coarseCount: 0 };
      chunks.push(chunk);
      [row, column] = key;
    }
    const cls = Math.min(classIndex.get(c.classKey) ?? MAX_CLASSES - 1, MAX_CLASSES - 1);
    const x = c.x - origin[0], y = c.y - origin[1];
    points[n * FLOATS_PER_CELL] = x;
    points[n * FLOATS_PER_CELL + 1] = y;
    points[n * FLOATS_PER_CELL + 2] = cls + (c.polygon ? 0.5 : 0);
    ids[n] = c.id;
    chunk.pointCount++;
    grow(chunk, x, y);
    const poly = c.polygon;
    if (!poly) continue;
    let radius = 0;
    for (const a of poly) {
      grow(chunk, a[0] - origin[0], a[1] - origin[1]);
      radius = Math.max(radius, Math.abs(a[0] - c.x), Math.abs(a[1] - c.y));
    }
    radii[n] = radius;
    chunk.lineCount += addOutline(full, poly, poly.length, cls, origin);
    chunk.coarseCount += addOutline(coarse, poly, COARSE_OUTLINE_CORNERS, cls, origin);
  }
  return { points, radii, ids, lines: full.lines, lineClasses: full.classes, coarseLines: coarse.lines, coarseLineClasses: coarse.classes, count: keyed.length, chunks };
}

/** Appends the outline through at most `corners` of the polygon's corners (evenly spaced) as segments; returns the vertices added. */
function addOutline(out: { lines: Float32Array; classes: Float32Array; at: number }, poly: ReadonlyArray<readonly [number, number]>, corners: number, cls: number, origin: readonly [number, number]): number {
  const k = Math.min(corners, poly.length);
  for (let i = 0; i < k; i++) {
    const a = poly[Math.floor((i * poly.length) / k)]!, b = poly[Math.floor((((i + 1) % k) * poly.length) / k)]!;
    const at = out.at * 2;
    out.lines[at] = a[0] - origin[0];
    out.lines[at + 1] = a[1] - origin[1];
    out.lines[at + 2] = b[0] - origin[0];
    out.lines[at + 3] = b[1] - origin[1];
    out.classes[out.at++] = cls;
    out.classes[out.at++] = cls;
  }
  return 2 * k;
}

function grow(box: Box, x: number, y: number): void {
  box.x0 = Math.min(box.x0, x);
  box.y0 = Math.min(box.y0, y);
  box.x1 = Math.max(box.x1, x);
  box.y1 = Math.max(box.y1, y);
}

/** The chunks meeting `view` (origin-relative slide pixels), widened by `pad` for the markers' size. */
export function chunksInView(chunks: readonly CellChunk[], view: Box, pad = 0): CellChunk[] {
  return chunks.filter((c) => c.x1 >= view.x0 - pad && c.x0 <= view.x1 + pad && c.y1 >= view.y0 - pad && c.y0 <= view.y1 + pad);
}

/**
 * [first, count] draws covering the given chunks' points or outline vertices: chunks adjacent in
 * the buffers (neighbours along a row) join one draw, and no draw exceeds MAX_DRAW_VERTICES.
 */
export function chunkDraws(chunks: readonly CellChunk[], part: 'points' | 'lines' | 'coarse lines'): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const c of chunks) {
    const [first, count] = part === 'points' ? [c.pointStart, c.pointCount] : part === 'lines' ? [c.lineStart, c.lineCount] : [c.coarseStart, c.coarseCount];
    if (count === 0) continue;
    const last = spans[spans.length - 1];
    if (last && last[0] + last[1] === first) last[1] += count;
    else spans.push([first, count]);
  }
  return spans.flatMap(([first, count]) => drawRanges(first, count, part === 'points' ? 1 : 2));
}

/** [first, count] draws covering `count` vertices from `first`, none over MAX_DRAW_VERTICES (multiples of `step`). */
export function drawRanges(first: number, count: number, step = 1): Array<[number, number]> {
  const most = MAX_DRAW_VERTICES - (MAX_DRAW_VERTICES % step);
  const out: Array<[number, number]> = [];
  for (let at = 0; at < count; at += most) out.push([first + at, Math.min(most, count - at)]);
  return out;
}

/** The canvas's rectangle in origin-relative slide pixels (the inverse of the view's affine at its corners). */
export function viewOf(t: Affine, width: number, height: number): Box {
  const det = t.a * t.d - t.b * t.c;
  if (det === 0) return { x0: -Infinity, y0: -Infinity, x1: Infinity, y1: Infinity };
  const back = (u: number, v: number): [number, number] => [(t.d * (u - t.e) - t.c * (v - t.f)) / det, (-t.b * (u - t.e) + t.a * (v - t.f)) / det];
  const corners = [back(0, 0), back(width, 0), back(0, height), back(width, height)];
  const xs = corners.map((c) => c[0]), ys = corners.map((c) => c[1]);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/** `#rrggbb` → three floats. */
export function rgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex)?.[1] ?? 'ffffff';
  return [parseInt(m.slice(0, 2), 16) / 255, parseInt(m.slice(2, 4), 16) / 255, parseInt(m.slice(4, 6), 16) / 255];
}
