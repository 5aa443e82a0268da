import { DelineateError } from '@delineate/schema';
import { assertDecodable } from '../decoded-limit';

/**
 * DICOM RLE Lossless (PS3.5 Annex G). A frame is a 64-byte header (segment count and up to 15
 * offsets) then one PackBits segment per byte plane: for each sample, most significant byte first.
 * Decoded frames are interleaved samples, little-endian, as {@link decodeRleFrame} returns them.
 */
export function decodeRleFrame(frame: Uint8Array, rows: number, columns: number, samplesPerPixel: number, bitsAllocated: number): Uint8Array {
  const bytesPerSample = bitsAllocated / 8;
  if (!Number.isInteger(bytesPerSample)) throw new DelineateError('DLN_DICOM_UNSUPPORTED', 'RLE with this BitsAllocated is not supported', { bitsAllocated });
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < 64) throw new DelineateError('DLN_DICOM_INVALID', 'RLE frame header is truncated');
  const segments = view.getUint32(0, true);
  const expected = samplesPerPixel * bytesPerSample;
  if (segments !== expected) throw new DelineateError('DLN_DICOM_INVALID', 'RLE segment count does not match the image', { segments, expected });
  const pixels = rows * columns;
  assertDecodable(pixels * expected, 'The RLE frame');
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const stop = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    const sample = Math.floor(s / bytesPerSample);
    // Segment order is most significant byte first; output is little-endian.
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = expected;
    let o = sample * bytesPerSample + byteInSample;
    let written = 0;
    let p = start;
    while (p < stop && written < pixels) {
      const n = frame[p++] ?? 0;
      if (n < 128) {
        for (let k = 0; k <= n && written < pixels; k++) {
          out[o] = frame[p++] ?? 0;
          o += stride;
          written++;
        }
      } else if (n > 128) {
        const value = frame[p++] ?? 0;
        for (let k = 0; k < 257 - n && written < pixels; k++) {
          out[o] = value;
          o += stride;
          written++;
        }
      }
    }
    if (written < pixels) throw new DelineateError('DLN_DICOM_INVALID', 'RLE segment is shorter than the image');
  }
  return out;
}

function packBits(row: Uint8Array, out: number[]): void {
  let i = 0;
  while (i < row.length) {
    let run = 1;
    while (i + run < row.length && run < 128 && row[i + run] === row[i]) run++;
    if (run >= 2) {
      out.push(257 - run, row[i] ?? 0);
      i += run;
      continue;
    }
    let literal = 1;
    while (i + literal < row.length && literal < 128 && !(i + literal + 1 < row.length && row[i + literal] === row[i + literal + 1])) literal++;
    out.push(literal - 1);
    for (let k = 0; k < literal; k++) out.push(row[i + k] ?? 0);
    i += literal;
  }
}

/** Encodes one interleaved little-endian frame as a DICOM RLE frame (row by row PackBits). */
export function encodeRleFrame(pixels: Uint8Array, rows: number, columns: number, samplesPerPixel: number, bitsAllocated: number): Uint8Array {
  const bytesPerSample = bitsAllocated / 8;
  const segments = samplesPerPixel * bytesPerSample;
  if (segments > 15 || !Number.isInteger(bytesPerSample)) throw new DelineateError('DLN_DICOM_UNSUPPORTED', 'RLE cannot encode this image', { bitsAllocated, samplesPerPixel });
  const encoded: number[][] = [];
  const row = new Uint8Array(columns);
  for (let s = 0; s < segments; s++) {
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const out: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) row[c] = pixels[(r * columns + c) * segments + sample * bytesPerSample + byteInSample] ?? 0;
      packBits(row, out);
    }
    if (out.length % 2) out.push(0x80);
    encoded.push(out);
  }
  const total = 64 + encoded.reduce((n, e) => n + e.length, 0);
  const frame = new Uint8Array(total);
  const view = new DataView(frame.buffer);
  view.setUint32(0, segments, true);
  let offset = 64;
  encoded.forEach((e, s) => {
    view.setUint32(4 + 4 * s, offset, true);
    frame.set(e, offset);
    offset += e.length;
  });
  return frame;
}
