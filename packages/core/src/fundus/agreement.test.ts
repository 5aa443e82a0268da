import { describe, expect, it } from 'vitest';
import { blandAltman, fundusPairAgreement } from './agreement';
import { ellipseContour, rasteriseDiscAndCup } from './contours';
import { fundusMeasures, verticalCdr } from './measures';

const labels = { disc: 1, cup: 2 };
const mask = (cupRadiusY: number) => {
  const r = rasteriseDiscAndCup(ellipseContour([50, 50], [30, 30], 240), ellipseContour([50, 50], [12, cupRadiusY], 240), 100, 100, labels);
  if (!r.ok) throw new Error(r.reason);
  return r.mask;
};

describe('fundus agreement between two readers', () => {
  it('gives Dice 1, HD95 0 and no vCDR difference for identical masks', () => {
    const a = mask(15);
    const result = fundusPairAgreement(a, a, labels, [0.01, 0.01]);
    expect(result.disc.dice).toBe(1);
    expect(result.cup.hd95Px).toBe(0);
    expect(result.absoluteVcdrDifference.every((d) => d.value === 0)).toBe(true);
  });

  it('measures a taller cup: |ΔvCDR| equals the difference of the two readers’ own vCDRs, HD95 in px and mm', () => {
    const a = mask(12);
    const b = mask(18);
    const result = fundusPairAgreement(a, b, labels, [0.01, 0.02]);
    const expected = Math.abs(verticalCdr(fundusMeasures(a, labels, null, null), 'refuge') - verticalCdr(fundusMeasures(b, labels, null, null), 'refuge'));
    expect(result.absoluteVcdrDifference.find((d) => d.convention === 'refuge')!.value).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(12 / 61, 1);
    expect(result.disc.dice).toBe(1);
    expect(result.cup.dice).toBeLessThan(1);
    // The cups differ by 6 px at the top and bottom: the 95th percentile lies near there.
    expect(result.cup.hd95Px).toBeGreaterThan(3);
    expect(result.cup.hd95Px).toBeLessThanOrEqual(6);
    // Mostly vertical distances at 0.02 mm per row.
    expect(result.cup.hd95Mm!).toBeGreaterThan(0.05);
    expect(result.cup.hd95Mm!).toBeLessThanOrEqual(0.12);
  });
});

describe('Bland–Altman', () => {
  it('gives the mean difference and ±1.96 SD limits, leaving out pairs with a NaN', () => {
    const ba = blandAltman([[0.5, 0.4], [0.6, 0.6], [0.3, 0.5], [NaN, 0.2]]);
    expect(ba.n).toBe(3);
    const diffs = [0.1, 0, -0.2];
    const bias = diffs.reduce((s, d) => s + d, 0) / 3;
    const sd = Math.sqrt(diffs.reduce((s, d) => s + (d - bias) ** 2, 0) / 2);
    expect(ba.bias).toBeCloseTo(bias, 12);
    expect(ba.upperLimit).toBeCloseTo(bias + 1.96 * sd, 12);
    expect(ba.lowerLimit).toBeCloseTo(bias - 1.96 * sd, 12);
  });
});
