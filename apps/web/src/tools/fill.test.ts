import { describe, expect, it } from 'vitest';
import { createFill } from './fill';
import { createScissors } from './scissors';
import { axial, onSlice, testContext } from './test-context';

describe('paint fill tool', () => {
  it('fills a hole enclosed by a contour on the clicked slice only', () => {
    const ctx = testContext();
    // A 7 × 7 ring of label 2 on slice 3: a 5 × 5 hole inside.
    const rect = createScissors('rect');
    rect.down(ctx, axial(4, 4, 3));
    rect.up(ctx, axial(10, 10, 3));
    rect.down(ctx, axial(5, 5, 3, true));
    rect.up(ctx, axial(9, 9, 3));
    expect(onSlice(ctx, 3, 2)).toBe(49 - 25);
    const fill = createFill();
    expect(fill.down(ctx, axial(7, 7, 3)).kind).toBe('edited');
    expect(onSlice(ctx, 3, 2)).toBe(49);
    expect(onSlice(ctx, 2, 2)).toBe(0);
  });

  it('clicking the label itself changes nothing and leaves no stroke', () => {
    const ctx = testContext();
    ctx.map.begin('seed');
    ctx.map.set(0, 2);
    ctx.map.end();
    ctx.map.begin('x');
    ctx.map.end();
    const fill = createFill();
    expect(fill.down(ctx, axial(0, 0, 0)).kind).toBe('none');
    expect(ctx.map.undoStack).toHaveLength(1);
  });
});
