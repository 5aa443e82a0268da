import { boxMeans } from '@delineate/core';
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
  const half = Math.max(2, Math.round(Math.max(width, height) / 40));
  const means = boxMeans(width, height, half, (i) => data[4 * i + 1]!);
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < width * height; i++) {
    const v = 128 + gain * (data[4 * i + 1]! - means[i]!);
    out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = v;
    out[4 * i + 3] = 255;
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
