import { describe, expect, it } from 'vitest';
import { voxelIndex } from '../viewer/geometry';
import { axial, testContext, testDims } from './test-context';
import { createThresholdBrush } from './threshold';

describe('threshold brush', () => {
  it('paints only the voxels whose image value lies in the window', () => {
    const image = new Int16Array(testDims.columns * testDims.rows * testDims.slices).fill(-500);
    // The right half of slice 4 is soft tissue (40 HU).
    for (let y = 0; y < testDims.rows; y++) for (let x = 16; x < testDims.columns; x++) image[voxelIndex(testDims, x, y, 4)] = 40;
    const ctx = testContext({ radiusMm: 6, threshold: { lower: 0, upper: 100 } }, image);
    const tool = createThresholdBrush();
    tool.down(ctx, axial(16, 12, 4));
    expect(tool.up(ctx, axial(16, 12, 4)).kind).toBe('edited');
    expect(ctx.map.data[voxelIndex(testDims, 18, 12, 4)]).toBe(2);
    expect(ctx.map.data[voxelIndex(testDims, 13, 12, 4)]).toBe(0);
  });

  it('does nothing until the image is there (it would paint everything)', () => {
    const ctx = testContext({ radiusMm: 6 }, null);
    const tool = createThresholdBrush();
    expect(tool.down(ctx, axial(16, 12, 4)).kind).toBe('none');
    expect(tool.state).toBe('idle');
    expect(ctx.map.count(2)).toBe(0);
  });
});
