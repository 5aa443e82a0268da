/**
 * Least-squares ellipse fit of a mask's outer contour, the "ellipse fit" cup-to-disc convention:
 * the conic a·u² + b·uv + c·v² + d·u + e·v = 1 (u, v about the contour's centroid) that
 * minimises the algebraic distance over the contour points, and its vertical and horizontal
 * diameters. The contour is the outer edge of the pixels (midpoints of the pixel edges between
 * the mask and the outside reached from the image border), so holes do not pull the fit inward
 * and a filled shape D pixels tall measures about D.
 */
export interface EllipseFit {
  readonly centre: readonly [number, number];
  /** Height and width of the fitted ellipse, pixels. */
  readonly verticalDiameter: number;
  readonly horizontalDiameter: number;
}

/** Midpoints of the pixel edges between the mask and its outside (4-connected from the border). */
export function outerContourPoints(binary: Uint8Array, width: number, height: number): Array<[number, number]> {
  const outside = new Uint8Array(width * height);
  const stack: number[] = [];
  const seed = (i: number) => {
    if (!binary[i] && !outside[i]) {
      outside[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed(x + width * (height - 1));
  }
  for (let y = 0; y < height; y++) {
    seed(width * y);
    seed(width - 1 + width * y);
  }
  while (stack.length > 0) {
    const i = stack.pop()!;
    const x = i % width;
    const y = (i - x) / width;
    if (x > 0) seed(i - 1);
    if (x < width - 1) seed(i + 1);
    if (y > 0) seed(i - width);
    if (y < height - 1) seed(i + width);
  }
  const isOut = (x: number, y: number) => x < 0 || y < 0 || x >= width || y >= height || outside[x + width * y] === 1;
  const points: Array<[number, number]> = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!binary[x + width * y]) continue;
      if (isOut(x - 1, y)) points.push([x - 0.5, y]);
      if (isOut(x + 1, y)) points.push([x + 0.5, y]);
      if (isOut(x, y - 1)) points.push([x, y - 0.5]);
      if (isOut(x, y + 1)) points.push([x, y + 0.5]);
    }
  }
  return points;
}

/** Solves the square system m·x = r by Gaussian elimination with partial pivoting; undefined when singular. */
function solve(m: number[][], r: number[]): number[] | undefined {
  const n = r.length;
  const a = m.map((row, i) => [...row, r[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row;
    if (Math.abs(a[pivot]![col]!) < 1e-12) return undefined;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let row = col + 1; row < n; row++) {
      const f = a[row]![col]! / a[col]![col]!;
      for (let k = col; k <= n; k++) a[row]![k]! -= f * a[col]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let sum = a[row]![n]!;
    for (let k = row + 1; k < n; k++) sum -= a[row]![k]! * x[k]!;
    x[row] = sum / a[row]![row]!;
  }
  return x;
}

/** Width of the interval where A·t² + B·t + C ≥ 0 holds with A < 0. */
function span(A: number, B: number, C: number): number {
  const d = B * B - 4 * A * C;
  return d > 0 ? Math.sqrt(d) / Math.abs(A) : NaN;
}

/** The fit of the mask's outer contour; undefined when it has fewer than 5 contour points or is no ellipse. */
export function fitEllipse(binary: Uint8Array, width: number, height: number): EllipseFit | undefined {
  const points = outerContourPoints(binary, width, height);
  if (points.length < 5) return undefined;
  let cx = 0;
  let cy = 0;
  for (const [x, y] of points) {
    cx += x;
    cy += y;
  }
  cx /= points.length;
  cy /= points.length;
  // Scaled so the normal equations stay well conditioned on photographs thousands of pixels wide.
  let scale = 0;
  for (const [x, y] of points) scale = Math.max(scale, Math.abs(x - cx), Math.abs(y - cy));
  if (scale === 0) return undefined;
  const m = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
  const r = new Array<number>(5).fill(0);
  for (const [x, y] of points) {
    const u = (x - cx) / scale;
    const v = (y - cy) / scale;
    const row = [u * u, u * v, v * v, u, v];
    for (let i = 0; i < 5; i++) {
      r[i]! += row[i]!;
      for (let j = 0; j < 5; j++) m[i]![j]! += row[i]! * row[j]!;
    }
  }
  const coefficients = solve(m, r);
  if (!coefficients) return undefined;
  const [a, b, c, d, e] = coefficients as [number, number, number, number, number];
  const A = b * b - 4 * a * c;
  if (!(A < 0)) return undefined;
  // For a fixed v the conic is a quadratic in u with real roots while its discriminant is ≥ 0 (and the reverse).
  const vertical = span(A, 2 * b * d - 4 * a * e, d * d + 4 * a) * scale;
  const horizontal = span(A, 2 * b * e - 4 * c * d, e * e + 4 * c) * scale;
  if (!Number.isFinite(vertical) || !Number.isFinite(horizontal)) return undefined;
  const u0 = (2 * c * d - b * e) / A;
  const v0 = (2 * a * e - b * d) / A;
  return { centre: [cx + u0 * scale, cy + v0 * scale], verticalDiameter: vertical, horizontalDiameter: horizontal };
}
