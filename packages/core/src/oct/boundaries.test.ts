import { describe, expect, it } from 'vitest';
import { AScanState, boundaryIndex, checkBoundarySet, emptyBoundarySet, findBoundaryOrderViolation, heightAt, setAbsent, setHeight } from './boundaries';
import { decodeBoundarySet, encodeBoundarySet } from './boundary-codec';

describe('boundary sets', () => {
  it('finds a boundary above one it must lie below, skipping boundaries without values', () => {
    const set = emptyBoundarySet(3, 4);
    setHeight(set, boundaryIndex('ILM'), 1, 2, 100);
    setAbsent(set, boundaryIndex('EZ'), 1, 2);
    setHeight(set, boundaryIndex('RPE'), 1, 2, 300);
    setHeight(set, boundaryIndex('BM'), 1, 2, 300);
    expect(findBoundaryOrderViolation(set)).toBeUndefined();
    setHeight(set, boundaryIndex('ELM'), 2, 3, 250);
    setHeight(set, boundaryIndex('BM'), 2, 3, 249.5);
    expect(findBoundaryOrderViolation(set)).toEqual({ upper: 'ELM', lower: 'BM', bscan: 2, ascan: 3 });
  });

  it('round-trips through its binary layout, states and sub-pixel heights intact', () => {
    const set = emptyBoundarySet(2, 5);
    setHeight(set, 0, 0, 0, 12.25);
    setHeight(set, 10, 1, 4, 400.125);
    setAbsent(set, boundaryIndex('EZ'), 1, 1);
    const bytes = encodeBoundarySet(set);
    expect(bytes.length).toBe(16 + 112 + 11 * 10 * 4);
    const decoded = decodeBoundarySet(bytes);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(heightAt(decoded.set, 0, 0, 0)).toBe(12.25);
    expect(heightAt(decoded.set, 10, 1, 4)).toBe(400.125);
    expect(decoded.set.states[(boundaryIndex('EZ') * 2 + 1) * 5 + 1]).toBe(AScanState.absent);
    expect(heightAt(decoded.set, 1, 0, 0)).toBeUndefined();
  });

  it('refuses damaged bytes and inconsistent states', () => {
    const bytes = encodeBoundarySet(emptyBoundarySet(1, 1));
    expect(decodeBoundarySet(bytes.subarray(0, bytes.length - 1)).ok).toBe(false);
    const other = Uint8Array.from(bytes);
    other[0] = 0;
    expect(decodeBoundarySet(other).ok).toBe(false);
    const set = emptyBoundarySet(1, 1);
    set.states[0] = AScanState.value;
    expect(checkBoundarySet(set)).toEqual({ ok: false, reason: expect.stringContaining('height is missing') });
    set.states[0] = 7;
    expect(checkBoundarySet(set).ok).toBe(false);
  });
});
