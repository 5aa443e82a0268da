import { describe, expect, it } from 'vitest';
import { detectionAgreement, iccAbsoluteAgreement, majorityPoints, matchPoints } from './points';

const p = (x: number, y: number) => ({ x, y });

describe('point matching within a radius', () => {
  it('matches one-to-one within the radius and scores precision, recall and F1 as worked by hand', () => {
    const a = [p(0, 0), p(10, 0), p(50, 50)];
    const b = [p(1, 0), p(10, 2), p(100, 100)];
    // a0–b0 at 1, a1–b1 at 2 are within 3; a1–b0 at 9 and everything else are not.
    expect(matchPoints(a, b, 3)).toEqual({ pairs: [[0, 0], [1, 1]], unmatchedA: [2], unmatchedB: [2] });
    const result = detectionAgreement(a, b, 3);
    expect(result).toMatchObject({ matched: 2, countA: 3, countB: 3 });
    expect(result.precision).toBeCloseTo(2 / 3, 12);
    expect(result.recall).toBeCloseTo(2 / 3, 12);
    expect(result.f1).toBeCloseTo(2 / 3, 12);
  });

  it('counts a point at exactly the radius and none beyond it', () => {
    expect(matchPoints([p(0, 0)], [p(3, 4)], 5).pairs).toEqual([[0, 0]]);
    expect(matchPoints([p(0, 0)], [p(3, 4.01)], 5).pairs).toEqual([]);
  });

  it('breaks equal distances by the lower index in a, then in b', () => {
    expect(matchPoints([p(0, 0)], [p(2, 0), p(-2, 0)], 3).pairs).toEqual([[0, 0]]);
    expect(matchPoints([p(0, 0), p(4, 0)], [p(2, 0)], 3).pairs).toEqual([[0, 0]]);
  });

  it('takes the shortest pair first, never a point twice', () => {
    // b0 is 1 from a1 and 2 from a0: a1 gets it, a0 stays unmatched.
    const m = matchPoints([p(0, 0), p(3, 0)], [p(2, 0)], 5);
    expect(m.pairs).toEqual([[1, 0]]);
    expect(m.unmatchedA).toEqual([0]);
  });

  it('gives precision and recall apart when the readers marked different numbers', () => {
    const r = detectionAgreement([p(0, 0), p(20, 0)], [p(0, 1), p(20, 1), p(40, 0), p(60, 0)], 2);
    expect(r.precision).toBe(0.5);
    expect(r.recall).toBe(1);
    expect(r.f1).toBeCloseTo(4 / 6, 12);
    expect(Number.isNaN(detectionAgreement([], [], 2).f1)).toBe(true);
  });
});

describe('consensus points by majority', () => {
  it('keeps the points more than half of the readers marked, at their mean', () => {
    const readers = [
      [p(0, 0), p(100, 100)],
      [p(2, 0), p(200, 200)],
      [p(1, 3)],
    ];
    // (0,0), (2,0), (1,3) agree within 4 (three votes); the others are single marks.
    expect(majorityPoints(readers, 4)).toEqual([{ x: 1, y: 1, votes: 3 }]);
    expect(majorityPoints([[p(0, 0)], [p(1, 0)], [p(50, 0)], [p(90, 0)]], 4)).toEqual([]);
  });
});

describe('ICC(A,1) of counts per field', () => {
  it('equals the two-way random, absolute-agreement ICC worked by hand', () => {
    // n = 3 fields, k = 2 readers: MSR = 49/6, MSC = 2/3, MSE = 1/6,
    // ICC = (MSR − MSE) / (MSR + MSE + 2(MSC − MSE)/3) = 8 / (26/3) = 12/13.
    expect(iccAbsoluteAgreement([[1, 2], [3, 3], [5, 6]])).toBeCloseTo(12 / 13, 12);
  });

  it('is 1 for identical counts and lowered by a systematic offset', () => {
    expect(iccAbsoluteAgreement([[1, 1], [4, 4], [9, 9]])).toBeCloseTo(1, 12);
    expect(iccAbsoluteAgreement([[1, 3], [4, 6], [9, 11]])).toBeLessThan(1);
    expect(Number.isNaN(iccAbsoluteAgreement([[1, 2]]))).toBe(true);
  });
});
