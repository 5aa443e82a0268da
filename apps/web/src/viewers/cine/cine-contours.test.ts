import { describe, expect, it } from 'vitest';
import { canvasToImage, contoursToSave, copyContours, planeOf, thinStroke, withContour } from './cine-contours';
import { conventionWords, measureConventions, percent } from './cine-words';

describe('cine contours', () => {
  it('numbers planes phase by phase, as the stack is stored', () => {
    expect(planeOf(2, 0, 5)).toBe(2);
    expect(planeOf(2, 3, 5)).toBe(17);
  });

  it('keeps contours per slice and phase, copies them to the next phase, and saves every drawn plane', () => {
    const square = [1, 1, 4, 1, 4, 4, 1, 4];
    let book = withContour(new Map(), 2, 0, 'lvEndocardium', square);
    book = withContour(book, 2, 0, 'rvEndocardium', [5, 5, 8, 5, 8, 8]);
    book = copyContours(book, { slice: 2, phase: 0 }, { slice: 2, phase: 1 });
    // A copy is independent: redrawing the copy leaves the source alone.
    book = withContour(book, 2, 1, 'lvEndocardium', [0, 0, 2, 0, 2, 2]);
    expect(contoursToSave(book)).toEqual([
      { slice: 2, phase: 0, lvEndocardium: square, rvEndocardium: [5, 5, 8, 5, 8, 8] },
      { slice: 2, phase: 1, lvEndocardium: [0, 0, 2, 0, 2, 2], rvEndocardium: [5, 5, 8, 5, 8, 8] },
    ]);
    // Copying from an empty plane changes nothing.
    expect(copyContours(book, { slice: 0, phase: 0 }, { slice: 2, phase: 0 }).get('2:0')).toEqual(book.get('2:0'));
  });

  it('maps canvas pixels to image coordinates with pixel centres at integers', () => {
    expect(canvasToImage(2, 2, 4)).toEqual([0, 0]);
    expect(canvasToImage(10, 6, 4)).toEqual([2, 1]);
  });

  it('thins a freehand stroke to points at least half a pixel apart', () => {
    expect(thinStroke([0, 0, 0.1, 0, 0.6, 0, 0.7, 0, 2, 2])).toEqual([0, 0, 0.6, 0, 2, 2]);
  });
});

describe('cine words', () => {
  it('says conventions in words, never as keys', () => {
    expect(conventionWords('excluded_from_cavity')).toBe('papillary muscles counted as myocardium');
    expect(conventionWords('lv_volume_curve')).toBe('chosen from the LV volume curve');
    const lines = measureConventions({
      annotationId: 'a',
      version: 1,
      curves: { lv_blood_pool: [], lv_myocardium: [], rv_blood_pool: [] },
      designation: null,
      measures: { lv: { edv: 1, esv: 0.5, sv: 0.5, ef: 50 }, rv: { edv: 0, esv: 0, sv: 0, ef: Number.NaN }, lvMyocardialVolumeEd: 1, lvMassEd: 1.05, conventions: { sliceSpacing: 10, myocardialDensityGPerMl: 1.05, papillaryMuscles: 'included_in_cavity', basalSliceRule: 'all_contoured_slices' } },
      labelConventions: {},
    });
    expect(lines).toEqual([
      'Volumes by summation of slices, 10.0 mm apart (from the slice positions, not the slice thickness).',
      'LV mass = myocardial volume at end-diastole × 1.05 g/mL.',
      'Papillary muscles counted in the cavity.',
      'Basal slice: every contoured slice counts.',
    ]);
    expect(lines.join(' ')).not.toMatch(/_/);
    expect(percent(Number.NaN)).toBe('not defined (no end-diastolic volume)');
  });
});
