import { encodeGreyPng, type DecodedPixels, type PixelDescription } from '@delineate/formats';

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

/** Encodes a grey image as PNG (what the OCR engine reads, and what a person can look at). */
export function encodePng(image: GreyImage): Uint8Array {
  return encodeGreyPng(image);
}
