/** RGBA pixels as a canvas holds them (row by row, four bytes a pixel). */
export interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export const photoViews = ['colour', 'green', 'contrast'] as const;
export type PhotoView = (typeof photoViews)[number];
export const photoViewWords: Readonly<Record<PhotoView, string>> = {
  colour: 'Colour',
  green: 'Green channel (red-free)',
  contrast: 'Contrast-enhanced',
};

/** The green channel as grey: vessels and the cup's edge show best there (a red-free view). */
export function greenChannel(image: Rgba): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(image.data.length);
  for (let i = 0; i < image.data.length; i += 4) {
    const g = image.data[i + 1]!;
    out[i] = out[i + 1] = out[i + 2] = g;
    out[i + 3] = 255;
  }
  return out;
}

/**
 * Local contrast enhancement of the green channel: each pixel's difference from the mean of the
 * square around it (side about a twentieth of the image, from a summed-area table), stretched
 * about mid-grey. A simple stand-in for CLAHE that brings out the cup's rim in a bright disc.
 */
export function localContrast(image: Rgba, gain = 3): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, data } = image;
  const sums = new Float64Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += data[4 * (x + width * y) + 1]!;
      sums[x + 1 + (width + 1) * (y + 1)] = sums[x + 1 + (width + 1) * y]! + row;
    }
  }
  const half = Math.max(2, Math.round(Math.max(width, height) / 40));
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - half);
    const y1 = Math.min(height, y + half + 1);
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - half);
      const x1 = Math.min(width, x + half + 1);
      const total = sums[x1 + (width + 1) * y1]! - sums[x0 + (width + 1) * y1]! - sums[x1 + (width + 1) * y0]! + sums[x0 + (width + 1) * y0]!;
      const mean = total / ((x1 - x0) * (y1 - y0));
      const i = 4 * (x + width * y);
      const v = 128 + gain * (data[i + 1]! - mean);
      out[i] = out[i + 1] = out[i + 2] = v;
      out[i + 3] = 255;
    }
  }
  return out;
}

/** Photo pixels on screen: image point = (screen − offset) / scale. */
export interface PhotoTransform {
  readonly scale: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

export function fitTransform(photo: { width: number; height: number }, view: { width: number; height: number }): PhotoTransform {
  const scale = Math.min(view.width / photo.width, view.height / photo.height);
  return { scale, offsetX: (view.width - photo.width * scale) / 2, offsetY: (view.height - photo.height * scale) / 2 };
}

export function toImage(t: PhotoTransform, x: number, y: number): [number, number] {
  return [(x - t.offsetX) / t.scale, (y - t.offsetY) / t.scale];
}

export function toScreen(t: PhotoTransform, x: number, y: number): [number, number] {
  return [x * t.scale + t.offsetX, y * t.scale + t.offsetY];
}

/** Zooms by `factor` keeping the image point under (x, y) on screen where it is. */
export function zoomAt(t: PhotoTransform, factor: number, x: number, y: number): PhotoTransform {
  const scale = Math.max(0.01, Math.min(64, t.scale * factor));
  const [ix, iy] = toImage(t, x, y);
  return { scale, offsetX: x - ix * scale, offsetY: y - iy * scale };
}

/** The smallest level (each halves the one before) still at least as fine as the screen needs. */
export function levelFor(scale: number, levels: number): number {
  let level = 0;
  while (level + 1 < levels && scale <= 1 / 2 ** (level + 1)) level += 1;
  return level;
}
