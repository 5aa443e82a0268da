import type { SlideBox, SlidePolygon } from '@delineate/schema';

/**
 * Plane geometry of slide regions in full-resolution pixels: bounds, containment, the polygon's
 * inside spans per pixel row (for checking painted runs) and box–polygon overlap (for fields).
 * A pixel (x, y) is inside when its centre (x + ½, y + ½) is, by the even–odd rule.
 */

export function polygonBounds(polygon: SlidePolygon): SlideBox {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of polygon) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const x = Math.floor(x0), y = Math.floor(y0);
  return { x, y, width: Math.max(1, Math.ceil(x1) - x), height: Math.max(1, Math.ceil(y1) - y) };
}

/** Twice the signed area; zero for a degenerate polygon. */
export function polygonArea(polygon: SlidePolygon): number {
  let s = 0;
  polygon.forEach(([x, y], i) => {
    const [u, v] = polygon[(i + 1) % polygon.length]!;
    s += x * v - u * y;
  });
  return Math.abs(s) / 2;
}

export function pointInPolygon(polygon: ReadonlyArray<readonly [number, number]>, px: number, py: number): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * The pixel columns of row `y` whose centres lie inside: half-open [start, end) spans in
 * ascending order (even–odd crossings of the horizontal line through the row's centre).
 */
export function insideSpans(polygon: SlidePolygon, y: number): Array<[number, number]> {
  const cy = y + 0.5;
  const xs: number[] = [];
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > cy !== yj > cy) xs.push(((xj - xi) * (cy - yi)) / (yj - yi) + xi);
  }
  xs.sort((a, b) => a - b);
  const spans: Array<[number, number]> = [];
  for (let k = 0; k + 1 < xs.length; k += 2) {
    // Pixel x is inside when x + ½ lies in [xs[k], xs[k+1]).
    const start = Math.ceil(xs[k]! - 0.5) + 0, end = Math.ceil(xs[k + 1]! - 0.5) + 0;
    if (end > start) spans.push([start, end]);
  }
  return spans;
}

function segmentsCross(a: readonly [number, number], b: readonly [number, number], c: readonly [number, number], d: readonly [number, number]): boolean {
  const orient = (p: readonly [number, number], q: readonly [number, number], r: readonly [number, number]) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  const o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
  return o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0;
}

/** Whether an axis-aligned box and the polygon's interior overlap (not just touch). */
export function boxOverlapsPolygon(polygon: SlidePolygon, box: SlideBox): boolean {
  const corners: Array<[number, number]> = [
    [box.x, box.y],
    [box.x + box.width, box.y],
    [box.x + box.width, box.y + box.height],
    [box.x, box.y + box.height],
  ];
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  if (pointInPolygon(polygon, cx, cy)) return true;
  for (const [x, y] of polygon) if (x > box.x && x < box.x + box.width && y > box.y && y < box.y + box.height) return true;
  if (corners.some(([x, y]) => pointInPolygon(polygon, x, y))) return true;
  for (let i = 0; i < polygon.length; i++) {
    const a = polygon[i]!, b = polygon[(i + 1) % polygon.length]!;
    for (let k = 0; k < 4; k++) if (segmentsCross(a, b, corners[k]!, corners[(k + 1) % 4]!)) return true;
  }
  return false;
}
