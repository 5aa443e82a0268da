import { scissorsCircle, scissorsRect } from '../viewer/labelmap';
import { none, oneStroke, type Tool, type ToolEffect, type ToolPointer } from './tool';

type ShapeState = { name: 'idle' } | { name: 'dragging'; orientation: ToolPointer['orientation']; start: [number, number]; erase: boolean };

/**
 * Rectangle and circle scissors: idle → dragging on down; on up the shape between the two points
 * is filled with the label (Shift held at the start: cleared) as one stroke.
 */
export function createScissors(shape: 'rect' | 'circle'): Tool {
  let state: ShapeState = { name: 'idle' };
  return {
    id: shape,
    name: shape === 'rect' ? 'Rectangle scissors' : 'Circle scissors',
    shortcut: shape === 'rect' ? 'R' : 'C',
    paints: 'label-or-background',
    uses: [],
    showsBrush: false,
    get state() {
      return state.name;
    },
    down(_ctx, p): ToolEffect {
      state = { name: 'dragging', orientation: p.orientation, start: [p.u, p.v], erase: p.shift };
      return none;
    },
    move: () => none,
    up(ctx, p): ToolEffect {
      const drag = state;
      state = { name: 'idle' };
      if (drag.name !== 'dragging' || drag.orientation !== p.orientation) return none;
      const value = drag.erase ? 0 : ctx.label;
      if (shape === 'rect') return oneStroke(ctx.map, 'rectangle scissors', () => scissorsRect(ctx.map, p.orientation, drag.start, [p.u, p.v], p.s, value));
      return oneStroke(ctx.map, 'circle scissors', () => scissorsCircle(ctx.map, p.orientation, drag.start, [p.u, p.v], p.s, value));
    },
    key: () => none,
    cancel(): ToolEffect {
      state = { name: 'idle' };
      return none;
    },
  };
}
