import { describe, expect, it } from 'vitest';
import { cineLabelValues } from '../synthetic/cine-anatomy';
import { cinePhantom } from '../synthetic/cine-phantom';
import { decodeCineNifti, encodeCineNifti } from './cine-nifti';
import { decodeNifti } from './nifti';

const phantom = cinePhantom({ slices: 4, phases: 5, rows: 32, columns: 32, pixelSpacing: 5.6 });
const stack = { columns: 32, rows: 32, slices: 4, phases: 5, spacing: phantom.spacing, data: phantom.labels };

describe('cine labels as 4-D NIfTI with a named label map', () => {
  it('round-trips M&Ms → ACDC file → M&Ms byte for byte, and the file holds ACDC values', () => {
    const file = encodeCineNifti({ stack, from: 'mnms', to: 'acdc', secondsPerPhase: 0.05, gzip: true });
    const back = decodeCineNifti(file, 'acdc', 'mnms');
    expect(back.fileMap).toBe('acdc');
    expect(back.stack).toMatchObject({ columns: 32, rows: 32, slices: 4, phases: 5 });
    expect(back.stack.spacing[2]).toBeCloseTo(10, 5);
    expect(Buffer.compare(back.stack.data, phantom.labels)).toBe(0);
    // In the ACDC file LV is 3 where the phantom (M&Ms) has 1.
    const asAcdc = decodeCineNifti(file, 'acdc', 'acdc').stack.data;
    const lv = phantom.labels.indexOf(cineLabelValues.lvBloodPool);
    expect(asAcdc[lv]).toBe(3);
  });

  it('writes dim[0] = 4 with the phases as the fourth axis and names the map in the header', () => {
    const file = encodeCineNifti({ stack, from: 'mnms', to: 'mnms', secondsPerPhase: 0.05 });
    const view = new DataView(file.buffer, file.byteOffset);
    expect([view.getInt16(40, true), view.getInt16(42, true), view.getInt16(44, true), view.getInt16(46, true), view.getInt16(48, true)]).toEqual([4, 32, 32, 4, 5]);
    expect(Buffer.from(file.subarray(148, 228)).toString('latin1')).toContain('M&Ms (1 LV, 2 myocardium, 3 RV)');
    // A 3-D reader refuses it rather than reading phases as slices.
    expect(() => decodeNifti(file)).toThrow(expect.objectContaining({ code: 'DLN_NIFTI_INVALID' }));
  });

  it('refuses an import that names no map, or another map than the file', () => {
    const file = encodeCineNifti({ stack, from: 'mnms', to: 'acdc', secondsPerPhase: 0.05 });
    expect(() => decodeCineNifti(file, undefined, 'mnms')).toThrow(expect.objectContaining({ code: 'DLN_CARDIAC_LABEL_MAP_REQUIRED' }));
    expect(() => decodeCineNifti(file, 'mnms', 'mnms')).toThrow(expect.objectContaining({ code: 'DLN_CARDIAC_LABEL_MAP_MISMATCH' }));
  });
});
