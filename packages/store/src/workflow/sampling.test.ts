import { describe, expect, it } from 'vitest';
import { drawAgreementSample, mulberry32 } from './sampling';

describe('agreement sampling', () => {
  it('draws round(fraction · n) items, the same ones for the same seed and batch', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `item-${i}`);
    const a = drawAgreementSample(ids, 0.3, 42, 0);
    expect(a.filter((d) => d.sampled)).toHaveLength(3);
    expect(drawAgreementSample(ids, 0.3, 42, 0)).toEqual(a);
    expect(new Set(a.map((d) => d.itemId))).toEqual(new Set(ids));
    expect(a.map((d) => d.position)).toEqual([...Array(10).keys()]);
    const others = [1, 2, 3, 4, 5].map((seed) => drawAgreementSample(ids, 0.3, seed, 0).filter((d) => d.sampled).map((d) => d.itemId).join());
    expect(new Set(others).size).toBeGreaterThan(1);
    expect(drawAgreementSample(ids, 0, 42, 0).some((d) => d.sampled)).toBe(false);
    expect(drawAgreementSample(ids, 1, 42, 0).every((d) => d.sampled)).toBe(true);
  });

  it('generates values in [0, 1) reproducibly', () => {
    const r = mulberry32(7);
    const values = Array.from({ length: 1000 }, () => r());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(mulberry32(7)()).toBe(values[0]);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});
