/**
 * The en-face view beside the B-scan: each A-scan's mean reflectivity (an en-face projection of
 * the stack), drawn to scale in µm with every B-scan's line on it; a click on a line selects that
 * B-scan.
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

/** The en-face canvas: `width` pixels across the scan field, its height to scale from the µm spacings. */
export interface EnFaceLayout {
  width: number;
  height: number;
  /** Screen y of each B-scan's line, first B-scan at the top. */
  lineY: (bscan: number) => number;
}

export function enFaceLayout(geometry: { bscans: number; ascans: number; ascanSpacingUm: number; bscanSpacingUm: number }, width: number): EnFaceLayout {
  const umPerPixel = (geometry.ascans * geometry.ascanSpacingUm) / width;
  const height = Math.max(geometry.bscans, Math.round((geometry.bscans * geometry.bscanSpacingUm) / umPerPixel));
  const step = height / geometry.bscans;
  return { width, height, lineY: (bscan) => (bscan + 0.5) * step };
}

/** The B-scan whose line is nearest to screen y, or null when none lies within `tolerance` pixels. */
export function bscanAt(layout: EnFaceLayout, bscans: number, y: number, tolerance: number): number | null {
  const step = layout.height / bscans;
  const nearest = Math.max(0, Math.min(bscans - 1, Math.round(y / step - 0.5)));
  return Math.abs(layout.lineY(nearest) - y) <= Math.max(tolerance, step / 2) ? nearest : null;
}
