import type { Orientation } from '../viewer/geometry';
import { ellipseStats, segmentLengthMm, type RoiStats } from '../viewer/measure';
import { none, type Tool, type ToolContext, type ToolEffect, type ToolPointer } from './tool';

/** A measurement drawn on one slice of one view (plane pixels), with what it measured. */
export type Measurement =
  | { kind: 'ruler'; orientation: Orientation; s: number; a: [number, number]; b: [number, number]; lengthMm: number }
  | { kind: 'ellipse'; orientation: Orientation; s: number; centre: [number, number]; radii: [number, number]; stats: RoiStats | null };

type MeasureState = { name: 'idle' } | { name: 'dragging'; orientation: Orientation; start: [number, number] };

/**
 * Ruler and ellipse ROI: idle → dragging on down; the drag draws the ruler (from the first point)
 * or the ellipse (its bounding box from the first point); on up the measurement is final. Nothing
 * is painted: the result goes to the viewer, which draws it and shows its numbers.
 */
export function createMeasure(kind: 'ruler' | 'ellipse'): Tool {
  let state: MeasureState = { name: 'idle' };
  const measure = (ctx: ToolContext, p: ToolPointer, start: [number, number], final: boolean): ToolEffect => {
    const end: [number, number] = [p.u, p.v];
    const dims = ctx.map.dims;
    if (kind === 'ruler') {
      return { kind: 'measured', final, measurement: { kind, orientation: p.orientation, s: p.s, a: start, b: end, lengthMm: segmentLengthMm(dims, p.orientation, start, end) } };
    }
    const centre: [number, number] = [(start[0] + end[0]) / 2, (start[1] + end[1]) / 2];
    const radii: [number, number] = [Math.abs(end[0] - start[0]) / 2, Math.abs(end[1] - start[1]) / 2];
    // Statistics once the ellipse is placed: a drag only redraws its outline.
    const stats = final && ctx.image ? ellipseStats(dims, p.orientation, p.s, ctx.image, centre, radii) : null;
    return { kind: 'measured', final, measurement: { kind, orientation: p.orientation, s: p.s, centre, radii, stats } };
  };
  return {
    id: kind,
    name: kind === 'ruler' ? 'Ruler' : 'Ellipse ROI',
    shortcut: kind === 'ruler' ? 'U' : 'O',
    paints: 'nothing',
    uses: [],
    showsBrush: false,
    get state() {
      return state.name;
    },
    down(_ctx, p): ToolEffect {
      state = { name: 'dragging', orientation: p.orientation, start: [p.u, p.v] };
      return none;
    },
    move(ctx, p): ToolEffect {
      if (state.name !== 'dragging' || state.orientation !== p.orientation) return none;
      return measure(ctx, p, state.start, false);
    },
    up(ctx, p): ToolEffect {
      const drag = state;
      state = { name: 'idle' };
      if (drag.name !== 'dragging' || drag.orientation !== p.orientation) return none;
      return measure(ctx, p, drag.start, true);
    },
    key: () => none,
    cancel(): ToolEffect {
      state = { name: 'idle' };
      return none;
    },
  };
}
