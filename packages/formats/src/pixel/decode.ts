import { decode as decodeJpegBaseline } from 'jpeg-js';
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { DelineateError } from '@delineate/schema';
import { assertDecodable } from '../decoded-limit';
import { decodeRleFrame } from './rle';
import { wasmDecoder } from './wasm-codecs';
import type { EncodedPixels, PixelDescription } from './pixel-source';
import { transferSyntax, type PixelCodec, type TransferSyntax } from './transfer-syntax';

/**
 * Decoded frames in one canonical layout: samples interleaved (planar configuration 0),
 * little-endian, `bitsAllocated` wide. JPEG colour frames come back as RGB.
 */
export interface DecodedPixels {
  readonly description: PixelDescription;
  readonly frames: readonly Uint8Array[];
  /** Frame numbers (0-based) the `frames` array holds, in order. */
  readonly frameNumbers: readonly number[];
  /** True when the stored pixels had been through lossy compression. */
  readonly lossy: boolean;
}

export function frameByteLength(d: PixelDescription): number {
  return d.rows * d.columns * d.samplesPerPixel * (d.bitsAllocated / 8);
}

function unsupported(message: string, details?: Record<string, string | number>): never {
  throw new DelineateError('DLN_DICOM_UNSUPPORTED', message, details);
}

function interleave(plane: Uint8Array, d: PixelDescription): Uint8Array {
  const bps = d.bitsAllocated / 8;
  const pixels = d.rows * d.columns;
  const out = new Uint8Array(plane.length);
  for (let s = 0; s < d.samplesPerPixel; s++) {
    for (let i = 0; i < pixels; i++) {
      for (let b = 0; b < bps; b++) out[(i * d.samplesPerPixel + s) * bps + b] = plane[(s * pixels + i) * bps + b] ?? 0;
    }
  }
  return out;
}

function nativeFrame(data: Uint8Array, d: PixelDescription, syntax: TransferSyntax, index: number): Uint8Array {
  const size = frameByteLength(d);
  const start = index * size;
  if (start + size > data.length) throw new DelineateError('DLN_DICOM_INVALID', 'Pixel data is shorter than its frames', { frame: index });
  const frame = data.slice(start, start + size);
  if (!syntax.littleEndian && d.bitsAllocated > 8) swapBytes(frame, d.bitsAllocated / 8);
  return d.samplesPerPixel > 1 && d.planarConfiguration === 1 ? interleave(frame, d) : frame;
}

/** Reverses the byte order of every `width`-byte sample in place. */
export function swapBytes(data: Uint8Array, width: number): void {
  for (let i = 0; i + width <= data.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = data[a] ?? 0;
      data[a] = data[b] ?? 0;
      data[b] = t;
    }
  }
}

function jpegPrecision(bits: Uint8Array): number {
  for (let p = 2; p + 4 < bits.length; ) {
    if (bits[p] !== 0xff) return 8;
    const marker = bits[p + 1] ?? 0;
    const length = ((bits[p + 2] ?? 0) << 8) | (bits[p + 3] ?? 0);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return bits[p + 4] ?? 8;
    p += 2 + length;
  }
  return 8;
}

/** Rows, columns and components a compressed frame's own header declares (JPEG SOF, JPEG-LS SOF55, JPEG 2000 SIZ). */
interface CodestreamSize {
  readonly rows: number;
  readonly columns: number;
  readonly components: number;
}

function jpegFrameHeader(bits: Uint8Array): CodestreamSize | undefined {
  for (let p = 2; p + 9 < bits.length; ) {
    if (bits[p] !== 0xff) return undefined;
    const marker = bits[p + 1] ?? 0;
    if (marker === 0xff) {
      p += 1; // fill byte
      continue;
    }
    const length = ((bits[p + 2] ?? 0) << 8) | (bits[p + 3] ?? 0);
    const sof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (sof) return { rows: ((bits[p + 5] ?? 0) << 8) | (bits[p + 6] ?? 0), columns: ((bits[p + 7] ?? 0) << 8) | (bits[p + 8] ?? 0), components: bits[p + 9] ?? 0 };
    p += 2 + length;
  }
  return undefined;
}

