import { describe, expect, it } from 'vitest';
import { TileLabelmap } from '../../viewer/tile-labelmap';
import { createSlideTool, type SlideToolContext } from './slide-tools';

function context(): SlideToolContext {
  const map = new TileLabelmap(1024, 1024);
  map.load([], [0, 1, 2, 3]);
  return { map, label: 2, radius: 10, view: { x: 0, y: 0, width: 1024, height: 1024 } };
}

describe('slide tools', () => {
  it('brush: one undoable stroke over a drag, across the tile border', () => {
    const ctx = context();
    const brush = createSlideTool('brush');
    expect(brush.down(ctx, [500, 100], false).kind).toBe('painting');
    brush.move(ctx, [530, 100]);
    const done = brush.up(ctx, [530, 100]);
    expect(done.kind === 'edited' && [...done.stroke.tiles.keys()].sort()).toEqual([0, 1]);
    expect([ctx.map.get(500, 100), ctx.map.get(515, 108), ctx.map.get(530, 100), ctx.map.get(545, 100)]).toEqual([2, 2, 2, 0]);
    expect(ctx.map.undoStack).toHaveLength(1);
  });

  it('rectangle with Shift clears, freehand fills its outline', () => {
    const ctx = context();
    const rect = createSlideTool('rectangle');
    rect.down(ctx, [10, 10], false);
    expect(rect.move(ctx, [20, 20])).toEqual({ kind: 'outline', points: [[10, 10], [20, 10], [20, 20], [10, 20]] });
    rect.up(ctx, [20, 20]);
    expect(ctx.map.count(2)).toBe(100);
    rect.down(ctx, [10, 10], true);
    rect.up(ctx, [15, 20]);
    expect(ctx.map.count(2)).toBe(50);
    const free = createSlideTool('freehand');
    free.down(ctx, [100, 100], false);
    free.move(ctx, [200, 100]);
    free.move(ctx, [200, 200]);
    free.up(ctx, [100, 200]);
    expect(ctx.map.count(2)).toBe(50 + 100 * 100);
  });

  it('polygon: clicks add vertices, a click on the first vertex fills; Escape drops it', () => {
    const ctx = context();
    const polygon = createSlideTool('polygon');
    polygon.down(ctx, [600, 600], false);
    polygon.down(ctx, [700, 600], false);
    polygon.down(ctx, [700, 700], false);
    expect(polygon.down(ctx, [601, 601], false).kind).toBe('edited');
    // Row y keeps the pixels whose centre lies right of the diagonal: 700 − y of them.
    expect(ctx.map.count(2)).toBe((100 * 101) / 2);
    polygon.down(ctx, [10, 10], false);
    polygon.down(ctx, [50, 10], false);
    polygon.cancel(ctx);
    expect(polygon.finish(ctx)).toEqual({ kind: 'outline', points: [] });
  });

  it('fill: the region under the click, inside the view', () => {
    const ctx = context();
    const fill = createSlideTool('fill');
    const done = fill.down(ctx, [5, 5], false);
    expect(done.kind).toBe('edited');
    expect(ctx.map.count(2)).toBe(1024 * 1024);
    const bounded = context();
    bounded.view = { x: 500, y: 500, width: 40, height: 30 };
    fill.down(bounded, [510, 510], false);
    expect(bounded.map.count(2)).toBe(1200);
  });
});
