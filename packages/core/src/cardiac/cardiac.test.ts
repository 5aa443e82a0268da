import { describe, expect, it } from 'vitest';
import { frameDisagreement, indexAgreement, structureAgreement } from './agreement';
import { emptyCineStack, planeOffset, rasteriseCardiacSlice, type CineLabelStack } from './cine-stack';
import { cardiacLabelMapName, cardiacLabelMaps, relabelCardiac } from './label-maps';
import { cardiacMeasures, designateEdEs, volumeCurves } from './measures';

const mnms = cardiacLabelMaps.mnms;
/** A square contour around pixel centres c0..c1 × r0..r1 (edges half a pixel outside them). */
const square = (c0: number, r0: number, c1: number, r1: number) => [c0 - 0.5, r0 - 0.5, c1 + 0.5, r0 - 0.5, c1 + 0.5, r1 + 0.5, c0 - 0.5, r1 + 0.5];

function stackWith(phases: number, draw: (stack: CineLabelStack, slice: number, phase: number) => void): CineLabelStack {
  const stack = emptyCineStack({ columns: 20, rows: 20, slices: 3, phases, spacing: [1.5, 1.5, 8] });
  for (let p = 0; p < phases; p++) for (let k = 0; k < 3; k++) draw(stack, k, p);
  return stack;
}

describe('cardiac contours to labels', () => {
  it('fills endocardium as blood pool, the ring to the epicardium as myocardium, and the RV', () => {
    const stack = stackWith(1, (s, k) =>
      rasteriseCardiacSlice({ lv_endocardium: square(10, 10, 13, 13), lv_epicardium: square(9, 9, 14, 14), rv_endocardium: square(1, 1, 4, 2) }, mnms, s.data, planeOffset(s, k, 0), 20, 20),
    );
    const plane = stack.data.subarray(0, 400);
    expect(plane.filter((v) => v === mnms.lv_blood_pool).length).toBe(16);
    expect(plane.filter((v) => v === mnms.lv_myocardium).length).toBe(36 - 16);
    expect(plane.filter((v) => v === mnms.rv_blood_pool).length).toBe(8);
  });
});

describe('cardiac measures', () => {
  // LV cavity 4×4 px at ED (phase 0), 2×2 at ES (phase 2), 3×3 otherwise; myocardium a ring to 6×6 at ED.
  const sizes = [4, 3, 2, 3];
  const stack = stackWith(4, (s, k, p) => {
    const n = sizes[p]!;
    rasteriseCardiacSlice({ lv_endocardium: square(5, 5, 4 + n, 4 + n), lv_epicardium: square(4, 4, 5 + n, 5 + n), rv_endocardium: k < 2 ? square(14, 14, 14 + n, 14) : undefined }, mnms, s.data, planeOffset(s, k, p), 20, 20);
  });

  it('sums slices: volume = pixels × 1.5 × 1.5 × 8 mm³, hand-computed', () => {
    const curves = volumeCurves(stack, mnms);
    const voxelMl = (1.5 * 1.5 * 8) / 1000;
    expect(curves.lv_blood_pool.map((v) => v / voxelMl)).toEqual([48, 27, 12, 27].map((n) => expect.closeTo(n, 9)));
    expect(curves.rv_blood_pool[0]! / voxelMl).toBeCloseTo(2 * 5, 9);
    const phases = designateEdEs(curves.lv_blood_pool)!;
    expect(phases).toEqual({ edPhase: 0, esPhase: 2 });
    const m = cardiacMeasures(curves, { ...phases, source: 'lv_volume_curve' }, { sliceSpacing: 8, papillaryMuscles: 'included_in_cavity', basalSliceRule: 'half_circumference_myocardium' });
    expect(m.lv.edv).toBeCloseTo(48 * voxelMl, 9);
    expect(m.lv.esv).toBeCloseTo(12 * voxelMl, 9);
    expect(m.lv.ef).toBeCloseTo(75, 9);
    expect(m.rv.edv).toBeCloseTo(10 * voxelMl, 9);
    expect(m.rv.esv).toBeCloseTo(6 * voxelMl, 9);
    expect(m.lvMassEd).toBeCloseTo(3 * (36 - 16) * voxelMl * 1.05, 9);
    expect(m.conventions).toMatchObject({ volumeMethod: 'slice_summation', myocardialDensityGPerMl: 1.05, papillaryMuscles: 'included_in_cavity', edPhase: 0, esPhase: 2 });
  });

  it('leaves uncontoured phases out of ED/ES and needs two contoured phases', () => {
    expect(designateEdEs([0, 30, 0, 20, 25])).toEqual({ edPhase: 1, esPhase: 3 });
    expect(designateEdEs([0, 30, 0])).toBeUndefined();
  });
});