function jpeg2000Size(bits: Uint8Array): CodestreamSize | undefined {
  // A raw codestream starts with SOC then SIZ; a JP2 file holds one inside its jp2c box.
  const limit = Math.min(bits.length - 40, 64 * 1024);
  for (let q = 0; q < limit; q++) {
    if (bits[q] !== 0xff || bits[q + 1] !== 0x4f || bits[q + 2] !== 0xff || bits[q + 3] !== 0x51) continue;
    const view = new DataView(bits.buffer, bits.byteOffset + q + 2, 40);
    return { columns: view.getUint32(6) - view.getUint32(14), rows: view.getUint32(10) - view.getUint32(18), components: view.getUint16(38) };
  }
  return undefined;
}

/**
 * Compressed frames are decoded only when their own header declares the image's Rows, Columns
 * and samples: a decoder sizes its output from that header, so a frame claiming 65535² would
 * otherwise allocate gigabytes before its size could be compared.
 */
function assertCodestreamSize(codec: PixelCodec, bits: Uint8Array, d: PixelDescription): void {
  const size = codec === 'jpeg2000' ? jpeg2000Size(bits) : jpegFrameHeader(bits);
  if (!size) throw new DelineateError('DLN_DICOM_INVALID', 'Compressed frame has no readable frame header');
  if (size.rows !== d.rows || size.columns !== d.columns) throw new DelineateError('DLN_DICOM_INVALID', 'Compressed frame size differs from Rows/Columns');
  if (size.components !== d.samplesPerPixel && !(codec !== 'jpeg2000' && codec !== 'jpeg-ls' && d.samplesPerPixel === 1 && size.components === 3)) {
    throw new DelineateError('DLN_DICOM_INVALID', 'Compressed frame has a different number of components than SamplesPerPixel');
  }
}

function decodeJpeg(bits: Uint8Array, d: PixelDescription): Uint8Array {
  if (d.bitsAllocated !== 8 || jpegPrecision(bits) !== 8) unsupported('Only 8-bit JPEG baseline/extended is decodable', { bitsAllocated: d.bitsAllocated });
  assertCodestreamSize('jpeg-baseline', bits, d);
  const image = decodeJpegBaseline(bits, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false });
  const expected = frameByteLength(d);
  if (image.width !== d.columns || image.height !== d.rows) throw new DelineateError('DLN_DICOM_INVALID', 'JPEG frame size differs from Rows/Columns');
  if (image.data.length === expected) return image.data;
  if (d.samplesPerPixel === 1 && image.data.length === expected * 3) {
    const grey = new Uint8Array(expected);
    for (let i = 0; i < expected; i++) grey[i] = image.data[i * 3] ?? 0;
    return grey;
  }
  throw new DelineateError('DLN_DICOM_INVALID', 'JPEG frame has an unexpected number of components');
}

function decodeJpegLossless(bits: Uint8Array, d: PixelDescription): Uint8Array {
  const bps = d.bitsAllocated / 8;
  assertCodestreamSize('jpeg-lossless', bits, d);
  const copy = bits.slice();
  const decoded = new JpegLosslessDecoder().decode(copy.buffer, 0, copy.length, bps);
  const out = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength).slice();
  if (out.length !== frameByteLength(d)) throw new DelineateError('DLN_DICOM_INVALID', 'JPEG lossless frame size differs from the image');
  return out;
}

