import { toVoxel } from '../viewer/geometry';
import type { ToolContext, ToolPointer } from './tool';
import { none, type Tool, type ToolEffect } from './tool';

/** The voxel under a pointer, or null outside the grid. */
export function voxelUnder(ctx: ToolContext, p: ToolPointer): [number, number, number] | null {
  const d = ctx.map.dims;
  const [x, y, z] = toVoxel(d, p.orientation, Math.round(p.u), Math.round(p.v), p.s);
  if (x < 0 || y < 0 || z < 0 || x >= d.columns || y >= d.rows || z >= d.slices) return null;
  return [x, y, z];
}

/** Crosshairs: pressing (and dragging) moves the cursor, hence every view's slice; paints nothing. */
export function createCrosshair(): Tool {
  let state: 'idle' | 'moving' = 'idle';
  const at = (ctx: ToolContext, p: ToolPointer): ToolEffect => {
    const voxel = voxelUnder(ctx, p);
    return voxel ? { kind: 'cursor', voxel } : none;
  };
  return {
    id: 'crosshair',
    name: 'Crosshairs',
    shortcut: 'X',
    paints: 'nothing',
    uses: [],
    showsBrush: false,
    get state() {
      return state;
    },
    down(ctx, p) {
      state = 'moving';
      return at(ctx, p);
    },
    move(ctx, p) {
      return state === 'moving' ? at(ctx, p) : none;
    },
    up(ctx, p) {
      if (state !== 'moving') return none;
      state = 'idle';
      // Where the press ended: a prompt placed by dragging is taken on release.
      const voxel = voxelUnder(ctx, p);
      return voxel ? { kind: 'cursor', voxel, released: true } : none;
    },
    key: () => none,
    cancel() {
      state = 'idle';
      return none;
    },
  };
}
