import { describe, expect, it } from 'vitest';
import { createMark } from './mark';
import { axial, testContext } from './test-context';

describe('significant-region mark tool', () => {
  it('drags a clipped, inclusive box on the axial view and reports it final on release', () => {
    const ctx = testContext();
    const tool = createMark();
    expect(tool.down(ctx, axial(20, 10, 4))).toEqual({ kind: 'box', box: { min: [20, 10, 4], max: [20, 10, 4] }, final: false });
    expect(tool.move(ctx, axial(40, 2, 4))).toEqual({ kind: 'box', box: { min: [20, 2, 4], max: [31, 10, 4] }, final: false });
    expect(tool.up(ctx, axial(5, 6, 4))).toEqual({ kind: 'box', box: { min: [5, 6, 4], max: [20, 10, 4] }, final: true });
    expect(ctx.map.revision).toBe(0);
  });

  it('on another view it moves the cursor instead; cancel drops a drag', () => {
    const ctx = testContext();
    const tool = createMark();
    expect(tool.down(ctx, { orientation: 'sagittal', u: 2, v: 9, s: 3, shift: false })).toEqual({ kind: 'cursor', voxel: [3, 2, 0] });
    tool.up(ctx, axial(0, 0, 0));
    tool.down(ctx, axial(1, 1, 1));
    tool.cancel(ctx);
    expect(tool.up(ctx, axial(5, 5, 1)).kind).toBe('none');
  });
});
