import { fill } from '../viewer/labelmap';
import { none, oneStroke, type Tool } from './tool';

/** Paint fill: a click fills the 4-connected region of the clicked label on that slice. */
export function createFill(): Tool {
  return {
    id: 'fill',
    name: 'Paint fill',
    shortcut: 'F',
    paints: 'label',
    uses: [],
    showsBrush: false,
    state: 'idle',
    down: (ctx, p) => oneStroke(ctx.map, 'fill', () => fill(ctx.map, p.orientation, p.u, p.v, p.s, ctx.label)),
    move: () => none,
    up: () => none,
    key: () => none,
    cancel: () => none,
  };
}
