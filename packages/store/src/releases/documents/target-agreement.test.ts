import { gridOf } from '@delineate/core';
import { labelSchemaTemplate } from '@delineate/schema';
import { describe, expect, it } from 'vitest';
import { targetMeasurement, targetSection, targetStatistics } from './target-agreement';

const labels = labelSchemaTemplate('rt-head-neck').labels;
const label = (key: string) => labels.find((l) => l.key === key)!;
const grid = gridOf([10, 10, 1], [1, 1, 2]);

/** A square of side n at (x0, x0) drawn with `value`, inside a 10 × 10 slice. */
function square(x0: number, n: number, value: number, ring?: { value: number; inner: number }): Uint8Array {
  const data = new Uint8Array(100);
  for (let y = x0; y < x0 + n; y++) for (let x = x0; x < x0 + n; x++) data[y * 10 + x] = value;
  if (ring) for (let y = x0 + 1; y < x0 + 1 + ring.inner; y++) for (let x = x0 + 1; x < x0 + 1 + ring.inner; x++) data[y * 10 + x] = ring.value;
  return data;
}

describe('RT target agreement in the variability document', () => {
  it('measures a CTV with the GTV nested in it, and leaves organs out', () => {
    const ctv = label('ctv').value;
    const gtv = label('gtv_primary').value;
    // Reader A: CTV ring around a GTV (4 × 4 outline, 2 × 2 GTV inside); reader B: a 5 × 5 CTV without GTV.
    const a = square(1, 4, ctv, { value: gtv, inner: 2 });
    const b = square(1, 5, ctv);
    const m = targetMeasurement('item-1', grid, [a, b], label('ctv'), labels);
    // As targets: A is 16 voxels, B 25; all of A lies in B.
    expect(m).toMatchObject({ volumeRatio: 25 / 16, conformityCommon: 16 / 25, conformityGeneralised: 16 / 25 });
    expect(m?.addedPathLengthMm).toBeGreaterThan(0);
    expect(targetMeasurement('item-1', grid, [a, b], label('brainstem'), labels)).toBeUndefined();
  });

  it('summarises per target over items and lays the section out with its definitions', () => {
    const ctv = label('ctv').value;
    const measurements = [1, 2, 3].flatMap((shift) => {
      const m = targetMeasurement(`item-${shift}`, grid, [square(1, 4, ctv), square(1 + (shift % 2), 4, ctv)], label('ctv'), labels);
      return m ? [m] : [];
    });
    const stats = targetStatistics(measurements, labels);
    expect(stats.map((s) => [s.labelKey, s.volumeRatio.n, s.volumeRatio.mean])).toEqual([['ctv', 3, 1]]);
    const section = targetSection(stats);
    expect(JSON.stringify(section)).toContain('|A₁ ∩ … ∩ Aₙ| / |A₁ ∪ … ∪ Aₙ|');
    expect(section.blocks[1]).toMatchObject({ kind: 'table', rows: [[label('ctv').name, '3', expect.any(String), expect.any(String), expect.any(String), expect.any(String)]] });
  });
});
