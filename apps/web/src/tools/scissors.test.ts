import { describe, expect, it } from 'vitest';
import { createScissors } from './scissors';
import { axial, onSlice, testContext } from './test-context';

describe('scissors tools', () => {
  it('rectangle: fills the box between press and release as one stroke, Shift clears it', () => {
    const ctx = testContext();
    const rect = createScissors('rect');
    expect(rect.down(ctx, axial(2, 3, 1)).kind).toBe('none');
    expect(rect.state).toBe('dragging');
    expect(rect.up(ctx, axial(6, 5, 1)).kind).toBe('edited');
    expect(onSlice(ctx, 1, 2)).toBe(5 * 3);
    rect.down(ctx, axial(2, 3, 1, true));
    rect.up(ctx, axial(3, 3, 1));
    expect(onSlice(ctx, 1, 2)).toBe(5 * 3 - 2);
  });

  it('circle: fills the circle through the release point', () => {
    const ctx = testContext();
    const circle = createScissors('circle');
    circle.down(ctx, axial(10, 10, 0));
    circle.up(ctx, axial(13, 10, 0));
    expect(onSlice(ctx, 0, 2)).toBe(29);
  });

  it('cancel drops the drag: the release paints nothing', () => {
    const ctx = testContext();
    const rect = createScissors('rect');
    rect.down(ctx, axial(2, 3, 1));
    rect.cancel(ctx);
    expect(rect.up(ctx, axial(6, 5, 1)).kind).toBe('none');
    expect(ctx.map.count(2)).toBe(0);
  });
});
