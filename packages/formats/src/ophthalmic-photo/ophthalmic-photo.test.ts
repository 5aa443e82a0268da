import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { readDicomFile } from '../dicom/read';
import { getNumber, getString } from '../dicom/values';
import { decodePixels } from '../pixel/decode';
import { readPixelSource } from '../pixel/pixel-source';
import { encodeGreyPng, encodeRgbPng } from '../png/png';
import { decodeRasterPhoto, isRasterPhoto } from './raster';
import { generateSyntheticFundus } from './synthetic-fundus';
import { ophthalmicPhotography16BitStorage, ophthalmicPhotography8BitStorage, writeOphthalmicPhoto } from './write';

const acquiredAt = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

describe('photographs wrapped as Ophthalmic Photography', () => {
  it('a PNG round-trips to the same RGB pixels inside an OP 8 Bit instance with laterality, no identifying data', () => {
    const fundus = generateSyntheticFundus({ width: 97, height: 61, laterality: 'OS' });
    const png = encodeRgbPng(fundus.pixels);
    expect(isRasterPhoto(png)).toBe(true);
    const { pixels, lossy } = decodeRasterPhoto(png);
    expect(lossy).toBe(false);
    expect(pixels.kind).toBe('rgb8');
    expect(Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength).equals(Buffer.from(fundus.pixels.data))).toBe(true);
    const bytes = writeOphthalmicPhoto({ pixels, laterality: 'OS', acquiredAt, subjectId: 'SUBJ-7', uidSeed: 'test-1' });
    const { dataset } = readDicomFile(bytes);
    expect(getString(dataset, 0x00080016)).toBe(ophthalmicPhotography8BitStorage);
    expect(getString(dataset, 0x00080060)).toBe('OP');
    expect(getString(dataset, 0x00200062)).toBe('L');
    expect(getString(dataset, 0x00100010) ?? '').toBe('');
    expect(getString(dataset, 0x00100030) ?? '').toBe('');
    expect(getNumber(dataset, 0x00280011)).toBe(97);
    const source = readPixelSource(bytes)!;
    const decoded = decodePixels(source);
    expect(Buffer.from(decoded.frames[0]!.subarray(0, 97 * 61 * 3)).equals(Buffer.from(fundus.pixels.data))).toBe(true);
  });

  it('a 16-bit grey PNG becomes an OP 16 Bit instance with its values kept', () => {
    const data = new Uint16Array(20 * 10).map((_, i) => i * 300);
    const { pixels } = decodeRasterPhoto(encodeGreyPng({ width: 20, height: 10, data }));
    expect(pixels.kind).toBe('grey16');
    const bytes = writeOphthalmicPhoto({ pixels, laterality: 'OD', acquiredAt, subjectId: 'S', uidSeed: 'test-2', pixelSpacingMm: [0.012, 0.012] });
    const { dataset } = readDicomFile(bytes);
    expect(getString(dataset, 0x00080016)).toBe(ophthalmicPhotography16BitStorage);
    expect(getString(dataset, 0x00280030)).toBe('0.012\\0.012');
    const frame = decodePixels(readPixelSource(bytes)!).frames[0]!;
    expect(Array.from(new Uint16Array(frame.buffer, frame.byteOffset, 200))).toEqual(Array.from(data));
  });

  it('a JPEG is decoded to RGB and marked as lossy', () => {
    const fundus = generateSyntheticFundus({ width: 64, height: 48 });
    const rgba = new Uint8Array(64 * 48 * 4);
    for (let i = 0; i < 64 * 48; i++) rgba.set([...fundus.pixels.data.subarray(3 * i, 3 * i + 3), 255], 4 * i);
    const jpeg = new Uint8Array(encodeJpeg({ data: rgba, width: 64, height: 48 }, 90).data);
    const { pixels, lossy } = decodeRasterPhoto(jpeg);
    expect(lossy).toBe(true);
    expect([pixels.width, pixels.height, pixels.kind]).toEqual([64, 48, 'rgb8']);
    const bytes = writeOphthalmicPhoto({ pixels, laterality: 'OD', acquiredAt, subjectId: 'S', uidSeed: 'test-3', lossySource: true });
    expect(getString(readDicomFile(bytes).dataset, 0x00282110)).toBe('01');
  });

  it('refuses other files, damaged PNGs and unsupported PNG kinds with coded errors', () => {
    expect(() => decodeRasterPhoto(new Uint8Array([1, 2, 3, 4]))).toThrow(expect.objectContaining({ code: 'DLN_PHOTO_UNSUPPORTED' }));
    const png = encodeRgbPng({ width: 4, height: 4, data: new Uint8Array(48) });
    expect(() => decodeRasterPhoto(png.subarray(0, 40))).toThrow(expect.objectContaining({ code: 'DLN_PHOTO_UNREADABLE' }));
    const interlaced = Uint8Array.from(png);
    interlaced[8 + 8 + 12] = 1; // IHDR interlace byte (the CRC no longer matters to this reader)
    expect(() => decodeRasterPhoto(interlaced)).toThrow(expect.objectContaining({ code: 'DLN_PHOTO_UNSUPPORTED' }));
  });

  it('draws the disc nasal to the fovea: image right for OD, left for OS', () => {
    const od = generateSyntheticFundus({ width: 200, height: 160, laterality: 'OD' });
    const os = generateSyntheticFundus({ width: 200, height: 160, laterality: 'OS' });
    expect(od.disc.centre[0]).toBeGreaterThan(od.fovea[0]);
    expect(os.disc.centre[0]).toBeLessThan(os.fovea[0]);
    expect(od.cup.radii[1]).toBeLessThan(od.disc.radii[1]);
  });
});
