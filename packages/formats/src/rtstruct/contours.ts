/**
 * Planar contours of one slice of a binary mask and back, in pixel coordinates (column, row),
 * pixel centres at integers.
 *
 * Contours come from marching squares at the 0.5 level: each vertex is the midpoint between
 * an inside and an outside pixel centre, so no pixel centre ever lies on a contour and filling
 * the contours by the even-odd rule at pixel centres gives back exactly the pixels they came
 * from, holes included (a hole is one more closed contour inside its outline). Diagonal
 * neighbours are joined (8-connected foreground), the same choice in every cell.
 */

/** One closed planar contour: x0, y0, x1, y1, … in pixel units (no repeated first point). */
export type PixelContour = number[];

/**
 * Closed contours around the foreground of one `columns × rows` slice (`pixels[offset + c + columns·r]`
 * non-zero inside). Collinear midpoints are dropped, which does not move the outline.
 */
export function sliceContours(pixels: ArrayLike<number>, offset: number, columns: number, rows: number): PixelContour[] {
  // Pad by one outside pixel so every outline closes; the padded lattice is (columns + 2) × (rows + 2).
  const w = columns + 2;
  const h = rows + 2;
  const inside = (c: number, r: number): boolean => c >= 1 && r >= 1 && c <= columns && r <= rows && (pixels[offset + c - 1 + columns * (r - 1)] ?? 0) !== 0;
  // Crossing keys: horizontal edge (c,r)-(c+1,r) → 2·(r·w + c); vertical edge (c,r)-(c,r+1) → 2·(r·w + c) + 1.
  const next = new Map<number, number>();
  for (let r = 0; r < h - 1; r++) {
    for (let c = 0; c < w - 1; c++) {
      // Corners clockwise on screen (rows grow downwards): top-left, top-right, bottom-right, bottom-left.
      const corners = [inside(c, r), inside(c + 1, r), inside(c + 1, r + 1), inside(c, r + 1)];
      if (corners.every((v) => v === corners[0])) continue;
      const edges = [2 * (r * w + c), 2 * (r * w + c + 1) + 1, 2 * ((r + 1) * w + c), 2 * (r * w + c) + 1];
      // Crossings in clockwise order; an exit goes inside → outside along the cell boundary.
      const crossings: { key: number; exit: boolean }[] = [];
      for (let e = 0; e < 4; e++) {
        const a = corners[e];
        const b = corners[(e + 1) % 4];
        if (a !== b) crossings.push({ key: edges[e] ?? 0, exit: a === true });
      }
      // Each exit joins the next entry clockwise: the segment cuts off the outside corners between them.
      for (let i = 0; i < crossings.length; i++) {
        const from = crossings[i];
        const to = crossings[(i + 1) % crossings.length];
        if (from?.exit && to && !to.exit) next.set(from.key, to.key);
      }
    }
  }
  const contours: PixelContour[] = [];
  for (const start of next.keys()) {
    if (!next.has(start)) continue;
    const loop: number[] = [];
    let key = start;
    for (;;) {
      loop.push(key);
      const following = next.get(key);
      next.delete(key);
      if (following === undefined || following === start) break;
      key = following;
    }
    contours.push(simplify(loop.map((k) => point(k, w))));
  }
  return contours;
}

/** The pixel coordinates (unpadded) of a crossing key. */
function point(key: number, w: number): [number, number] {
  const cell = key >> 1;
  const c = cell % w;
  const r = (cell - c) / w;
  return key & 1 ? [c - 1, r - 1 + 0.5] : [c - 1 + 0.5, r - 1];
}

function simplify(points: [number, number][]): PixelContour {
  const out: PixelContour = [];
  const n = points.length;
  for (let i = 0; i < n; i++) {
    const [px, py] = points[(i + n - 1) % n] ?? [0, 0];
    const [x, y] = points[i] ?? [0, 0];
    const [nx, ny] = points[(i + 1) % n] ?? [0, 0];
    // Exact arithmetic on halves: the cross product is zero only for truly collinear points.
    if ((x - px) * (ny - y) - (y - py) * (nx - x) !== 0) out.push(x, y);
  }
  return out;
}

// The filler lives in core so that the browser's contour tools and the cardiac measures share it.
export { fillContours } from '@delineate/core';
