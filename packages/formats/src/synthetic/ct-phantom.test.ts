import * as dicomParser from 'dicom-parser';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ctImageStorage, generateCtPhantom, writeCtPhantom, type CtPhantom } from './ct-phantom';
import { phantomHu, phantomLabelValues } from './ct-phantom-anatomy';

const small = { slices: 24, rows: 96, columns: 80 } as const;

function parse(bytes: Uint8Array): dicomParser.DataSet {
  return dicomParser.parseDicom(bytes);
}

/** Hounsfield units of every voxel, read back from the files (not from the generator's buffers). */
function huVolume(phantom: CtPhantom): Float64Array {
  const [columns, rows] = phantom.dims;
  const out = new Float64Array(phantom.labels.length);
  for (const slice of phantom.slices) {
    const ds = parse(slice.bytes);
    const slope = ds.floatString('x00281053') ?? NaN;
    const intercept = ds.floatString('x00281052') ?? NaN;
    const element = ds.elements.x7fe00010!;
    const view = new DataView(slice.bytes.buffer, slice.bytes.byteOffset + element.dataOffset, element.length);
    for (let i = 0; i < columns * rows; i++) {
      out[slice.index * columns * rows + i] = view.getInt16(i * 2, true) * slope + intercept;
    }
  }
  return out;
}

function statsWhere(hu: Float64Array, mask: (i: number) => boolean): { mean: number; sd: number; n: number } {
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < hu.length; i++) {
    if (!mask(i)) continue;
    n++;
    sum += hu[i]!;
    sum2 += hu[i]! ** 2;
  }
  const mean = sum / n;
  return { mean, sd: Math.sqrt(sum2 / n - mean * mean), n };
}

