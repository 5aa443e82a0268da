/**
 * The en-face view beside the B-scan: the near-infrared localizer the B-scans were located on,
 * with every B-scan's line where the device recorded it, or, when the volume came without one,
 * each A-scan's mean reflectivity (an en-face projection of the stack) drawn to scale in µm. A
 * click on a line selects that B-scan.
 */

/** Mean of each A-scan's rows: `bscans` × `ascans` bytes, contrast stretched to 0 … 255. */
export function enFaceProjection(volume: ArrayLike<number>, bscans: number, rows: number, ascans: number): Uint8ClampedArray {
  const sums = new Float64Array(bscans * ascans);
  for (let s = 0; s < bscans; s++) {
    for (let r = 0; r < rows; r++) {
      const row = (s * rows + r) * ascans;
      for (let a = 0; a < ascans; a++) sums[s * ascans + a]! += volume[row + a]!;
    }
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of sums) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const out = new Uint8ClampedArray(sums.length);
  for (let i = 0; i < sums.length; i++) out[i] = hi > lo ? Math.round(((sums[i]! - lo) / (hi - lo)) * 255) : 128;
  return out;
}

/** A B-scan's line on the en-face canvas, in canvas pixels. */
export interface EnFaceLine {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The en-face canvas: `width` pixels across, its height to scale, and one line per B-scan. */
export interface EnFaceLayout {
  width: number;
  height: number;
  lines: EnFaceLine[];
}

/** The projection drawn to scale from the µm spacings: B-scan s is the row of A-scans s, first at the top. */
export function projectionLayout(geometry: { bscans: number; ascans: number; ascanSpacingUm: number; bscanSpacingUm: number }, width: number): EnFaceLayout {
  const umPerPixel = (geometry.ascans * geometry.ascanSpacingUm) / width;
  const height = Math.max(geometry.bscans, Math.round((geometry.bscans * geometry.bscanSpacingUm) / umPerPixel));
  const step = height / geometry.bscans;
  return { width, height, lines: Array.from({ length: geometry.bscans }, (_, s) => ({ x0: 0, y0: (s + 0.5) * step, x1: width, y1: (s + 0.5) * step })) };
}

/** The near-infrared localizer scaled to `width`, each B-scan's line from its (row, column) ends in localizer pixels. */
export function localizerLayout(localizer: { width: number; height: number; lines: ReadonlyArray<{ start: readonly number[]; end: readonly number[] }> }, width: number): EnFaceLayout {
  const scale = width / localizer.width;
  // Pixel centres: coordinate c lies at (c + 0.5) pixels.
  const at = (v: number) => (v + 0.5) * scale;
  return {
    width,
    height: Math.round(localizer.height * scale),
    lines: localizer.lines.map((l) => ({ x0: at(l.start[1]!), y0: at(l.start[0]!), x1: at(l.end[1]!), y1: at(l.end[0]!) })),
  };
}

function distanceToLine(line: EnFaceLine, x: number, y: number): number {
  const dx = line.x1 - line.x0;
  const dy = line.y1 - line.y0;
  const length = dx * dx + dy * dy;
  const t = length === 0 ? 0 : Math.max(0, Math.min(1, ((x - line.x0) * dx + (y - line.y0) * dy) / length));
  return Math.hypot(x - (line.x0 + t * dx), y - (line.y0 + t * dy));
}

/** The B-scan whose line is nearest to a click, or null when none lies within `tolerance` pixels. */
export function bscanAt(layout: EnFaceLayout, x: number, y: number, tolerance: number): number | null {
  let best: number | null = null;
  let nearest = tolerance;
  layout.lines.forEach((line, s) => {
    const d = distanceToLine(line, x, y);
    if (d <= nearest) [best, nearest] = [s, d];
  });
  return best;
}
