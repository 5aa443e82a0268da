import { describe, expect, it } from 'vitest';
import { binValues, fiveNumbers, quantile } from './charts';

describe('chart helpers', () => {
  it('bins values into equal-width bins with the last one closed', () => {
    expect(binValues([0, 1, 2, 3, 4], 2)).toEqual([
      { from: 0, to: 2, count: 2 },
      { from: 2, to: 4, count: 3 },
    ]);
    expect(binValues([5, 5, 5], 4)).toEqual([{ from: 5, to: 5, count: 3 }]);
    expect(binValues([0.85], 10, [0, 1]).map((b) => b.count)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(binValues([], 3)).toEqual([]);
  });

  it('computes quartiles by linear interpolation (R type 7)', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(fiveNumbers([4, 1, 3, 2])).toEqual({ n: 4, min: 1, q1: 1.75, median: 2.5, q3: 3.25, max: 4 });
    expect(fiveNumbers([0.5])).toEqual({ n: 1, min: 0.5, q1: 0.5, median: 0.5, q3: 0.5, max: 0.5 });
    expect(fiveNumbers([])).toBeNull();
  });
});
