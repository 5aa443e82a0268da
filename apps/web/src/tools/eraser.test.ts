import { describe, expect, it } from 'vitest';
import { createBrush } from './brush';
import { createEraser } from './eraser';
import { axial, onSlice, testContext } from './test-context';

describe('eraser tool', () => {
  it('writes background where the brush had painted, as its own stroke', () => {
    const ctx = testContext({ radiusMm: 4 });
    const brush = createBrush();
    brush.down(ctx, axial(10, 10, 2));
    brush.up(ctx, axial(10, 10, 2));
    const painted = onSlice(ctx, 2, 2);
    const eraser = createEraser();
    expect(eraser.paints).toBe('background');
    eraser.down(ctx, axial(10, 10, 2));
    expect(eraser.up(ctx, axial(10, 10, 2)).kind).toBe('edited');
    expect(onSlice(ctx, 2, 2)).toBe(0);
    ctx.map.undo();
    expect(onSlice(ctx, 2, 2)).toBe(painted);
  });

  it('finishes with no stroke when there was nothing to erase', () => {
    const ctx = testContext();
    const eraser = createEraser();
    eraser.down(ctx, axial(5, 5, 0));
    expect(eraser.up(ctx, axial(5, 5, 0)).kind).toBe('none');
    expect(ctx.map.undoStack).toHaveLength(0);
  });
});
