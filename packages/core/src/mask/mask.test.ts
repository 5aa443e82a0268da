import { describe, expect, it } from 'vitest';
import { encodeRle8 } from '../encoding/rle';
import { gridOf } from './grid';
import { labelMap, labelMapFromRle, labelsPresent, selectLabel, unionBoundingBox } from './mask';

describe('masks', () => {
  it('reads the stored rle encoding, lists labels and selects one', () => {
    const grid = gridOf([4, 3, 2], [0.7, 0.7, 2.5]);
    const data = new Uint8Array(24);
    data[5] = 2;
    data[17] = 1;
    const r = labelMapFromRle(grid, encodeRle8(data));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(labelsPresent(r.map)).toEqual([1, 2]);
    expect(unionBoundingBox([selectLabel(r.map, 1), selectLabel(r.map, 2)])).toEqual({ min: [1, 1, 0], max: [1, 1, 1] });
    expect(grid.spacing[0]).toBe(Math.fround(0.7));
    expect(labelMapFromRle(grid, new Uint8Array([1, 3])).ok).toBe(false);
    expect(() => labelMap(grid, new Uint8Array(3))).toThrow();
  });
});