describe('generateCtPhantom', () => {
  const phantom = generateCtPhantom({ ...small, seed: 7 });

  it('writes one CT Image Storage file per slice with consistent series geometry', () => {
    expect(phantom.slices).toHaveLength(small.slices);
    expect(phantom.dims).toEqual([80, 96, 24]);
    const [dx, dy, dz] = phantom.spacing;
    [400 / 80, 400 / 96, 256 / 24].forEach((expected, axis) => expect(phantom.spacing[axis]).toBeCloseTo(expected, 6));
    const positions: number[][] = [];
    for (const slice of phantom.slices) {
      const ds = parse(slice.bytes);
      expect(ds.string('x00020010')).toBe('1.2.840.10008.1.2.1');
      expect(ds.string('x00080016')).toBe(ctImageStorage);
      expect(ds.string('x00080060')).toBe('CT');
      expect(ds.string('x0020000d')).toBe(phantom.uids.study);
      expect(ds.string('x0020000e')).toBe(phantom.uids.series);
      expect(ds.string('x00200052')).toBe(phantom.uids.frameOfReference);
      expect(ds.string('x00080018')).toBe(phantom.uids.instances[slice.index]);
      expect(ds.intString('x00200013')).toBe(slice.index + 1);
      expect(ds.uint16('x00280010')).toBe(96);
      expect(ds.uint16('x00280011')).toBe(80);
      expect(ds.uint16('x00280103')).toBe(1);
      expect(ds.string('x00281052')).toBe('-1024');
      expect(ds.string('x00281053')).toBe('1');
      expect([0, 1, 2, 3, 4, 5].map((i) => ds.floatString('x00200037', i))).toEqual([1, 0, 0, 0, 1, 0]);
      expect([ds.floatString('x00280030', 0), ds.floatString('x00280030', 1)]).toEqual([dy, dx]);
      expect(ds.floatString('x00180050')).toBeCloseTo(dz, 5);
      expect(ds.floatString('x00180088')).toBeCloseTo(dz, 5);
      const ipp = [0, 1, 2].map((i) => ds.floatString('x00200032', i) ?? NaN);
      expect(ds.floatString('x00201041')).toBeCloseTo(ipp[2]!, 5);
      expect(ds.string('x00100010')).toBe('Phantom^Liver');
      expect(ds.string('x00100020')).toBe('PHANTOM-0001');
      positions.push(ipp);
    }
    expect(new Set(phantom.uids.instances).size).toBe(small.slices);
    // Consecutive positions differ by exactly the slice spacing along the normal (+z).
    for (let k = 1; k < positions.length; k++) {
      const [x0, y0, z0] = positions[k - 1]!;
      const [x1, y1, z1] = positions[k]!;
      expect([x1! - x0!, y1! - y0!]).toEqual([0, 0]);
      expect(z1! - z0!).toBeCloseTo(dz, 5);
    }
    expect(positions[0]).toEqual(phantom.origin);
    positions.forEach((p, k) => expect(p[2]).toBeCloseTo(phantom.origin[2] + k * dz, 5));
  });

  it('stores the documented Hounsfield units where the ground truth says each tissue is', () => {
    const hu = huVolume(phantom);
    const labels = phantom.labels;
    const liver = statsWhere(hu, (i) => labels[i] === phantomLabelValues.liver);
    const lesion = statsWhere(hu, (i) => labels[i] === phantomLabelValues.lesion);
    expect(liver.n).toBeGreaterThan(1000);
    expect(lesion.n).toBeGreaterThan(20);
    expect(liver.mean).toBeCloseTo(phantomHu.liver, -0.5);
    expect(lesion.mean).toBeCloseTo(phantomHu.lesion, -0.5);
    expect(liver.sd).toBeGreaterThan(5); // noise is there…
    expect(liver.sd).toBeLessThan(15); // …and mild
    // The corner voxel of every slice is air, clamped at the bottom of the HU range.
    const corner = statsWhere(hu, (i) => i % (80 * 96) === 0);
    expect(corner.mean).toBeGreaterThan(-1024);
    expect(corner.mean).toBeLessThan(-985);
    // Bone (spine and ribs) and fat are present in the stored values.
    const histogram = (lo: number, hi: number): number => hu.filter((v) => v >= lo && v <= hi).length;
    expect(histogram(phantomHu.bone - 60, phantomHu.bone + 60)).toBeGreaterThan(100);
    expect(histogram(phantomHu.fat - 40, phantomHu.fat + 40)).toBeGreaterThan(1000);
  });

  it('places two lesions of 30 and 12 mm inside the liver', () => {
    expect(phantom.lesions.map((l) => l.diameterMm)).toEqual([30, 12]);
    const [columns, rows] = phantom.dims;
    const [dx, dy, dz] = phantom.spacing;
    const [x0, y0, z0] = phantom.origin;
    for (const lesion of phantom.lesions) {
      const c = Math.round((lesion.centre[0] - x0) / dx);
      const r = Math.round((lesion.centre[1] - y0) / dy);
      const k = Math.round((lesion.centre[2] - z0) / dz);
      expect(phantom.labels[c + columns * (r + rows * k)]).toBe(phantomLabelValues.lesion);
    }
    // Lesions are surrounded by liver: no lesion voxel touches background in-plane.
    for (let i = 0; i < phantom.labels.length; i++) {
      if (phantom.labels[i] !== phantomLabelValues.lesion) continue;
      for (const j of [i - 1, i + 1, i - columns, i + columns]) expect(phantom.labels[j]).not.toBe(phantomLabelValues.background);
    }
  });

  it('places the lesions asked for: none, or others of other sizes', () => {
    const options = { slices: 16, rows: 48, columns: 48 };
    const none = generateCtPhantom({ ...options, lesions: [] });
    expect(none.lesions).toEqual([]);
    expect(none.labels.includes(phantomLabelValues.lesion)).toBe(false);
    const one = generateCtPhantom({ ...options, lesions: [{ at: [-0.35, 0.05, 0.2], diameterMm: 60 }] });
    expect(one.lesions.map((l) => l.diameterMm)).toEqual([60]);
    const lesionVoxels = (p: typeof one) => p.labels.filter((v) => v === phantomLabelValues.lesion).length;
    expect(lesionVoxels(one)).toBeGreaterThan(lesionVoxels(generateCtPhantom(options)));
    expect(() => generateCtPhantom({ ...options, lesions: [{ at: [2, 0, 0], diameterMm: 10 }] })).toThrow(expect.objectContaining({ code: 'DLN_REQUEST_INVALID' }));
  });

  it('is reproducible from its seed and changes with it', () => {
    const options = { slices: 8, rows: 40, columns: 40 };
    const first = generateCtPhantom({ ...options, seed: 7 });
    const again = generateCtPhantom({ ...options, seed: 7 });
    const other = generateCtPhantom({ ...options, seed: 8 });
    expect(again.slices.every((s, k) => Buffer.compare(s.bytes, first.slices[k]!.bytes) === 0)).toBe(true);
    expect(other.uids.study).not.toBe(first.uids.study);
    expect(Buffer.compare(other.slices[4]!.bytes, first.slices[4]!.bytes)).not.toBe(0);
    expect(Buffer.compare(other.labels, first.labels)).toBe(0); // the anatomy does not depend on the seed
  });

  it('leaves the labels free of noise and the pixels free of noise when asked', () => {
    const clean = generateCtPhantom({ ...small, noiseSigmaHu: 0 });
    const hu = huVolume(clean);
    const liver = statsWhere(hu, (i) => clean.labels[i] === phantomLabelValues.liver);
    expect(liver.mean).toBe(phantomHu.liver);
    expect(liver.sd).toBe(0);
  });

  it('refuses impossible options with a typed error', () => {
    expect(() => generateCtPhantom({ slices: 0 })).toThrow(expect.objectContaining({ code: 'DLN_REQUEST_INVALID' }));
    expect(() => generateCtPhantom({ spacing: [1, -1, 1] })).toThrow(expect.objectContaining({ code: 'DLN_REQUEST_INVALID' }));
    expect(() => generateCtPhantom({ studyDate: '2020-01-01' })).toThrow(expect.objectContaining({ code: 'DLN_REQUEST_INVALID' }));
    expect(() => generateCtPhantom({ patientId: 'A\\B' })).toThrow(expect.objectContaining({ code: 'DLN_REQUEST_INVALID' }));
  });
});

describe('writeCtPhantom', () => {
  it('writes the same files as generateCtPhantom and reports progress', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'delineate-phantom-'));
    try {
      const progress: number[] = [];
      const written = await writeCtPhantom(folder, { slices: 6, rows: 32, columns: 32 }, (done, total) => {
        expect(total).toBe(6);
        progress.push(done);
      });
      expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await readdir(folder)).sort()).toEqual(['CT0001.dcm', 'CT0002.dcm', 'CT0003.dcm', 'CT0004.dcm', 'CT0005.dcm', 'CT0006.dcm']);
      const inMemory = generateCtPhantom({ slices: 6, rows: 32, columns: 32 });
      for (const [k, path] of written.files.entries()) {
        expect(Buffer.compare(await readFile(path), inMemory.slices[k]!.bytes)).toBe(0);
      }
      expect(written.labels).toEqual(inMemory.labels);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
