import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridOf } from '@delineate/core';
import { afterAll, describe, expect, it } from 'vitest';
import { readNiftiFile, writeNiftiFile } from './files';
import { type NiftiArray, decodeNifti, encodeNifti, niftiLabels, niftiValues } from './nifti';

const grid = gridOf([5, 4, 3], [0.7, 0.7, 2.5]);
const n = 60;
const arrays: [string, NiftiArray][] = [
  ['uint8', Uint8Array.from({ length: n }, (_, i) => i % 4)],
  ['int8', Int8Array.from({ length: n }, (_, i) => (i % 7) - 3)],
  ['int16', Int16Array.from({ length: n }, (_, i) => i * 300 - 9000)],
  ['uint16', Uint16Array.from({ length: n }, (_, i) => i * 1000)],
  ['int32', Int32Array.from({ length: n }, (_, i) => i * 70000 - 2_000_000)],
  ['uint32', Uint32Array.from({ length: n }, (_, i) => i * 70000)],
  ['float32', Float32Array.from({ length: n }, (_, i) => i / 3)],
  ['float64', Float64Array.from({ length: n }, (_, i) => i / 7)],
];

describe('NIfTI-1 read/write', () => {
  it.each(arrays)('round-trips %s through .nii and .nii.gz', (name, data) => {
    for (const gzip of [false, true]) {
      const bytes = encodeNifti({ grid, data }, { gzip });
      expect(bytes[0] === 0x1f).toBe(gzip);
      const img = decodeNifti(bytes);
      expect(img.datatype).toBe(name);
      expect(img.grid).toEqual(grid);
      expect(img.grid.spacing[0]).toBe(Math.fround(0.7));
      expect([...img.data]).toEqual([...data]);
      expect(img.orientation).toBe('sform');
    }
  });

  it('keeps an oblique, flipped affine through sform and through qform alone', () => {
    const t = Math.PI / 7;
    const [sx, sy, sz] = grid.spacing;
    // rotation about z, and a left-handed third axis (qfac −1)
    const affine = [
      Math.cos(t) * sx, -Math.sin(t) * sy, 0, -12.5,
      Math.sin(t) * sx, Math.cos(t) * sy, 0, 40,
      0, 0, -sz, 7.25,
      0, 0, 0, 1,
    ];
    const bytes = encodeNifti({ grid, data: new Uint8Array(n), affine });
    const viaSform = decodeNifti(bytes);
    viaSform.affine.forEach((v, i) => expect(v).toBeCloseTo(affine[i] ?? NaN, 5));
    const qformOnly = bytes.slice();
    new DataView(qformOnly.buffer).setInt16(254, 0, true);
    const viaQform = decodeNifti(qformOnly);
    expect(viaQform.orientation).toBe('qform');
    viaQform.affine.forEach((v, i) => expect(v).toBeCloseTo(affine[i] ?? NaN, 5));
  });

  it('reads big-endian files', () => {
    const le = encodeNifti({ grid, data: Int16Array.from({ length: n }, (_, i) => i - 30) });
    const be = le.slice();
    const swap = (o: number, size: number): void => { be.subarray(o, o + size).reverse(); };
    swap(0, 4);
    for (let k = 0; k < 8; k++) swap(40 + 2 * k, 2);
    swap(70, 2); swap(72, 2);
    for (let k = 0; k < 8; k++) swap(76 + 4 * k, 4);
    swap(108, 4); swap(112, 4); swap(116, 4); swap(252, 2); swap(254, 2);
    for (let k = 0; k < 18; k++) swap(256 + 4 * k, 4);
    for (let i = 352; i < be.length; i += 2) swap(i, 2);
    const img = decodeNifti(be);
    expect([...img.data]).toEqual(Array.from({ length: n }, (_, i) => i - 30));
    expect(img.grid).toEqual(grid);
  });

  it('applies scl_slope and scl_inter, and converts whole float labels', () => {
    const bytes = encodeNifti({ grid, data: Uint8Array.from({ length: n }, (_, i) => i % 3) });
    const view = new DataView(bytes.buffer);
    view.setFloat32(112, 2, true);
    view.setFloat32(116, 1, true);
    const img = decodeNifti(bytes);
    expect([...niftiValues(img)].slice(0, 3)).toEqual([1, 3, 5]);
    expect([...niftiLabels(img)].slice(0, 3)).toEqual([1, 3, 5]);
    const fractional = decodeNifti(encodeNifti({ grid, data: Float32Array.from({ length: n }, () => 0.5) }));
    expect(() => niftiLabels(fractional)).toThrow(expect.objectContaining({ code: 'DLN_NIFTI_INVALID' }));
  });

  it('rejects what is not NIfTI-1 with stable codes', () => {
    expect(() => decodeNifti(new Uint8Array(10))).toThrow(expect.objectContaining({ code: 'DLN_NIFTI_INVALID' }));
    const bad = encodeNifti({ grid, data: new Uint8Array(n) });
    new DataView(bad.buffer).setInt16(70, 128, true); // RGB24
    expect(() => decodeNifti(bad)).toThrow(expect.objectContaining({ code: 'DLN_NIFTI_UNSUPPORTED' }));
    expect(() => decodeNifti(encodeNifti({ grid, data: new Uint8Array(n) }).slice(0, 380))).toThrow(
      expect.objectContaining({ code: 'DLN_NIFTI_INVALID' }),
    );
  });

  const dir = mkdtempSync(join(tmpdir(), 'dln-nifti-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes files that ITK (through Debian plastimatch) reads with the same size, spacing and values', async () => {
    const hasPlastimatch = existsSync('/usr/bin/plastimatch');
    if (!hasPlastimatch && process.env.CI !== 'true') return;
    const path = join(dir, 'mask.nii.gz');
    const data = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : 0));
    await writeNiftiFile(path, { grid, data });
    const header = execFileSync('plastimatch', ['header', path], { encoding: 'utf8' });
    expect(header).toMatch(/Size = 5 4 3/);
    expect(header).toMatch(/Spacing = 0\.7\d* 0\.7\d* 2\.5/);
    const stats = execFileSync('plastimatch', ['stats', path], { encoding: 'utf8' });
    expect(stats).toMatch(/MAX 1\.0+/);
    expect(stats).toMatch(/NONZERO 12\b/);
    const back = await readNiftiFile(path);
    expect([...back.data]).toEqual([...data]);
  });
});
