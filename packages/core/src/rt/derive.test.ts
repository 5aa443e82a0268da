import { describe, expect, it } from 'vitest';
import { gridOf } from '../mask/grid';
import { binaryMask, labelMap } from '../mask/mask';
import { checkRecipe, deriveStructure, intersectionOf, subtractionOf, unionOf, writeDerived } from './derive';
import { isotropicMargin } from './margin';

const grid = gridOf([4, 1, 1], [1, 1, 1]);
const a = binaryMask(grid, Uint8Array.of(1, 1, 0, 0));
const b = binaryMask(grid, Uint8Array.of(0, 1, 1, 0));

describe('structure operations', () => {
  it('unites, intersects and subtracts voxel by voxel', () => {
    expect([...unionOf([a, b]).data]).toEqual([1, 1, 1, 0]);
    expect([...intersectionOf([a, b]).data]).toEqual([0, 1, 0, 0]);
    expect([...subtractionOf(a, [b]).data]).toEqual([1, 0, 0, 0]);
  });

  it('derives a CTV from a GTV by a margin, clipped by another structure, and writes it around the GTV', () => {
    // 1 GTV, 3 bone; the CTV (2) grows 2 mm from the GTV but not into bone.
    const map = labelMap(gridOf([9, 1, 1], [1, 1, 1]), Uint8Array.of(0, 0, 0, 0, 1, 0, 3, 3, 0));
    const ctv = deriveStructure(map, { kind: 'margin', sources: [1], margin: isotropicMargin(2), clips: [3] });
    expect([...ctv.data]).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0]);
    expect([...writeDerived(map, 2, ctv).data]).toEqual([0, 0, 2, 2, 1, 2, 3, 3, 0]);
  });

  it('derives a PTV from the CTV with the GTV inside it', () => {
    const map = labelMap(gridOf([9, 1, 1], [1, 1, 1]), Uint8Array.of(0, 0, 0, 2, 1, 2, 0, 0, 0));
    const ptv = deriveStructure(map, { kind: 'margin', sources: [1, 2], margin: isotropicMargin(1), clips: [] });
    expect([...writeDerived(map, 4, ptv).data]).toEqual([0, 0, 4, 2, 1, 2, 4, 0, 0]);
  });

  it('refuses recipes that read their own target or too few structures', () => {
    expect(checkRecipe({ kind: 'margin', sources: [2], margin: isotropicMargin(5), clips: [] }, 2).ok).toBe(false);
    expect(checkRecipe({ kind: 'union', sources: [1] }, 2).ok).toBe(false);
    expect(checkRecipe({ kind: 'margin', sources: [1], margin: isotropicMargin(-1), clips: [] }, 2).ok).toBe(false);
    expect(checkRecipe({ kind: 'subtraction', sources: [1, 3] }, 2)).toEqual({ ok: true });
  });
});
