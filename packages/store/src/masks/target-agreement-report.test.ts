import { gridOf } from '@delineate/core';
import { labelSchemaTemplate } from '@delineate/schema';
import { describe, expect, it } from 'vitest';
import { targetAgreementOf } from './target-agreement-report';

const labels = labelSchemaTemplate('rt-target-volumes').labels;
const label = (key: string) => labels.find((l) => l.key === key)!;
const [GTV, CTV] = [label('gtv_primary').value, label('ctv').value];
// One row of 41 voxels of 1 × 1 × 2 mm (2 µl each): one slice, so every structure voxel is on its contour.
const grid = gridOf([41, 1, 1], [1, 1, 2]);
const row = (...runs: [number, number, number][]) => {
  const r = new Uint8Array(41);
  for (const [value, from, to] of runs) r.fill(value, from, to);
  return r;
};

describe('target agreement per reader pair', () => {
  it('measures volume ratio, conformity and added path length by hand-worked values', () => {
    // Reader A: GTV x = 18..22 (5 voxels); reader B: GTV x = 17..23 (7 voxels).
    const a = row([GTV, 18, 23]);
    const b = row([GTV, 17, 24]);
    const r = targetAgreementOf('item', grid, [a, b], label('gtv_primary'), labels);
    expect(r.volumesMl).toEqual([0.01, 0.014]);
    expect(r.pairs).toHaveLength(1);
    const [pair] = r.pairs;
    expect(pair!.volumeRatio).toBeCloseTo(7 / 5, 12);
    expect(pair!.conformityIndex).toBeCloseTo(5 / 7, 12);
    // B's two outer voxels are contour A does not follow (2 mm); none of A's is missing from B: mean 1 mm.
    expect(pair!.addedPathLengthMm).toBeCloseTo(1, 12);
  });

  it('takes a target with the targets nested in it, and gives every pair of three readers', () => {
    // The CTV is a ring around the GTV on the map: as a target it is the ring and the GTV together.
    const a = row([CTV, 15, 26], [GTV, 18, 23]);
    const b = row([CTV, 15, 26]);
    const c = row([CTV, 14, 26], [GTV, 17, 23]);
    const r = targetAgreementOf('item', grid, [a, b, c], label('ctv'), labels);
    expect(r.pairs.map((p) => [p.a, p.b, p.conformityIndex])).toEqual([
      [0, 1, 1],
      [0, 2, 11 / 12],
      [1, 2, 11 / 12],
    ]);
    expect(r.conformityCommon).toBeCloseTo(11 / 12, 12);
    expect(r.conformityGeneralised).toBeCloseTo((11 + 11 + 11) / (11 + 12 + 12), 12);
  });
});
