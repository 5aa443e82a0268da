import { squaredDistanceField } from '@delineate/core';
import type { SlideBox } from '@delineate/schema';

export interface BandField {
  /** On the mask's own grid (the region item's pixels, origin at its top-left). */
  readonly box: SlideBox;
  readonly bandPixels: number;
}

/**
 * The band of ±`bandPx` around the boundary between labels `a` and `b` of a 2D label image,
 * split into square fields of `fieldPx` laid from the top-left corner; fields with no band
 * pixel are left out. Boundary pixels are those of `a` or `b` with a 4-neighbour of the other;
 * a pixel is in the band when its centre lies within `bandPx` of a boundary pixel's centre.
 */
export function boundaryBandFields(labels: Uint8Array, width: number, height: number, a: number, b: number, bandPx: number, fieldPx: number): BandField[] {
  const boundary = new Uint8Array(width * height);
  let any = false;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = labels[i]!;
      if (v !== a && v !== b) continue;
      const other = v === a ? b : a;
      if ((x > 0 && labels[i - 1] === other) || (x + 1 < width && labels[i + 1] === other) || (y > 0 && labels[i - width] === other) || (y + 1 < height && labels[i + width] === other)) {
        boundary[i] = 1;
        any = true;
      }
    }
  }
  if (!any) return [];
  const d2 = squaredDistanceField(boundary, [width, height, 1], [1, 1, 1]);
  const limit = bandPx * bandPx;
  const across = Math.ceil(width / fieldPx), down = Math.ceil(height / fieldPx);
  const counts = new Uint32Array(across * down);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / fieldPx) * across;
    for (let x = 0; x < width; x++) if (d2[y * width + x]! <= limit) counts[row + Math.floor(x / fieldPx)]!++;
  }
  const fields: BandField[] = [];
  for (let r = 0; r < down; r++) {
    for (let c = 0; c < across; c++) {
      const n = counts[r * across + c]!;
      if (n === 0) continue;
      const x = c * fieldPx, y = r * fieldPx;
      fields.push({ box: { x, y, width: Math.min(fieldPx, width - x), height: Math.min(fieldPx, height - y) }, bandPixels: n });
    }
  }
  return fields;
}
