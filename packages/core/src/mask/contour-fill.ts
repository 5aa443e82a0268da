/** Planar contours to pixels: shared by RT structure import, the cardiac measures and the browser's contour tools. */

/**
 * Fills closed contours into one slice by the even-odd rule at pixel centres: a pixel is inside
 * when a ray from its centre crosses the contours an odd number of times, counting every contour
 * of the slice together (so a contour inside another is a hole). Sets `out[offset + …]` to 1.
 */
export function fillContours(contours: readonly (readonly number[])[], out: Uint8Array, offset: number, columns: number, rows: number): void {
  const xs: number[] = [];
  for (let r = 0; r < rows; r++) {
    xs.length = 0;
    for (const contour of contours) {
      const n = contour.length / 2;
      for (let i = 0; i < n; i++) {
        const x0 = contour[2 * i] ?? 0;
        const y0 = contour[2 * i + 1] ?? 0;
        const j = (i + 1) % n;
        const x1 = contour[2 * j] ?? 0;
        const y1 = contour[2 * j + 1] ?? 0;
        // Half-open rule: an edge counts when the row lies in [min y, max y), so vertices are not counted twice.
        if (y0 <= r !== y1 <= r) xs.push(x0 + ((r - y0) / (y1 - y0)) * (x1 - x0));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k] ?? 0));
      const to = Math.min(columns - 1, Math.ceil(xs[k + 1] ?? 0) - 1);
      const row = offset + r * columns;
      if (to < from) continue;
      out.fill(1, row + from, row + to + 1);
    }
  }
}
