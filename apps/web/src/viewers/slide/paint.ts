/**
 * Painting on a slide's sparse labels, in full-resolution pixel coordinates: brush discs and
 * strokes, polygons (rectangle, polygon and freehand regions), a fill bounded to the view, and
 * which tiles a view covers. Pixel (x, y) is the square [x, x+1) × [y, y+1); shapes cover the
 * pixels whose centre (x + ½, y + ½) lies inside them, so a test can compute the same pixels.
 */
import { tilesAcross, tilesDown, type TileGrid } from '@delineate/core';
import type { TileLabelmap } from '../../viewer/tile-labelmap';

export type Point = readonly [number, number];

/** A rectangle of slide pixels: columns x … x + width − 1, rows y … y + height − 1. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Which pixels an eraser may clear: any label (0) or this one. */
export interface PaintValue {
  value: number;
  /** Erasing only this label (0 or absent: any). */
  eraseOnly?: number;
}

function only(p: PaintValue): ((old: number) => boolean) | undefined {
  return p.value === 0 && p.eraseOnly ? (old) => old === p.eraseOnly : undefined;
}

/** The pixels whose centre lies within `radius` of (cx, cy). */
export function paintDisc(map: TileLabelmap, cx: number, cy: number, radius: number, p: PaintValue): void {
  const y0 = Math.ceil(cy - radius - 0.5);
  const y1 = Math.floor(cy + radius - 0.5);
  const filter = only(p);
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    const half = Math.sqrt(Math.max(0, radius * radius - dy * dy));
    const x0 = Math.ceil(cx - half - 0.5);
    const x1 = Math.floor(cx + half - 0.5);
    if (x1 >= x0) map.setSpan(y, x0, x1, p.value, filter);
  }
}

/** Discs along a segment, close enough that a fast drag leaves no gaps. */
export function paintLine(map: TileLabelmap, from: Point, to: Point, radius: number, p: PaintValue): void {
  const step = Math.max(0.5, radius / 2);
  const steps = Math.max(1, Math.ceil(Math.hypot(to[0] - from[0], to[1] - from[1]) / step));
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    paintDisc(map, from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t, radius, p);
  }
}

/** The pixels whose centre lies inside the polygon (even-odd rule); the rectangle, polygon and freehand tools. */
export function fillPolygon(map: TileLabelmap, points: readonly Point[], p: PaintValue): void {
  if (points.length < 3) return;
  const ys = points.map((q) => q[1]);
  const y0 = Math.max(0, Math.ceil(Math.min(...ys) - 0.5));
  const y1 = Math.min(map.height - 1, Math.floor(Math.max(...ys) - 0.5));
  const filter = only(p);
  const crossings: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const yc = y + 0.5;
    crossings.length = 0;
    for (let i = 0; i < points.length; i++) {
      const a = points[i]!;
      const b = points[(i + 1) % points.length]!;
      // Half-open on y so a vertex on the scan line is counted once.
      if ((a[1] <= yc && b[1] > yc) || (b[1] <= yc && a[1] > yc)) crossings.push(a[0] + ((yc - a[1]) / (b[1] - a[1])) * (b[0] - a[0]));
    }
    crossings.sort((m, n) => m - n);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const x0 = Math.ceil(crossings[k]! - 0.5);
      const x1 = Math.ceil(crossings[k + 1]! - 0.5) - 1;
      if (x1 >= x0) map.setSpan(y, x0, x1, p.value, filter);
    }
  }
}

/** The rectangle between two corners as a polygon. */
export function rectangle(a: Point, b: Point): Point[] {
  return [a, [b[0], a[1]], b, [a[0], b[1]]];
}

/** Marks pixels of tiles still loading in a fill's copy of the labels: never reached. */
const LOADING = 255;

/**
 * Paint fill: the 4-connected pixels sharing the seed's label, within `bounds` (the view: a fill
 * never runs over a whole slide), on a copy of the labels there, written back as row spans.
 * Returns the pixels filled.
 */
export function fillRegion(map: TileLabelmap, seed: Point, bounds: PixelRect, value: number): number {
  const bx = Math.max(0, bounds.x);
  const by = Math.max(0, bounds.y);
  const w = Math.min(map.width, bounds.x + bounds.width) - bx;
  const h = Math.min(map.height, bounds.y + bounds.height) - by;
  const sx = Math.floor(seed[0]) - bx;
  const sy = Math.floor(seed[1]) - by;
  if (w <= 0 || h <= 0 || sx < 0 || sy < 0 || sx >= w || sy >= h) return 0;
  const labels = map.readRect(bx, by, w, h, LOADING);
  const target = labels[sy * w + sx]!;
  if (target === value || target === LOADING) return 0;
  const filled = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  let top = 0;
  stack[top++] = sy * w + sx;
  filled[sy * w + sx] = 1;
  let count = 0;
  while (top) {
    const k = stack[--top]!;
    count++;
    const x = k % w;
    const push = (n: number) => {
      if (!filled[n] && labels[n] === target) {
        filled[n] = 1;
        stack[top++] = n;
      }
    };
    if (x > 0) push(k - 1);
    if (x < w - 1) push(k + 1);
    if (k >= w) push(k - w);
    if (k < w * (h - 1)) push(k + w);
  }
  for (let y = 0; y < h; y++) {
    let x = 0;
    while (x < w) {
      if (!filled[y * w + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < w && filled[y * w + x]) x++;
      map.setSpan(by + y, bx + start, bx + x - 1, value);
    }
  }
  return count;
}

/** The ordinals of the tiles a rectangle of slide pixels touches, row by row. */
export function tilesInView(grid: TileGrid, view: PixelRect): number[] {
  const ts = grid.tileSize;
  const c0 = Math.max(0, Math.floor(view.x / ts));
  const r0 = Math.max(0, Math.floor(view.y / ts));
  const c1 = Math.min(tilesAcross(grid) - 1, Math.floor((view.x + view.width - 1) / ts));
  const r1 = Math.min(tilesDown(grid) - 1, Math.floor((view.y + view.height - 1) / ts));
  const out: number[] = [];
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) out.push(r * tilesAcross(grid) + c);
  return out;
}
