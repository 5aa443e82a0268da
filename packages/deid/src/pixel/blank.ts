import type { DecodedPixels } from '@delineate/formats';
import type { PixelRect } from './ocr';

function readSample(view: DataView, bits: number, signed: boolean, index: number): number {
  if (bits === 8) return signed ? view.getInt8(index) : view.getUint8(index);
  if (bits === 16) return signed ? view.getInt16(index * 2, true) : view.getUint16(index * 2, true);
  return signed ? view.getInt32(index * 4, true) : view.getUint32(index * 4, true);
}

function writeSample(view: DataView, bits: number, signed: boolean, index: number, value: number): void {
  if (bits === 8) {
    if (signed) view.setInt8(index, value);
    else view.setUint8(index, value);
  } else if (bits === 16) {
    if (signed) view.setInt16(index * 2, value, true);
    else view.setUint16(index * 2, value, true);
  } else if (signed) view.setInt32(index * 4, value, true);
  else view.setUint32(index * 4, value, true);
}

/**
 * The value a blanked sample takes, per sample: the darkest value of the frame for monochrome
 * (the brightest for MONOCHROME1), black for RGB, Y=0 with neutral chroma for YBR.
 */
function fillValues(decoded: DecodedPixels, frame: Uint8Array): number[] {
  const d = decoded.description;
  const pi = d.photometricInterpretation;
  if (pi.startsWith('YBR')) return [0, 1 << (d.bitsStored - 1), 1 << (d.bitsStored - 1)];
  if (d.samplesPerPixel > 1 || pi === 'PALETTE COLOR') return new Array<number>(d.samplesPerPixel).fill(0);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const signed = d.pixelRepresentation === 1;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < d.rows * d.columns; i++) {
    const v = readSample(view, d.bitsAllocated, signed, i);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [pi === 'MONOCHROME1' ? max : min];
}

/** Clips a rectangle to the frame; undefined when nothing of it lies inside. */
export function clipRect(rect: PixelRect, columns: number, rows: number): PixelRect | undefined {
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(columns, Math.ceil(rect.x + rect.width));
  const y1 = Math.min(rows, Math.ceil(rect.y + rect.height));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : undefined;
}

/** Blanks rectangles in one decoded frame, in place. Returns how many pixels changed. */
export function blankFrame(decoded: DecodedPixels, frameIndex: number, rects: readonly PixelRect[]): number {
  const frame = decoded.frames[frameIndex];
  const d = decoded.description;
  if (!frame || rects.length === 0) return 0;
  const fill = fillValues(decoded, frame);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const signed = d.pixelRepresentation === 1;
  const spp = d.samplesPerPixel;
  let changed = 0;
  for (const rect of rects) {
    const r = clipRect(rect, d.columns, d.rows);
    if (!r) continue;
    for (let y = r.y; y < r.y + r.height; y++) {
      for (let x = r.x; x < r.x + r.width; x++) {
        const pixel = (y * d.columns + x) * spp;
        for (let s = 0; s < spp; s++) writeSample(view, d.bitsAllocated, signed, pixel + s, fill[s] ?? 0);
        changed++;
      }
    }
  }
  return changed;
}
