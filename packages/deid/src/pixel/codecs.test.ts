import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePixels, elementString, readPixelSource, writePixels } from '@delineate/formats';
import { requireTestData } from '@delineate/testkit';
import { redactRegions } from './dicom-file';

const load = (path: string): Uint8Array => new Uint8Array(readFileSync(requireTestData(path)));
const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean => !!a && !!b && Buffer.compare(a, b) === 0;
const pixels = (bytes: Uint8Array, frame = 0): Uint8Array => decodePixels(readPixelSource(bytes)!, [frame]).frames[0]!;

// Decoding real files of each transfer syntax, checked against the same image stored uncompressed.
describe('pixel data of real files, per transfer syntax', () => {
  const reference = pixels(load('dicom/pydicom/MR_small.dcm'));

  it.each([
    ['implicit VR little endian', 'dicom/pydicom/MR_small_implicit.dcm'],
    ['explicit VR big endian', 'dicom/pydicom/MR_small_bigendian.dcm'],
    ['RLE lossless', 'dicom/pydicom/MR_small_RLE.dcm'],
  ])('%s decodes to the same pixels as explicit VR little endian', (_, path) => {
    expect(same(pixels(load(path)), reference)).toBe(true);
  });

  it('decodes JPEG baseline colour to RGB and writes it as explicit VR LE, marked lossy', () => {
    const bytes = load('dicom/deid-data/ctbrain1.dcm');
    const source = readPixelSource(bytes)!;
    expect(source.transferSyntax.codec).toBe('jpeg-baseline');
    const decoded = decodePixels(source);
    expect(decoded.description.photometricInterpretation).toBe('RGB');
    const out = writePixels(source, decoded);
    const again = readPixelSource(out.bytes)!;
    expect(again.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(elementString(again.walked, 0x00280004)).toBe('RGB');
    expect(elementString(again.walked, 0x00282110)).toBe('01');
    expect(same(decodePixels(again).frames[0], decoded.frames[0])).toBe(true);
    // The drawing is black strokes on white: most pixels are near white.
    const frame = decoded.frames[0]!;
    let white = 0;
    for (let i = 0; i < frame.length; i += 3) if ((frame[i] ?? 0) > 200) white++;
    expect(white / (frame.length / 3)).toBeGreaterThan(0.9);
  });

  it('redacts a rectangle in an RLE file: blanked pixels, everything else identical', async () => {
    const bytes = load('dicom/pydicom/SC_rgb_rle.dcm');
    const before = pixels(bytes);
    const out = await redactRegions(bytes, [{ x: 10, y: 20, width: 30, height: 5 }]);
    const after = pixels(out);
    expect(readPixelSource(out)!.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    for (let y = 0; y < 100; y++) {
      for (let x = 0; x < 100; x++) {
        const i = (y * 100 + x) * 3;
        const inside = x >= 10 && x < 40 && y >= 20 && y < 25;
        expect([after[i], after[i + 1], after[i + 2]]).toEqual(inside ? [0, 0, 0] : [before[i], before[i + 1], before[i + 2]]);
      }
    }
  });

  it('redacts only the listed frames of a multi-frame file', async () => {
    const bytes = load('dicom/pydicom-data/emri_small.dcm');
    const out = await redactRegions(bytes, [{ x: 0, y: 0, width: 64, height: 64 }], [3]);
    const blanked = pixels(out, 3);
    const values = new Uint16Array(blanked.buffer, blanked.byteOffset, blanked.length / 2);
    expect(new Set(values).size).toBe(1);
    expect(same(pixels(out, 2), pixels(bytes, 2))).toBe(true);
    expect(out.length).toBe(bytes.length);
  });

  it('redacts a JPEG 2000 file (WebAssembly decoder) into explicit VR LE, marked lossy', async () => {
    const out = await redactRegions(load('dicom/pydicom/JPEG2000.dcm'), [{ x: 0, y: 0, width: 256, height: 10 }]);
    const source = readPixelSource(out)!;
    expect(source.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(elementString(source.walked, 0x00282110)).toBe('01');
    const frame = decodePixels(source).frames[0]!;
    const values = new Int16Array(frame.buffer, frame.byteOffset, frame.length / 2);
    const blanked = new Set(values.subarray(0, 2560));
    expect(blanked.size).toBe(1);
    expect(new Set(values.subarray(2560)).size).toBeGreaterThan(50);
  });

  it('refuses an empty or degenerate rectangle with DLN_REQUEST_INVALID', async () => {
    const bytes = load('dicom/pydicom/CT_small.dcm');
    await expect(redactRegions(bytes, [])).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    await expect(redactRegions(bytes, [{ x: 0, y: 0, width: 0, height: 5 }])).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    await expect(redactRegions(bytes, [{ x: Number.NaN, y: 0, width: 5, height: 5 }])).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
  });

  it('refuses 12-bit JPEG extended with DLN_DICOM_UNSUPPORTED', async () => {
    await expect(redactRegions(load('dicom/pydicom/JPEG-lossy.dcm'), [{ x: 0, y: 0, width: 4, height: 4 }])).rejects.toMatchObject({ code: 'DLN_DICOM_UNSUPPORTED' });
  });
});
