import { describe, expect, it } from 'vitest';
import { AScanState, boundaryIndex, emptyBoundarySet, heightAt, setAbsent, setHeight } from '../oct/boundaries';
import { boundaryAgreement, consensusBoundarySet, fluidAgreement, percentileOfSorted } from './boundary';

describe('boundary agreement in µm', () => {
  it('gives the hand-worked errors of two readers on the EZ', () => {
    // Five A-scans, 4 µm per pixel. A: 10, 11, 12, absent, 20. B: 10.5, 10, 14, 13, not annotated.
    const a = emptyBoundarySet(1, 5);
    const b = emptyBoundarySet(1, 5);
    const ez = boundaryIndex('EZ');
    [10, 11, 12].forEach((h, i) => setHeight(a, ez, 0, i, h));
    setAbsent(a, ez, 0, 3);
    setHeight(a, ez, 0, 4, 20);
    [10.5, 10, 14, 13].forEach((h, i) => setHeight(b, ez, 0, i, h));
    const result = boundaryAgreement(a, b, 4).find((r) => r.boundary === 'EZ')!;
    // Differences (px): -0.5, 1, -2 → µm: -2, 4, -8. Signed mean -2, absolute mean 14/3.
    expect(result.comparedAScans).toBe(3);
    expect(result.meanSignedErrorUm).toBeCloseTo(-2, 12);
    expect(result.meanAbsoluteErrorUm).toBeCloseTo(14 / 3, 12);
    // |e| sorted 2, 4, 8: position 0.95·2 = 1.9 → 4 + 0.9·4 = 7.6.
    expect(result.p95AbsoluteErrorUm).toBeCloseTo(7.6, 12);
    // Graded by both: A-scans 0–3; exactly one absent at A-scan 3.
    expect(result.gradedByBoth).toBe(4);
    expect(result.absentDisagreement).toBe(0.25);
    const ilm = boundaryAgreement(a, b, 4)[0]!;
    expect(ilm.comparedAScans).toBe(0);
    expect(ilm.meanAbsoluteErrorUm).toBeNaN();
  });

  it('interpolates percentiles as numpy does', () => {
    expect(percentileOfSorted([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12);
    expect(percentileOfSorted([5], 95)).toBe(5);
    expect(percentileOfSorted([], 95)).toBeNaN();
  });

  it('takes the per-A-scan median as consensus, absent on a majority of absent votes', () => {
    const readers = [emptyBoundarySet(1, 3), emptyBoundarySet(1, 3), emptyBoundarySet(1, 3)];
    const bm = boundaryIndex('BM');
    [[300, 310, 305], [302, 330, 0], [301, 0, 0]].forEach((row, r) => row.forEach((h, i) => h && setHeight(readers[r]!, bm, 0, i, h)));
    setAbsent(readers[1]!, bm, 0, 2);
    setAbsent(readers[2]!, bm, 0, 2);
    const consensus = consensusBoundarySet(readers);
    expect(heightAt(consensus, bm, 0, 0)).toBe(301);
    expect(heightAt(consensus, bm, 0, 1)).toBe(320);
    expect(consensus.states[(bm * 1 + 0) * 3 + 2]).toBe(AScanState.absent);
    expect(consensus.states[0]).toBe(AScanState.notAnnotated);
  });

  it('gives fluid Dice and the volume difference', () => {
    const a = Uint8Array.from([0, 1, 1, 1, 2, 0]);
    const b = Uint8Array.from([0, 0, 1, 1, 2, 2]);
    expect(fluidAgreement(a, b, 1, 0.5)).toEqual({ label: 1, dice: (2 * 2) / 5, volumeDifferenceMm3: 0.5 });
    expect(fluidAgreement(a, b, 2, 1).dice).toBeCloseTo(2 / 3, 12);
    expect(fluidAgreement(a, b, 3, 1).dice).toBeNaN();
  });
});
