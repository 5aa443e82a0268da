import { decode, encode } from 'jpeg-js';
import { DelineateError } from '@delineate/schema';

/** A rectangle of a decoded tile, in its pixels. */
export interface JpegCrop {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Decodes a JPEG, takes one rectangle, shrinks it by an integer factor (box average) to the given
 * output size and encodes it again. Samples past the rectangle repeat its edge. Only for the few
 * tiles a viewer asks for in another shape than stored (the cut edge of a level, levels below the
 * smallest stored one): every other tile passes through untouched.
 */
export function recutJpeg(jpeg: Uint8Array, crop: JpegCrop, shrink: number, output: { readonly width: number; readonly height: number }, quality: number): Uint8Array {
  if (!Number.isInteger(shrink) || shrink < 1 || crop.width < 1 || crop.height < 1 || output.width < 1 || output.height < 1) {
    throw new DelineateError('DLN_INTERNAL', 'A tile re-cut needs a positive crop and output and an integer shrink factor');
  }
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = decode(jpeg, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
  } catch {
    throw new DelineateError('DLN_SLIDE_PYRAMID_INVALID', 'A stored slide tile is not a decodable JPEG');
  }
  const lastX = Math.min(crop.x + crop.width, image.width) - 1;
  const lastY = Math.min(crop.y + crop.height, image.height) - 1;
  const { width, height } = output;
  const out = new Uint8Array(width * height * 4);
  const area = shrink * shrink;
  for (let oy = 0; oy < height; oy++) {
    for (let ox = 0; ox < width; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < shrink; dy++) {
        const y = Math.min(crop.y + oy * shrink + dy, lastY);
        for (let dx = 0; dx < shrink; dx++) {
          const p = (y * image.width + Math.min(crop.x + ox * shrink + dx, lastX)) * 4;
          r += image.data[p]!;
          g += image.data[p + 1]!;
          b += image.data[p + 2]!;
        }
      }
      const q = (oy * width + ox) * 4;
      out[q] = Math.round(r / area);
      out[q + 1] = Math.round(g / area);
      out[q + 2] = Math.round(b / area);
      out[q + 3] = 255;
    }
  }
  return new Uint8Array(encode({ data: out, width, height }, quality).data);
}
