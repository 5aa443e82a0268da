import { describe, expect, it } from 'vitest';
import { gridOf } from '@delineate/core';
import { enhancedMrPhantomValue, generateCtPhantom, generateEnhancedMrPhantom } from '@delineate/formats';
import type { ManifestItem } from '@delineate/schema';
import { itemImage } from './item-image';

const itemOn = (modality: ManifestItem['modality'], dims: [number, number, number], spacing: [number, number, number], origin: readonly number[], direction: number[]) =>
  ({ modality, geometry: { dims, spacing, origin: [...origin], direction } }) as unknown as ManifestItem;

describe('itemImage', () => {
  it('places enhanced MR frames by their plane position, not their frame order', () => {
    const frameSlices = [2, 0, 3, 1];
    const mr = generateEnhancedMrPhantom({ frames: 4, rows: 16, columns: 20, frameSlices });
    const [rx, ry, rz, cx, cy, cz] = mr.orientation;
    const normal = [ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx];
    const item = itemOn('MR', [20, 16, 4], [...mr.spacing] as [number, number, number], mr.origin, [rx, ry, rz, cx, cy, cz, ...normal]);
    const image = itemImage(item, gridOf([20, 16, 4], mr.spacing), [mr.bytes]);
    expect(image.channel).toBe('MR');
    expect(image.data).toBeInstanceOf(Float32Array);
    for (const [c, r, z] of [[0, 0, 0], [3, 5, 1], [19, 15, 2], [7, 2, 3]] as const) expect(image.data[c + 20 * (r + 16 * z)]).toBe(enhancedMrPhantomValue(c, r, z));
  });

  it('gives CT as int16 HU with slices placed by position whatever the file order', () => {
    const ct = generateCtPhantom({ slices: 4, rows: 16, columns: 16, noiseSigmaHu: 0 });
    const item = itemOn('CT', [16, 16, 4], [ct.spacing[0], ct.spacing[1], ct.spacing[2]], ct.origin, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const image = itemImage(item, gridOf([16, 16, 4], ct.spacing), [...ct.slices].reverse().map((s) => s.bytes));
    expect(image).toMatchObject({ channel: 'CT' });
    expect(image.data).toBeInstanceOf(Int16Array);
    const liver = [...ct.labels.keys()].filter((i) => ct.labels[i] === 1);
    expect(liver.length).toBeGreaterThan(0);
    for (const i of liver) expect(image.data[i]).toBe(60);
    expect(Math.min(...image.data)).toBe(-1000);
  });

  it('refuses instances that leave a slice of the grid empty', () => {
    const ct = generateCtPhantom({ slices: 4, rows: 16, columns: 16 });
    const item = itemOn('CT', [16, 16, 4], [ct.spacing[0], ct.spacing[1], ct.spacing[2]], ct.origin, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(() => itemImage(item, gridOf([16, 16, 4], ct.spacing), ct.slices.slice(1).map((s) => s.bytes))).toThrow(/do not cover every slice/);
  });
});
