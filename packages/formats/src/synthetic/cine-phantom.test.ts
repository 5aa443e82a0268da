import * as dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { cineLabelValues } from './cine-anatomy';
import { cineClassicInstances, cineEnhancedInstance, mrImageStorage } from './cine-dicom';
import { cinePhantom } from './cine-phantom';

const phantom = cinePhantom({ slices: 10, phases: 20, rows: 64, columns: 64, pixelSpacing: 2.8 });

describe('cinePhantom', () => {
  it('beats: the LV blood pool is largest at end-diastole (phase 0) and smallest at end-systole', () => {
    const { known } = phantom;
    expect(known.edPhase).toBe(0);
    expect(known.esPhase).toBe(7);
    expect(known.lvCurve).toHaveLength(20);
    expect(Math.max(...known.lvCurve)).toBe(known.lv.edv);
    expect(Math.min(...known.lvCurve)).toBe(known.lv.esv);
    // Plausible adult values: EF 55–70 %, EDV 100–160 mL.
    expect(known.lv.ef).toBeGreaterThan(55);
    expect(known.lv.ef).toBeLessThan(70);
    expect(known.lv.edv).toBeGreaterThan(100);
    expect(known.rv.edv).toBeGreaterThan(60);
    expect(known.lvMassEd).toBeCloseTo(known.lvMyocardialVolumeEd * 1.05, 9);
  });

  it('states its known values as voxel-exact counts of its labels', () => {
    const [columns, rows, slices] = phantom.dims;
    const voxelMl = (phantom.spacing[0] * phantom.spacing[1] * phantom.spacing[2]) / 1000;
    const count = (phase: number, label: number) => phantom.labels.subarray(phase * slices * rows * columns, (phase + 1) * slices * rows * columns).filter((v) => v === label).length;
    expect(count(0, cineLabelValues.lvBloodPool) * voxelMl).toBeCloseTo(phantom.known.lv.edv, 9);
    expect(count(7, cineLabelValues.lvBloodPool) * voxelMl).toBeCloseTo(phantom.known.lv.esv, 9);
    expect(count(0, cineLabelValues.myocardium) * voxelMl).toBeCloseTo(phantom.known.lvMyocardialVolumeEd, 9);
    expect(count(7, cineLabelValues.rvBloodPool) * voxelMl).toBeCloseTo(phantom.known.rv.esv, 9);
    // Slices past the apex are empty, as in a real stack.
    const apical = phantom.labels.subarray(9 * rows * columns, 10 * rows * columns);
    expect(apical.some((v) => v === cineLabelValues.lvBloodPool)).toBe(false);
  });

  it('gives contours for every structure a slice cuts; the apical slice cuts only the myocardial cap', () => {
    const basal = phantom.contours(0, 0);
    expect(basal.lvEndocardium?.length).toBe(256);
    expect(basal.lvEpicardium?.length).toBe(256);
    expect(basal.rvEndocardium?.length).toBe(256);
    expect(Object.keys(phantom.contours(9, 0))).toEqual(['lvEpicardium']);
  });

  it('refuses impossible options with a typed error', () => {
    expect(() => cinePhantom({ phases: 2 })).toThrow(expect.objectContaining({ code: 'DLN_REQUEST_INVALID' }));
    expect(() => cinePhantom({ sliceSpacing: -1 })).toThrow(expect.objectContaining({ code: 'DLN_REQUEST_INVALID' }));
    expect(() => phantom.pixels(10, 0)).toThrow(expect.objectContaining({ code: 'DLN_REQUEST_INVALID' }));
  });
});

describe('cine DICOM forms', () => {
  const small = cinePhantom({ slices: 3, phases: 4, rows: 32, columns: 32, pixelSpacing: 5.6, sliceThickness: 3 });

  it('writes one classic MR image per slice and phase with its trigger time and true position', () => {
    const files = cineClassicInstances(small);
    expect(files).toHaveLength(12);
    const positions = new Set<string>();
    for (const file of files) {
      const ds = dicomParser.parseDicom(file.bytes);
      expect(ds.string('x00080016')).toBe(mrImageStorage);
      expect(ds.floatString('x00181060')).toBe(small.triggerTimes[file.phase]);
      expect(ds.floatString('x00180050')).toBe(3);
      positions.add(ds.string('x00200032') ?? '');
    }
    expect(positions.size).toBe(3);
  });

  it('writes the enhanced form as one instance indexed by stack and temporal position', () => {
    const file = cineEnhancedInstance(small);
    const ds = dicomParser.parseDicom(file.bytes);
    expect(ds.intString('x00280008')).toBe(12);
    const frames = ds.elements.x52009230?.items ?? [];
    expect(frames).toHaveLength(12);
    const content = frames[5]!.dataSet!.elements.x00209111!.items![0]!.dataSet!;
    // Frames are stored phase by phase: frame 6 is slice 2 of phase 2.
    expect([content.uint32('x00209157', 0), content.uint32('x00209157', 1)]).toEqual([3, 2]);
  });
});
