import { inflateSync } from 'node:zlib';
import { decode as decodeJpeg } from 'jpeg-js';
import { DelineateError } from '@delineate/schema';
import { assertDecodable } from '../decoded-limit';
import type { PhotoPixels } from './write';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** A plain photograph an uploader may send instead of DICOM: PNG or JPEG. */
export function isRasterPhoto(bytes: Uint8Array): boolean {
  return isPng(bytes) || isJpeg(bytes);
}

const unreadable = (why: string): never => {
  throw new DelineateError('DLN_PHOTO_UNREADABLE', `The photograph could not be read (${why})`);
};

/** The Paeth predictor of PNG filter type 4. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes a non-interlaced PNG: 8-bit grey, grey with alpha, RGB or RGBA become RGB (alpha
 * dropped, grey repeated), a 16-bit grey PNG stays 16-bit grey (a monochrome fundus camera's
 * output, wrapped as Ophthalmic Photography 16 Bit). Text and other ancillary chunks are
 * ignored, so nothing they carry reaches the wrapped instance.
 */
export function decodePng(bytes: Uint8Array): PhotoPixels {
  if (!isPng(bytes)) unreadable('not a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let header: { width: number; height: number; depth: number; colour: number; interlace: number } | undefined;
  const data: Uint8Array[] = [];
  while (offset + 12 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (body.length !== length) unreadable('a chunk is cut short');
    if (type === 'IHDR') header = { width: view.getUint32(offset + 8), height: view.getUint32(offset + 12), depth: body[8]!, colour: body[9]!, interlace: body[12]! };
    else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (!header || data.length === 0) return unreadable('no image header or data');
  const { width, height, depth, colour, interlace } = header;
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colour];
  if (!channels || interlace !== 0 || !(depth === 8 || (depth === 16 && colour === 0))) {
    throw new DelineateError('DLN_PHOTO_UNSUPPORTED', 'Only non-interlaced 8-bit grey, RGB or RGBA PNGs and 16-bit grey PNGs are taken');
  }
  if (width < 1 || height < 1) unreadable('an empty image');
  assertDecodable(width * height * channels * (depth / 8), 'The photograph');
  const bpp = (channels * depth) / 8;
  const stride = width * bpp;
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(data));
  } catch {
    return unreadable('its compressed data is damaged');
  }
  if (raw.length < (stride + 1) * height) unreadable('its data is shorter than its size');
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[row + i - bpp]! : 0;
      const b = y > 0 ? out[row - stride + i]! : 0;
      const c = i >= bpp && y > 0 ? out[row - stride + i - bpp]! : 0;
      const x = line[i]!;
      const predicted = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : unreadable('an unknown row filter');
      out[row + i] = (x + predicted) & 0xff;
    }
  }
  if (depth === 16) {
    const grey = new Uint16Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = (out[2 * i]! << 8) | out[2 * i + 1]!;
    return { kind: 'grey16', width, height, data: grey };
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    const grey = channels <= 2;
    rgb[3 * i] = out[s]!;
    rgb[3 * i + 1] = grey ? out[s]! : out[s + 1]!;
    rgb[3 * i + 2] = grey ? out[s]! : out[s + 2]!;
  }
  return { kind: 'rgb8', width, height, data: rgb };
}

/** Decodes a baseline JPEG to RGB (EXIF and other application segments are not read). */
export function decodeJpegPhoto(bytes: Uint8Array): PhotoPixels {
  if (!isJpeg(bytes)) unreadable('not a JPEG');
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  } catch {
    return unreadable('its JPEG stream is damaged or not baseline');
  }
  const { width, height, data } = decoded;
  assertDecodable(width * height * 3, 'The photograph');
  if (data.length !== width * height * 3) unreadable('its JPEG stream has an unexpected layout');
  return { kind: 'rgb8', width, height, data };
}

/** A PNG or JPEG photograph's pixels, and whether its source was lossy. */
export function decodeRasterPhoto(bytes: Uint8Array): { pixels: PhotoPixels; lossy: boolean } {
  if (isPng(bytes)) return { pixels: decodePng(bytes), lossy: false };
  if (isJpeg(bytes)) return { pixels: decodeJpegPhoto(bytes), lossy: true };
  throw new DelineateError('DLN_PHOTO_UNSUPPORTED', 'A photograph must be a PNG or a JPEG file');
}
