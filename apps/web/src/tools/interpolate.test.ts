import { describe, expect, it } from 'vitest';
import { createBrush } from './brush';
import { createInterpolation } from './interpolate';
import { axial, onSlice, testContext } from './test-context';

describe('slice interpolation tool', () => {
  it('its key fills the slices between two drawn slices as one undoable stroke', () => {
    const ctx = testContext({ radiusMm: 4 });
    const brush = createBrush();
    for (const z of [2, 7]) {
      brush.down(ctx, axial(12, 12, z));
      brush.up(ctx, axial(12, 12, z));
    }
    const tool = createInterpolation();
    expect(tool.down(ctx, axial(1, 1, 1)).kind).toBe('none');
    const effect = tool.key(ctx, 'i');
    expect(effect).toMatchObject({ kind: 'edited', notice: 'Interpolated 4 slices' });
    for (const z of [3, 4, 5, 6]) expect(onSlice(ctx, z, 2)).toBeGreaterThan(20);
    ctx.map.undo();
    expect(onSlice(ctx, 4, 2)).toBe(0);
  });

  it('says what to do first when there is nothing to interpolate', () => {
    const ctx = testContext();
    expect(createInterpolation().key(ctx, 'I')).toEqual({ kind: 'notice', text: expect.stringMatching(/at least two slices/) });
    expect(createInterpolation().key(ctx, 'x').kind).toBe('none');
  });
});
