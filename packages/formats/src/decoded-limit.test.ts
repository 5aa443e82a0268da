import { constants, deflateRawSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DicomDataset, transferSyntaxes, type DicomFile } from './dicom/dataset';
import { readDicomFile } from './dicom/read';
import { setString } from './dicom/values';
import { writeDicomFile } from './dicom/write';
import { DEFAULT_MAX_DECODED_BYTES, inflateDeflatedDataset, maxDecodedBytes, scanGeometry } from './decoded-limit';
import { decodeNifti, encodeNifti } from './nifti/nifti';
import { decodeNiftiLabelRuns } from './nifti/label-runs';
import { gridOf } from '@delineate/core';
import { walkDicom } from './pixel/dataset-walker';
import { decodePixels } from './pixel/decode';
import type { EncodedPixels } from './pixel/pixel-source';
import { loadWasmCodecs } from './pixel/wasm-codecs';

const us = (n: number) => Uint8Array.of(n & 0xff, n >> 8);

function image(rows: number, columns: number, frames: number): DicomDataset {
  const ds = new DicomDataset(true);
  setString(ds, 0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7');
  setString(ds, 0x00080018, 'UI', '1.2.3.4');
  setString(ds, 0x00080060, 'CS', 'OT');
  ds.set({ tag: 0x00280002, vr: 'US', value: us(1) });
  setString(ds, 0x00280004, 'CS', 'MONOCHROME2');
  if (frames > 1) setString(ds, 0x00280008, 'IS', String(frames));
  ds.set({ tag: 0x00280010, vr: 'US', value: us(rows) });
  ds.set({ tag: 0x00280011, vr: 'US', value: us(columns) });
  ds.set({ tag: 0x00280100, vr: 'US', value: us(8) });
  ds.set({ tag: 0x00280101, vr: 'US', value: us(8) });
  ds.set({ tag: 0x00280102, vr: 'US', value: us(7) });
  ds.set({ tag: 0x00280103, vr: 'US', value: us(0) });
  return ds;
}

function metaFor(ts: string): DicomDataset {
  const meta = new DicomDataset(true);
  meta.set({ tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) });
  setString(meta, 0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.7');
  setString(meta, 0x00020003, 'UI', '1.2.3.4');
  setString(meta, 0x00020010, 'UI', ts);
  return meta;
}

/**
 * A deflated DICOM whose Pixel Data holds `pixelBytes` zero bytes, whatever the geometry says.
 * One fully flushed deflate segment of 1 MiB of zeros is repeated (each stands alone), so the
 * test never holds the expanded bytes itself.
 */
function deflatedBomb(dataset: DicomDataset, pixelBytes: number): Uint8Array {
  dataset.set({ tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(0) });
  const plain = writeDicomFile({ meta: metaFor(transferSyntaxes.explicitLittle), dataset, transferSyntaxUid: transferSyntaxes.explicitLittle, hadPreamble: true });
  const body = plain.slice(walkDicom(plain).datasetOffset);
  new DataView(body.buffer).setUint32(body.length - 4, pixelBytes, true);
  const headOnly: DicomFile = { meta: metaFor(transferSyntaxes.deflatedExplicitLittle), dataset: new DicomDataset(true), transferSyntaxUid: transferSyntaxes.deflatedExplicitLittle, hadPreamble: true };
  const head = writeDicomFile(headOnly);
  const flush = { finishFlush: constants.Z_FULL_FLUSH, level: 9 };
  const mebibyte = deflateRawSync(new Uint8Array(1 << 20), flush);
  const parts: Uint8Array[] = [head.subarray(0, walkDicom(head).datasetOffset), deflateRawSync(body, flush)];
  let left = pixelBytes;
  for (; left >= 1 << 20; left -= 1 << 20) parts.push(mebibyte);
  parts.push(deflateRawSync(new Uint8Array(left), { level: 9 }));
  return Buffer.concat(parts);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the decode ceiling', () => {
  it('defaults to 512 MiB and follows DELINEATE_MAX_DECODED_BYTES', () => {
    expect(maxDecodedBytes({})).toBe(DEFAULT_MAX_DECODED_BYTES);
    expect(maxDecodedBytes({ DELINEATE_MAX_DECODED_BYTES: '1048576' })).toBe(1048576);
    expect(maxDecodedBytes({ DELINEATE_MAX_DECODED_BYTES: 'lots' })).toBe(DEFAULT_MAX_DECODED_BYTES);
  });
});