describe('ACDC and M&Ms label maps', () => {
  it('round-trip: M&Ms → ACDC swaps LV and RV, and back gives the same bytes', () => {
    const mnmsData = Uint8Array.from([0, 1, 2, 3, 3, 1]);
    const acdc = relabelCardiac(mnmsData, cardiacLabelMaps.mnms, cardiacLabelMaps.acdc);
    expect(acdc).toEqual({ ok: true, data: Uint8Array.from([0, 3, 2, 1, 1, 3]) });
    const back = relabelCardiac(acdc.ok ? acdc.data : [], cardiacLabelMaps.acdc, cardiacLabelMaps.mnms);
    expect(back.ok && Buffer.compare(back.data, mnmsData)).toBe(0);
  });

  it('refuses a value the named map does not define, and normalises map names', () => {
    expect(relabelCardiac([0, 4], cardiacLabelMaps.acdc, cardiacLabelMaps.mnms)).toMatchObject({ ok: false, value: 4 });
    expect(cardiacLabelMapName('M&Ms')).toBe('mnms');
    expect(cardiacLabelMapName(' ACDC ')).toBe('acdc');
    expect(cardiacLabelMapName('kits')).toBeUndefined();
  });
});

describe('cardiac agreement', () => {
  it('gives Dice 1 and HD95 0 for identical stacks, and less for a shifted contour', () => {
    const a = stackWith(1, (s, k) => rasteriseCardiacSlice({ lv_endocardium: square(5, 5, 9, 9) }, mnms, s.data, planeOffset(s, k, 0), 20, 20));
    const b = stackWith(1, (s, k) => rasteriseCardiacSlice({ lv_endocardium: square(6, 5, 10, 9) }, mnms, s.data, planeOffset(s, k, 0), 20, 20));
    const same = structureAgreement(a, a, mnms).find((r) => r.structure === 'lv_blood_pool')!;
    expect(same).toMatchObject({ dice: 1, hd95: 0 });
    const shifted = structureAgreement(a, b, mnms).find((r) => r.structure === 'lv_blood_pool')!;
    expect(shifted.dice).toBeCloseTo((2 * 20) / 50, 9);
    expect(shifted.hd95).toBeCloseTo(1.5, 6);
    expect(Number.isNaN(structureAgreement(a, b, mnms).find((r) => r.structure === 'rv_blood_pool')!.dice)).toBe(true);
  });

  it('Bland–Altman bias, limits and CoV of hand-computed pairs', () => {
    const r = indexAgreement([[100, 102], [120, 118], [80, 84]]);
    // Differences 2, −2, 4: mean 4/3, SD √(( (2/3)² + (10/3)² + (8/3)² ) / 2) = √(84/9) ≈ 3.055.
    const sd = Math.sqrt(84 / 9);
    expect(r.bias).toBeCloseTo(4 / 3, 9);
    expect(r.upperLimit).toBeCloseTo(4 / 3 + 1.96 * sd, 9);
    expect(r.lowerLimit).toBeCloseTo(4 / 3 - 1.96 * sd, 9);
    expect(r.coefficientOfVariation).toBeCloseTo((100 * sd) / (604 / 6), 9);
    expect(indexAgreement([]).n).toBe(0);
  });

  it('counts ED/ES disagreement in frames around the cycle', () => {
    expect(frameDisagreement(0, 19, 20)).toBe(1);
    expect(frameDisagreement(7, 9, 20)).toBe(2);
  });
});
