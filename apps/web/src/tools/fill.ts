import { planeIndex, planeSize } from '../viewer/geometry';
import { fill } from '../viewer/labelmap';
import { none, oneStroke, type Tool } from './tool';

/**
 * Paint fill: a click fills the 4-connected region of the clicked label on that slice, limited to
 * pixels whose image value lies in the intensity range (the tool bar's range, shared with the
 * threshold brush), so a click on the background does not flood the air around the body.
 */
export function createFill(): Tool {
  return {
    id: 'fill',
    name: 'Paint fill',
    shortcut: 'F',
    paints: 'label',
    uses: ['threshold'],
    showsBrush: false,
    state: 'idle',
    down(ctx, p) {
      const image = ctx.image;
      if (!image) return { kind: 'notice', text: 'Paint fill needs the image: wait until it has loaded' };
      const plane = planeSize(ctx.map.dims, p.orientation);
      const u = Math.round(p.u);
      const v = Math.round(p.v);
      if (u < 0 || v < 0 || u >= plane.width || v >= plane.height) return none;
      const { lower, upper } = ctx.options.threshold;
      const effect = oneStroke(ctx.map, 'fill', () => fill(ctx.map, p.orientation, u, v, p.s, ctx.label, { lower, upper, image }));
      const clicked = image[planeIndex(ctx.map.dims, p.orientation, u, v, p.s)]!;
      if (effect.kind === 'none' && (clicked < lower || clicked > upper)) {
        return { kind: 'notice', text: `The clicked pixel (${clicked}) is outside the intensity range ${lower} to ${upper}: nothing was filled` };
      }
      return effect;
    },
    move: () => none,
    up: () => none,
    key: () => none,
    cancel: () => none,
  };
}
