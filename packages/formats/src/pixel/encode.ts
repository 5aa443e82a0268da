import { DelineateError } from '@delineate/schema';
import { concatBytes, editTopLevel, type ElementEdit, textValue, uint16Value } from './dataset-editor';
import { PIXEL_DATA } from './dataset-walker';
import { type DecodedPixels, frameByteLength, swapBytes } from './decode';
import type { PixelSource } from './pixel-source';
import { EXPLICIT_VR_LITTLE_ENDIAN } from './transfer-syntax';

/**
 * Stores decoded frames (every frame, in order) as native Pixel Data for a native transfer
 * syntax: little or big endian, samples interleaved or by plane.
 */
export function encodeNativePixels(decoded: DecodedPixels, littleEndian: boolean, planarConfiguration: number): Uint8Array {
  const d = decoded.description;
  const size = frameByteLength(d);
  const bps = d.bitsAllocated / 8;
  const frames = decoded.frames.map((frame) => {
    if (frame.length !== size) throw new DelineateError('DLN_INTERNAL', 'Decoded frame has the wrong size');
    let out = frame;
    if (d.samplesPerPixel > 1 && planarConfiguration === 1) out = planarise(out, d.rows * d.columns, d.samplesPerPixel, bps);
    if (!littleEndian && bps > 1) {
      out = out === frame ? frame.slice() : out;
      swapBytes(out, bps);
    }
    return out;
  });
  const value = concatBytes(frames);
  return value.length % 2 ? concatBytes([value, new Uint8Array(1)]) : value;
}

export interface WrittenPixels {
  readonly bytes: Uint8Array;
  readonly transferSyntaxUid: string;
}

function planarise(frame: Uint8Array, pixels: number, samples: number, bps: number): Uint8Array {
  const out = new Uint8Array(frame.length);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < pixels; i++) {
      for (let b = 0; b < bps; b++) out[(s * pixels + i) * bps + b] = frame[(i * samples + s) * bps + b] ?? 0;
    }
  }
  return out;
}

const lossyMethods: Record<string, string> = {
  'jpeg-baseline': 'ISO_10918_1',
  'jpeg-extended': 'ISO_10918_1',
  'jpeg-ls': 'ISO_14495_1',
  jpeg2000: 'ISO_15444_1',
  htj2k: 'ISO_15444_15',
};

/**
 * Writes decoded frames (every frame of the image, in order) back into the file. Uncompressed
 * inputs keep their transfer syntax and layout: only the Pixel Data bytes change. Compressed
 * and deflated inputs are written as Explicit VR Little Endian, uncompressed, which loses
 * nothing; when the stored pixels had been lossy compressed, LossyImageCompression is 01 and
 * the method is recorded. `extraEdits` lets the caller set other top-level attributes in the
 * same pass.
 */
export function writePixels(source: PixelSource, decoded: DecodedPixels, extraEdits: readonly ElementEdit[] = []): WrittenPixels {
  const d = decoded.description;
  if (decoded.frames.length !== source.description.numberOfFrames || decoded.frameNumbers.some((f, i) => f !== i)) {
    throw new DelineateError('DLN_INTERNAL', 'writePixels needs every frame in order');
  }
  const keepSyntax = source.transferSyntax.codec === 'native' && !source.transferSyntax.deflated;
  const value = keepSyntax ? encodeNativePixels(decoded, source.walked.littleEndian, source.description.planarConfiguration) : encodeNativePixels(decoded, true, 0);
  const edits: ElementEdit[] = [{ tag: PIXEL_DATA, vr: d.bitsAllocated > 8 ? 'OW' : 'OB', value }];
  if (!keepSyntax) {
    edits.push({ tag: 0x00280004, vr: 'CS', value: textValue(d.photometricInterpretation) });
    if (d.samplesPerPixel > 1) edits.push({ tag: 0x00280006, vr: 'US', value: uint16Value(0) });
    if (decoded.lossy) {
      edits.push({ tag: 0x00282110, vr: 'CS', value: textValue('01') });
      const method = lossyMethods[source.transferSyntax.codec];
      if (method) edits.push({ tag: 0x00282114, vr: 'CS', value: textValue(method) });
    }
  }
  for (const extra of extraEdits) {
    const i = edits.findIndex((e) => e.tag === extra.tag);
    if (i >= 0) edits.splice(i, 1);
    edits.push(extra);
  }
  const transferSyntaxUid = keepSyntax ? source.walked.transferSyntaxUid : EXPLICIT_VR_LITTLE_ENDIAN;
  const bytes = editTopLevel(source.walked, edits, keepSyntax ? undefined : transferSyntaxUid);
  return { bytes, transferSyntaxUid };
}