function decodeWasm(codec: 'jpeg2000' | 'jpeg-ls', bits: Uint8Array, d: PixelDescription): Uint8Array {
  const decoder = wasmDecoder(codec);
  assertCodestreamSize(codec, bits, d);
  const frame = decoder(bits);
  if (frame.width !== d.columns || frame.height !== d.rows || frame.components !== d.samplesPerPixel) {
    throw new DelineateError('DLN_DICOM_INVALID', 'Compressed frame size differs from the image attributes');
  }
  const bytes = frame.bitsPerSample > 8 ? 2 : 1;
  if (bytes === d.bitsAllocated / 8) return frame.data;
  if (bytes === 1 && d.bitsAllocated === 16) {
    const out = new Uint8Array(frame.data.length * 2);
    frame.data.forEach((v, i) => (out[i * 2] = v));
    return out;
  }
  throw new DelineateError('DLN_DICOM_UNSUPPORTED', 'Compressed sample size does not fit BitsAllocated', { bitsAllocated: d.bitsAllocated });
}

function decodedDescription(d: PixelDescription, syntax: TransferSyntax): PixelDescription {
  // JPEG and JPEG 2000 decoders undo the colour transform: colour comes out as RGB.
  const jpegColour = ['jpeg-baseline', 'jpeg-extended', 'jpeg2000'].includes(syntax.codec) && d.samplesPerPixel === 3;
  return { ...d, planarConfiguration: 0, photometricInterpretation: jpegColour ? 'RGB' : d.photometricInterpretation };
}

/**
 * Decodes all frames, or the listed 0-based frames, of stored pixel data. Throws
 * DLN_DICOM_UNSUPPORTED for transfer syntaxes without a decoder (HTJ2K, video), and for JPEG 2000
 * and JPEG-LS until {@link loadWasmCodecs} has resolved.
 */
export function decodePixels(encoded: EncodedPixels, frames?: readonly number[]): DecodedPixels {
  const d = encoded.description;
  const syntax = transferSyntax(encoded.transferSyntaxUid);
  if (!syntax) unsupported('Unknown transfer syntax', { transferSyntaxUid: encoded.transferSyntaxUid });
  if (d.bitsAllocated % 8 !== 0) unsupported('Pixel data with BitsAllocated not a multiple of 8 is not decodable', { bitsAllocated: d.bitsAllocated });
  const wanted = frames ?? Array.from({ length: d.numberOfFrames }, (_, i) => i);
  for (const f of wanted) if (!Number.isInteger(f) || f < 0 || f >= d.numberOfFrames) throw new DelineateError('DLN_REQUEST_INVALID', 'Frame number out of range', { frame: f });
  // Bounded by the declared geometry before anything is allocated; each decoder below must then
  // produce exactly a frame of that geometry.
  assertDecodable(frameByteLength(d) * wanted.length, 'The image');
  const codec = syntax.codec;
  const data = encoded.data;
  let decodeOne: (index: number) => Uint8Array;
  if (!data.encapsulated) {
    if (codec !== 'native') throw new DelineateError('DLN_DICOM_INVALID', 'Compressed transfer syntax with native pixel data');
    decodeOne = (i) => nativeFrame(data.bytes, d, syntax, i);
  } else {
    const streams = data.frames;
    const stream = (i: number): Uint8Array => streams[i] ?? unsupported('Encapsulated frame missing', { frame: i });
    switch (codec) {
      case 'rle':
        decodeOne = (i) => decodeRleFrame(stream(i), d.rows, d.columns, d.samplesPerPixel, d.bitsAllocated);
        break;
      case 'jpeg-baseline':
      case 'jpeg-extended':
        decodeOne = (i) => decodeJpeg(stream(i), d);
        break;
      case 'jpeg-lossless':
        decodeOne = (i) => decodeJpegLossless(stream(i), d);
        break;
      case 'jpeg2000':
      case 'jpeg-ls':
        decodeOne = (i) => decodeWasm(codec, stream(i), d);
        break;
      default:
        unsupported('No decoder for this transfer syntax', { transferSyntaxUid: syntax.uid });
    }
  }
  return {
    description: decodedDescription(d, syntax),
    frames: wanted.map((i) => decodeOne(i)),
    frameNumbers: wanted,
    lossy: syntax.lossy,
  };
}
