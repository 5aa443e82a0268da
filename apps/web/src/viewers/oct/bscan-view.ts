/**
 * Where a B-scan point is drawn: A-scans across, rows down, the rows stretched by the reader's
 * vertical factor and, when flattened, each A-scan shifted so Bruch's membrane lies on one row.
 * Edits are made in stored rows, so every pointer position goes back through {@link toStored}.
 */
import { flattenShifts } from '@delineate/core';

export interface BScanView {
  /** Screen pixels per A-scan. */
  xScale: number;
  /** Screen pixels per row (xScale × the vertical stretch). */
  yScale: number;
  /** Rows added to each A-scan's heights (flatten to BM), or null. */
  shifts: Float32Array | null;
}

/**
 * The view of a B-scan `ascans` wide in a canvas `width` pixels wide; `bm` (Bruch's membrane on
 * this B-scan, NaN where not a value) flattens it to the row BM has on average when given.
 */
export function bscanView(ascans: number, width: number, stretch: number, bm: ArrayLike<number> | null): BScanView {
  const xScale = width / ascans;
  let shifts: Float32Array | null = null;
  if (bm) {
    let sum = 0;
    let n = 0;
    for (let a = 0; a < bm.length; a++) if (!Number.isNaN(bm[a]!)) [sum, n] = [sum + bm[a]!, n + 1];
    if (n > 0) shifts = flattenShifts(bm, sum / n);
  }
  return { xScale, yScale: xScale * stretch, shifts };
}

function shiftAt(view: BScanView, ascan: number): number {
  if (!view.shifts) return 0;
  return view.shifts[Math.max(0, Math.min(view.shifts.length - 1, Math.round(ascan)))]!;
}

/** Screen position (x, y) of a stored point; A-scan a is drawn at its centre. */
export function toScreen(view: BScanView, ascan: number, row: number): [number, number] {
  return [(ascan + 0.5) * view.xScale, (row + shiftAt(view, ascan)) * view.yScale];
}

/** The stored point (A-scan, row) under a screen position. */
export function toStored(view: BScanView, x: number, y: number): { ascan: number; row: number } {
  const ascan = Math.floor(x / view.xScale);
  return { ascan, row: y / view.yScale - shiftAt(view, ascan) };
}
