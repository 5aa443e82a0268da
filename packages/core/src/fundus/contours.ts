import type { DiscCupLabels, FundusMask } from './cup-disc';

/** A closed contour in image pixels (x right, y down; pixel (i, j) has its centre at (i, j)). */
export type Contour = ReadonlyArray<readonly [number, number]>;

/**
 * The pixels whose centre lies inside a closed polygon (even-odd rule, scanline by scanline), as
 * 0/1 of the image's size. A pixel centre exactly on a left edge is inside, on a right edge outside,
 * so two polygons sharing an edge never both take a pixel.
 */
export function rasteriseContour(contour: Contour, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const n = contour.length;
  if (n < 3) return out;
  const crossings: number[] = [];
  for (let y = 0; y < height; y++) {
    crossings.length = 0;
    for (let i = 0; i < n; i++) {
      const [x0, y0] = contour[i]!;
      const [x1, y1] = contour[(i + 1) % n]!;
      if ((y0 <= y && y1 > y) || (y1 <= y && y0 > y)) crossings.push(x0 + ((y - y0) / (y1 - y0)) * (x1 - x0));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const from = Math.max(0, Math.ceil(crossings[k]!));
      const to = Math.min(width - 1, Math.ceil(crossings[k + 1]!) - 1);
      for (let x = from; x <= to; x++) out[x + width * y] = 1;
    }
  }
  return out;
}

/** A closed contour approximating an ellipse (the ellipse tool's output), `points` vertices. */
export function ellipseContour(centre: readonly [number, number], radii: readonly [number, number], points = 72): Array<[number, number]> {
  return Array.from({ length: points }, (_, k) => {
    const t = (2 * Math.PI * k) / points;
    return [centre[0] + radii[0] * Math.cos(t), centre[1] + radii[1] * Math.sin(t)] as [number, number];
  });
}

export type DiscCupRaster =
  | { ok: true; mask: FundusMask }
  | { ok: false; reason: 'disc_empty' | 'cup_empty' | 'cup_outside_disc'; cupPixelsOutside: number };

/**
 * The label image of a disc and a cup contour: cup pixels carry the cup label, the rest of the
 * disc the disc label. The cup must lie inside the disc: a cup pixel outside the disc's pixels
 * is refused (the caller writes nothing), as is an empty disc or cup.
 */
export function rasteriseDiscAndCup(disc: Contour, cup: Contour, width: number, height: number, labels: DiscCupLabels): DiscCupRaster {
  const discPixels = rasteriseContour(disc, width, height);
  const cupPixels = rasteriseContour(cup, width, height);
  let inDisc = 0;
  let inCup = 0;
  let outside = 0;
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) {
    if (discPixels[i]) {
      inDisc += 1;
      data[i] = cupPixels[i] ? labels.cup : labels.disc;
    }
    if (cupPixels[i]) {
      inCup += 1;
      if (!discPixels[i]) outside += 1;
    }
  }
  if (inDisc === 0) return { ok: false, reason: 'disc_empty', cupPixelsOutside: 0 };
  if (inCup === 0) return { ok: false, reason: 'cup_empty', cupPixelsOutside: 0 };
  if (outside > 0) return { ok: false, reason: 'cup_outside_disc', cupPixelsOutside: outside };
  return { ok: true, mask: { width, height, data } };
}
