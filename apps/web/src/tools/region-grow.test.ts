import { describe, expect, it } from 'vitest';
import { voxelIndex } from '../viewer/geometry';
import { createRegionGrowing } from './region-grow';
import { axial, onSlice, testContext, testDims } from './test-context';

/** Slice 5 holds a 6 × 4 block of 60 next to a 3 × 3 block of 300; everything else is -1000. */
function phantom(): Int16Array {
  const image = new Int16Array(testDims.columns * testDims.rows * testDims.slices).fill(-1000);
  for (let y = 4; y < 8; y++) for (let x = 4; x < 10; x++) image[voxelIndex(testDims, x, y, 5)] = 60;
  for (let y = 4; y < 7; y++) for (let x = 10; x < 13; x++) image[voxelIndex(testDims, x, y, 5)] = 300;
  return image;
}

describe('region growing tool', () => {
  it('grows over the connected pixels within the tolerance of the seed, on that slice', () => {
    const ctx = testContext({ tolerance: 50 }, phantom());
    const tool = createRegionGrowing();
    expect(tool.down(ctx, axial(5, 5, 5)).kind).toBe('edited');
    expect(onSlice(ctx, 5, 2)).toBe(24);
    expect(ctx.map.data[voxelIndex(testDims, 11, 5, 5)]).toBe(0);
    expect(onSlice(ctx, 4, 2)).toBe(0);
  });

  it('a wider tolerance reaches the brighter block; another label stops it', () => {
    const wide = testContext({ tolerance: 300 }, phantom());
    createRegionGrowing().down(wide, axial(5, 5, 5));
    expect(onSlice(wide, 5, 2)).toBe(24 + 9);
    const guarded = testContext({ tolerance: 300 }, phantom());
    guarded.map.begin('other');
    for (let y = 0; y < testDims.rows; y++) guarded.map.set(voxelIndex(testDims, 9, y, 5), 1);
    guarded.map.end();
    createRegionGrowing().down(guarded, axial(5, 5, 5));
    expect(onSlice(guarded, 5, 2)).toBe(20);
  });

  it('says in words that it needs the image when there is none yet', () => {
    const ctx = testContext({}, null);
    expect(createRegionGrowing().down(ctx, axial(5, 5, 5))).toEqual({ kind: 'notice', text: expect.stringMatching(/needs the image/) });
  });
});
