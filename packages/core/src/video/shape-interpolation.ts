import { squaredDistanceField } from '../metrics/edt';
import { maskArea } from './frame-runs';

/**
 * Signed distance of each pixel to the mask's edge: negative inside, positive outside, in pixels
 * (the boundary lies halfway between an object pixel at −1 and a background pixel at +1).
 */
export function signedDistance(mask: Uint8Array, width: number, height: number): Float32Array {
  const outside = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) outside[i] = mask[i] === 0 ? 1 : 0;
  const toObject = squaredDistanceField(mask, [width, height, 1], [1, 1, 1]);
  const toBackground = squaredDistanceField(outside, [width, height, 1], [1, 1, 1]);
  const field = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) field[i] = mask[i] !== 0 ? -Math.sqrt(toBackground[i]!) : Math.sqrt(toObject[i]!);
  return field;
}

function centroid(mask: Uint8Array, width: number): [number, number] {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    sx += i % width;
    sy += Math.floor(i / width);
    n++;
  }
  return [sx / n, sy / n];
}

/** Bilinear sample of a field, clamped at the frame's edge. */
function sample(field: Float32Array, width: number, height: number, x: number, y: number): number {
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const top = field[y0 * width + x0]! * (1 - fx) + field[y0 * width + x1]! * fx;
  const bottom = field[y1 * width + x0]! * (1 - fx) + field[y1 * width + x1]! * fx;
  // Beyond the edge the distance keeps growing, so a shifted shape never smears along the border.
  return top * (1 - fy) + bottom * fy + Math.hypot(x - cx, y - cy);
}

/**
 * The mask a fraction `t` (0 → `from`, 1 → `to`) of the way between two keyframe masks, by shape:
 * both masks are moved so their centroids meet at the interpolated centroid, and their signed
 * distance fields are blended there (shape-based interpolation, Raya & Udupa 1990, with centroid
 * alignment so that an object that moved further than its own size does not vanish midway).
 * Two discs give the disc at the interpolated centre with the interpolated radius. An empty
 * keyframe gives empty masks: the object is not interpolated into or out of view.
 */
export function interpolateMask(from: Uint8Array, to: Uint8Array, width: number, height: number, t: number): Uint8Array {
  const out = new Uint8Array(width * height);
  if (maskArea(from) === 0 || maskArea(to) === 0) return out;
  const [ax, ay] = centroid(from, width);
  const [bx, by] = centroid(to, width);
  const cx = ax + (bx - ax) * t;
  const cy = ay + (by - ay) * t;
  const fa = signedDistance(from, width, height);
  const fb = signedDistance(to, width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = sample(fa, width, height, x - (cx - ax), y - (cy - ay));
      const b = sample(fb, width, height, x - (cx - bx), y - (cy - by));
      if ((1 - t) * a + t * b < 0) out[y * width + x] = 1;
    }
  }
  return out;
}
