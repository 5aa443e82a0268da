import { describe, expect, it } from 'vitest';
import { gridOf } from '@delineate/core';
import { decodeNifti, encodeNifti, niftiValues } from './nifti';
import { niftiAffineFromGeometry } from './affine';

/** World (LPS) position of voxel (i, j, k) as DICOM defines it, written out from PS3.3 C.7.6.2.1.1. */
function dicomWorld(g: { spacing: number[]; origin: number[]; direction: number[] }, [i, j, k]: number[]): number[] {
  return [0, 1, 2].map((r) => g.origin[r]! + i! * g.spacing[0]! * g.direction[r]! + j! * g.spacing[1]! * g.direction[3 + r]! + k! * g.spacing[2]! * g.direction[6 + r]!);
}

describe('niftiAffineFromGeometry', () => {
  // An oblique series: rows tilted 30° about z, columns along -z... any right-handed frame will do.
  const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
  const geometry = { spacing: [0.7, 0.8, 2.5] as [number, number, number], origin: [-120.5, 80.25, 33] as [number, number, number], direction: [c, s, 0, 0, 0, -1, -s, c, 0] };

  it('maps every corner voxel to the DICOM position with x and y negated (LPS → RAS)', () => {
    const a = niftiAffineFromGeometry(geometry);
    for (const v of [[0, 0, 0], [9, 0, 0], [0, 7, 0], [0, 0, 4], [9, 7, 4]]) {
      const ras = [0, 1, 2].map((r) => a[r * 4]! * v[0]! + a[r * 4 + 1]! * v[1]! + a[r * 4 + 2]! * v[2]! + a[r * 4 + 3]!);
      const lps = dicomWorld(geometry, v);
      expect(ras[0]).toBeCloseTo(-lps[0]!, 9);
      expect(ras[1]).toBeCloseTo(-lps[1]!, 9);
      expect(ras[2]).toBeCloseTo(lps[2]!, 9);
    }
  });

  it('survives the NIfTI round trip as sform and as qform', () => {
    const a = niftiAffineFromGeometry(geometry);
    const grid = gridOf([10, 8, 5], geometry.spacing);
    const bytes = encodeNifti({ grid, data: new Uint8Array(400), affine: a }, { gzip: true });
    const sform = decodeNifti(bytes);
    expect(sform.orientation).toBe('sform');
    sform.affine.forEach((v, i) => expect(v).toBeCloseTo(a[i]!, 4));
    // Clear sform_code: the reader falls back to the qform, which must give the same affine.
    const raw = new Uint8Array(encodeNifti({ grid, data: new Uint8Array(400), affine: a }));
    new DataView(raw.buffer).setInt16(254, 0, true);
    const qform = decodeNifti(raw);
    expect(qform.orientation).toBe('qform');
    qform.affine.forEach((v, i) => expect(v).toBeCloseTo(a[i]!, 4));
  });

  it('writes scl_slope so a uint8 probability reads back as 0..1', () => {
    const grid = gridOf([2, 1, 1], [1, 1, 1]);
    const image = decodeNifti(encodeNifti({ grid, data: Uint8Array.of(0, 255), sclSlope: 1 / 255 }));
    expect(image.sclSlope).toBeCloseTo(1 / 255, 9);
    expect(Array.from(niftiValues(image))).toEqual([0, expect.closeTo(1, 6)]);
  });
});
