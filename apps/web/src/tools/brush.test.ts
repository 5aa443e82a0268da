import { describe, expect, it } from 'vitest';
import { voxelIndex } from '../viewer/geometry';
import { createBrush } from './brush';
import { axial, onSlice, testContext, testDims } from './test-context';

describe('brush tool', () => {
  it('goes idle → painting → idle and leaves one undoable stroke for a drag', () => {
    const ctx = testContext({ radiusMm: 2 });
    const tool = createBrush();
    expect(tool.state).toBe('idle');
    expect(tool.down(ctx, axial(5, 5, 3)).kind).toBe('painting');
    expect(tool.state).toBe('painting');
    expect(tool.move(ctx, axial(20, 5, 3)).kind).toBe('painting');
    const done = tool.up(ctx, axial(20, 5, 3));
    expect(done.kind).toBe('edited');
    expect(tool.state).toBe('idle');
    // The drag left no gap between its ends.
    for (let x = 5; x <= 20; x++) expect(ctx.map.data[voxelIndex(testDims, x, 5, 3)]).toBe(2);
    expect(ctx.map.undoStack).toHaveLength(1);
    ctx.map.undo();
    expect(onSlice(ctx, 3, 2)).toBe(0);
  });

  it('paints a circle of the radius in mm, and with sphere the slices within reach', () => {
    const ctx = testContext({ radiusMm: 3 });
    const tool = createBrush();
    tool.down(ctx, axial(10, 10, 5));
    tool.up(ctx, axial(10, 10, 5));
    expect(onSlice(ctx, 5, 2)).toBe(29);
    expect(onSlice(ctx, 4, 2)).toBe(0);
    const sphere = testContext({ radiusMm: 3, sphere: true });
    tool.down(sphere, axial(10, 10, 5));
    tool.up(sphere, axial(10, 10, 5));
    // Slice spacing 2 mm: slices 4 and 6 lie within 3 mm, slices 3 and 7 do not.
    expect(onSlice(sphere, 4, 2)).toBeGreaterThan(0);
    expect(onSlice(sphere, 6, 2)).toBeGreaterThan(0);
    expect(onSlice(sphere, 3, 2)).toBe(0);
  });

  it('cancel puts back every voxel of the open stroke and leaves nothing to undo', () => {
    const ctx = testContext({ radiusMm: 2 });
    const tool = createBrush();
    tool.down(ctx, axial(8, 8, 2));
    tool.move(ctx, axial(16, 8, 2));
    expect(onSlice(ctx, 2, 2)).toBeGreaterThan(0);
    tool.cancel(ctx);
    expect(onSlice(ctx, 2, 2)).toBe(0);
    expect(tool.state).toBe('idle');
    expect(tool.up(ctx, axial(16, 8, 2)).kind).toBe('none');
    expect(ctx.map.undoStack).toHaveLength(0);
  });

  it('ignores moves over another view than the one the stroke started in', () => {
    const ctx = testContext({ radiusMm: 1 });
    const tool = createBrush();
    tool.down(ctx, axial(3, 3, 1));
    expect(tool.move(ctx, { orientation: 'coronal', u: 3, v: 3, s: 3, shift: false }).kind).toBe('none');
  });
});
