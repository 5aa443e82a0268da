import { createCrosshair } from './crosshair';
import { none, type Tool, type ToolContext, type ToolEffect, type ToolPointer, type VoxelBox } from './tool';

/** The inclusive voxel box between two axial plane points on slice s, clipped to the grid. */
export function axialBox(ctx: ToolContext, a: [number, number], b: [number, number], s: number): VoxelBox {
  const d = ctx.map.dims;
  const clip = (v: number, n: number) => Math.max(0, Math.min(n - 1, Math.round(v)));
  return {
    min: [clip(Math.min(a[0], b[0]), d.columns), clip(Math.min(a[1], b[1]), d.rows), s],
    max: [clip(Math.max(a[0], b[0]), d.columns), clip(Math.max(a[1], b[1]), d.rows), s],
  };
}

/**
 * Mark a significant region (workflow tasks): a box dragged on the axial view (the workspace's
 * dialog then extends it over slices). On the other views it moves the cursor, as crosshairs.
 */
export function createMark(): Tool {
  let state: { name: 'idle' } | { name: 'dragging'; start: [number, number] } = { name: 'idle' };
  const cross = createCrosshair();
  return {
    id: 'mark',
    name: 'Mark a significant region',
    shortcut: 'M',
    paints: 'nothing',
    uses: [],
    showsBrush: false,
    get state() {
      return state.name;
    },
    down(ctx, p: ToolPointer): ToolEffect {
      if (p.orientation !== 'axial') return cross.down(ctx, p);
      state = { name: 'dragging', start: [p.u, p.v] };
      return { kind: 'box', box: axialBox(ctx, state.start, [p.u, p.v], p.s), final: false };
    },
    move(ctx, p): ToolEffect {
      if (state.name !== 'dragging') return cross.move(ctx, p);
      if (p.orientation !== 'axial') return none;
      return { kind: 'box', box: axialBox(ctx, state.start, [p.u, p.v], p.s), final: false };
    },
    up(ctx, p): ToolEffect {
      const drag = state;
      state = { name: 'idle' };
      cross.up(ctx, p);
      if (drag.name !== 'dragging' || p.orientation !== 'axial') return none;
      return { kind: 'box', box: axialBox(ctx, drag.start, [p.u, p.v], p.s), final: true };
    },
    key: () => none,
    cancel(ctx): ToolEffect {
      state = { name: 'idle' };
      return cross.cancel(ctx);
    },
  };
}
