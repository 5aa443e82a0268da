import { describe, expect, it } from 'vitest';
import { createCrosshair } from './crosshair';
import { axial, testContext } from './test-context';

describe('crosshair tool', () => {
  it('moves the cursor while pressed and paints nothing', () => {
    const ctx = testContext();
    const tool = createCrosshair();
    expect(tool.move(ctx, axial(1, 1, 0))).toEqual({ kind: 'none' });
    expect(tool.down(ctx, axial(3.4, 4.6, 2))).toEqual({ kind: 'cursor', voxel: [3, 5, 2] });
    expect(tool.move(ctx, { orientation: 'coronal', u: 7, v: 0, s: 6, shift: false })).toEqual({ kind: 'cursor', voxel: [7, 6, 9] });
    // The release says where the press ended (a prompt placed by dragging is taken there).
    expect(tool.up(ctx, axial(2, 1, 0))).toEqual({ kind: 'cursor', voxel: [2, 1, 0], released: true });
    expect(tool.up(ctx, axial(2, 1, 0))).toEqual({ kind: 'none' });
    expect(tool.move(ctx, axial(9, 9, 0)).kind).toBe('none');
    expect(ctx.map.revision).toBe(0);
  });

  it('outside the grid the cursor stays', () => {
    expect(createCrosshair().down(testContext(), axial(-3, 2, 0)).kind).toBe('none');
  });
});
