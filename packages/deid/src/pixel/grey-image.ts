import { deflateSync } from 'node:zlib';
import type { DecodedPixels, PixelDescription } from '@delineate/formats';

/** An 8-bit single-channel picture of one frame, as OCR and people see it. */
export interface GreyImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

function sampleReader(d: PixelDescription, frame: Uint8Array): (index: number) => number {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const signed = d.pixelRepresentation === 1;
  switch (d.bitsAllocated) {
    case 8:
      return signed ? (i) => view.getInt8(i) : (i) => frame[i] ?? 0;
    case 16:
      return signed ? (i) => view.getInt16(i * 2, true) : (i) => view.getUint16(i * 2, true);
    case 32:
      return signed ? (i) => view.getInt32(i * 4, true) : (i) => view.getUint32(i * 4, true);
    default:
      return () => 0;
  }
}

/**
 * Renders one decoded frame to 8-bit grey: colour by luminance, monochrome stretched from its
 * minimum to its maximum (inverted for MONOCHROME1), so text drawn in any grey level stands out.
 */
export function toGreyImage(decoded: DecodedPixels, frameIndex: number): GreyImage {
  const d = decoded.description;
  const frame = decoded.frames[frameIndex];
  const width = d.columns;
  const height = d.rows;
  const out = new Uint8Array(width * height);
  if (!frame) return { width, height, data: out };
  const read = sampleReader(d, frame);
  const n = width * height;
  if (d.samplesPerPixel === 3) {
    const ybr = d.photometricInterpretation.startsWith('YBR');
    for (let i = 0; i < n; i++) {
      const a = read(i * 3);
      out[i] = ybr ? a : Math.round(0.299 * a + 0.587 * read(i * 3 + 1) + 0.114 * read(i * 3 + 2));
    }
    return { width, height, data: out };
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = read(i);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? 255 / (max - min) : 0;
  const invert = d.photometricInterpretation === 'MONOCHROME1';
  for (let i = 0; i < n; i++) {
    const v = Math.round((read(i) - min) * scale);
    out[i] = invert ? 255 - v : v;
  }
  return { width, height, data: out };
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** Encodes a grey image as PNG (what the OCR engine reads, and what a person can look at). */
export function encodePng(image: GreyImage): Uint8Array {
  const raw = new Uint8Array((image.width + 1) * image.height);
  for (let y = 0; y < image.height; y++) raw.set(image.data.subarray(y * image.width, (y + 1) * image.width), y * (image.width + 1) + 1);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, image.width);
  view.setUint32(4, image.height);
  header[8] = 8;
  header[9] = 0;
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array())];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
