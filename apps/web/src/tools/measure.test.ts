import { describe, expect, it } from 'vitest';
import { createMeasure, type Measurement } from './measure';
import { axial, testContext, testDims } from './test-context';

const measured = (effect: ReturnType<ReturnType<typeof createMeasure>['up']>): Measurement => {
  if (effect.kind !== 'measured') throw new Error(`expected a measurement, got ${effect.kind}`);
  return effect.measurement;
};

describe('measuring tools', () => {
  it('the ruler measures the drag in mm and paints nothing', () => {
    const ctx = testContext();
    const ruler = createMeasure('ruler');
    ruler.down(ctx, axial(2, 2, 4));
    expect(ruler.move(ctx, axial(5, 6, 4))).toMatchObject({ kind: 'measured', final: false });
    const m = measured(ruler.up(ctx, axial(8, 10, 4)));
    expect(m).toMatchObject({ kind: 'ruler', a: [2, 2], b: [8, 10], s: 4 });
    if (m.kind === 'ruler') expect(m.lengthMm).toBeCloseTo(10);
    expect(ctx.map.data.every((v) => v === 0)).toBe(true);
    expect(ctx.map.undoStack).toHaveLength(0);
  });

  it('the ellipse ROI gives the mean and standard deviation of the image inside it', () => {
    const image = new Int16Array(testDims.columns * testDims.rows * testDims.slices).fill(100);
    const ctx = testContext({}, image);
    const roi = createMeasure('ellipse');
    roi.down(ctx, axial(4, 4, 2));
    const m = measured(roi.up(ctx, axial(14, 12, 2)));
    expect(m.kind).toBe('ellipse');
    if (m.kind !== 'ellipse') return;
    expect(m.centre).toEqual([9, 8]);
    expect(m.radii).toEqual([5, 4]);
    expect(m.stats).toMatchObject({ mean: 100, sd: 0 });
    expect(m.stats!.pixels).toBeGreaterThan(50);
  });
});
