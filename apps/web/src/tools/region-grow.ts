import { planeIndices, planeSize, type Orientation } from '../viewer/geometry';
import type { Labelmap } from '../viewer/labelmap';
import { none, oneStroke, type Tool } from './tool';

/**
 * Region growing on one slice: from the clicked pixel, the 4-connected pixels whose image value
 * lies within `tolerance` of the seed's become the label. Pixels of another label are left alone
 * (growing must not eat a neighbouring structure). Returns the pixels labelled.
 */
export function growRegion(map: Labelmap, image: Int16Array, o: Orientation, u: number, v: number, s: number, value: number, tolerance: number): number {
  const p = planeSize(map.dims, o);
  const x0 = Math.round(u);
  const y0 = Math.round(v);
  if (x0 < 0 || y0 < 0 || x0 >= p.width || y0 >= p.height) return 0;
  const indices = planeIndices(map.dims, o, s);
  const seed = x0 + y0 * p.width;
  const centre = image[indices[seed]!]!;
  const accepts = (k: number): boolean => {
    const index = indices[k]!;
    const label = map.data[index]!;
    return (label === 0 || label === value) && Math.abs(image[index]! - centre) <= tolerance;
  };
  if (!accepts(seed)) return 0;
  const seen = new Uint8Array(p.width * p.height);
  const stack = [seed];
  seen[seed] = 1;
  let grown = 0;
  while (stack.length) {
    const k = stack.pop()!;
    map.set(indices[k]!, value);
    grown++;
    const x = k % p.width;
    const y = (k - x) / p.width;
    for (const n of [x > 0 ? k - 1 : -1, x < p.width - 1 ? k + 1 : -1, y > 0 ? k - p.width : -1, y < p.height - 1 ? k + p.width : -1]) {
      if (n < 0 || seen[n]) continue;
      seen[n] = 1;
      if (accepts(n)) stack.push(n);
    }
  }
  return grown;
}

/** Region growing: a click grows the label from that pixel over similar image values on the slice. */
export function createRegionGrowing(): Tool {
  return {
    id: 'region',
    name: 'Region growing',
    shortcut: 'G',
    paints: 'label',
    uses: ['tolerance'],
    showsBrush: false,
    state: 'idle',
    down(ctx, p) {
      const image = ctx.image;
      if (!image) return { kind: 'notice', text: 'Region growing needs the image: wait until it has loaded' };
      return oneStroke(ctx.map, 'region growing', () => growRegion(ctx.map, image, p.orientation, p.u, p.v, p.s, ctx.label, ctx.options.tolerance));
    },
    move: () => none,
    up: () => none,
    key: () => none,
    cancel: () => none,
  };
}