describe('deflated data sets are inflated within their declared geometry', () => {
  it('reads a deflated image whose data fits its geometry', () => {
    const file = deflatedBomb(image(64, 64, 2), 64 * 64 * 2);
    expect(readDicomFile(file).dataset.get(0x7fe00010)?.value?.length).toBe(8192);
    expect(walkDicom(file).elements.at(-1)?.valueLength).toBe(8192);
  });

  it('refuses a small image whose deflated data expands to 150 MB (a decompression bomb)', () => {
    const bomb = deflatedBomb(image(64, 64, 1), 150 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(400_000);
    expect(() => readDicomFile(bomb)).toThrow(expect.objectContaining({ code: 'DLN_DICOM_TOO_LARGE' }));
    expect(() => walkDicom(bomb)).toThrow(expect.objectContaining({ code: 'DLN_DICOM_TOO_LARGE' }));
  });

  it('refuses a declared geometry past the ceiling before inflating it', () => {
    vi.stubEnv('DELINEATE_MAX_DECODED_BYTES', String(4 * 1024 * 1024));
    const bomb = deflatedBomb(image(2048, 2048, 2), 8 * 1024 * 1024);
    expect(() => readDicomFile(bomb)).toThrow(expect.objectContaining({ code: 'DLN_DICOM_TOO_LARGE' }));
  });

  it('finds the geometry in a cut-short data set and says when group 0028 has gone by', () => {
    const plain = writeDicomFile({ meta: metaFor(transferSyntaxes.explicitLittle), dataset: image(300, 200, 7), transferSyntaxUid: transferSyntaxes.explicitLittle, hadPreamble: true });
    const body = plain.subarray(walkDicom(plain).datasetOffset);
    expect(scanGeometry(body)).toEqual({ complete: true, geometry: { rows: 300, columns: 200, numberOfFrames: 7, samplesPerPixel: 1, bitsAllocated: 8 } });
    expect(scanGeometry(body.subarray(0, 40)).complete).toBe(false);
  });

  it('reports a corrupt stream as invalid', () => {
    expect(() => inflateDeflatedDataset(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toThrow(expect.objectContaining({ code: 'DLN_DICOM_INVALID' }));
  });
});

const description = (rows: number, columns: number, frames = 1) => ({
  rows,
  columns,
  samplesPerPixel: 1,
  bitsAllocated: 8,
  bitsStored: 8,
  highBit: 7,
  pixelRepresentation: 0,
  photometricInterpretation: 'MONOCHROME2',
  planarConfiguration: 0,
  numberOfFrames: frames,
});

describe('pixel decoders are bounded by the declared geometry', () => {
  it('refuses RLE frames whose geometry exceeds the ceiling before allocating them', () => {
    const header = new Uint8Array(64);
    new DataView(header.buffer).setUint32(0, 1, true);
    new DataView(header.buffer).setUint32(4, 64, true);
    const encoded: EncodedPixels = {
      transferSyntaxUid: '1.2.840.10008.1.2.5',
      description: description(40000, 40000, 1),
      data: { encapsulated: true, frames: [Buffer.concat([header, Uint8Array.of(0x81, 0)])] },
    };
    expect(() => decodePixels(encoded)).toThrow(expect.objectContaining({ code: 'DLN_DICOM_TOO_LARGE' }));
  });

  it('refuses a JPEG frame whose own header claims a larger image than Rows/Columns', () => {
    // SOI, then a baseline SOF0 declaring 60000 × 60000, one component.
    const sof = Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xea, 0x60, 0xea, 0x60, 1, 1, 0x11, 0, 0xff, 0xd9);
    const encoded: EncodedPixels = { transferSyntaxUid: '1.2.840.10008.1.2.4.50', description: description(16, 16), data: { encapsulated: true, frames: [sof] } };
    expect(() => decodePixels(encoded)).toThrow(expect.objectContaining({ code: 'DLN_DICOM_INVALID', message: 'Compressed frame size differs from Rows/Columns' }));
  });

  it('refuses a JPEG 2000 frame whose SIZ claims a larger image than Rows/Columns', async () => {
    await loadWasmCodecs();
    const siz = new Uint8Array(48);
    const v = new DataView(siz.buffer);
    siz.set([0xff, 0x4f, 0xff, 0x51], 0);
    v.setUint32(8, 50000);
    v.setUint32(12, 50000);
    v.setUint16(40, 1);
    const encoded: EncodedPixels = { transferSyntaxUid: '1.2.840.10008.1.2.4.90', description: description(16, 16), data: { encapsulated: true, frames: [siz] } };
    expect(() => decodePixels(encoded)).toThrow(expect.objectContaining({ code: 'DLN_DICOM_INVALID', message: 'Compressed frame size differs from Rows/Columns' }));
  });
});

/** A .nii.gz of an 8³ uint8 mask followed by `trailing` zero bytes inside the same gzip stream. */
function niftiBomb(trailing: number): Uint8Array {
  const nii = encodeNifti({ grid: gridOf([8, 8, 8], [1, 1, 1]), data: new Uint8Array(512).fill(1) });
  const all = new Uint8Array(nii.length + trailing);
  all.set(nii);
  return gzipSync(all, { level: 9 });
}

describe('NIfTI gzip is inflated within the dimensions of its header', () => {
  it('refuses a .nii.gz that inflates far past the size its header declares', () => {
    const bomb = niftiBomb(64 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(200_000);
    expect(() => decodeNifti(bomb)).toThrow(expect.objectContaining({ code: 'DLN_NIFTI_TOO_LARGE' }));
  });

  it('refuses dimensions past the ceiling', () => {
    vi.stubEnv('DELINEATE_MAX_DECODED_BYTES', String(1024 * 1024));
    const big = encodeNifti({ grid: gridOf([128, 128, 128], [1, 1, 1]), data: new Uint8Array(128 ** 3) }, { gzip: true });
    expect(() => decodeNifti(big)).toThrow(expect.objectContaining({ code: 'DLN_NIFTI_TOO_LARGE' }));
  });

  it('the label-runs reader stops inflating at the ceiling', async () => {
    vi.stubEnv('DELINEATE_MAX_DECODED_BYTES', String(8 * 1024 * 1024));
    await expect(decodeNiftiLabelRuns(niftiBomb(32 * 1024 * 1024))).rejects.toMatchObject({ code: 'DLN_NIFTI_TOO_LARGE' });
  });

  it('still reads a mask of exactly its declared size', () => {
    expect(decodeNifti(niftiBomb(0)).data.length).toBe(512);
  });
});
