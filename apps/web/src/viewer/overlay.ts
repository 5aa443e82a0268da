import { planeSize, planeWalk, type Dims, type Orientation } from './geometry';

/** Colours of the correction overlay: 1 added (green), 2 removed (magenta), 3 relabelled (yellow). */
export const correctionColours: Readonly<Record<number, readonly [number, number, number]>> = {
  1: [40, 230, 90],
  2: [245, 50, 200],
  3: [250, 220, 40],
};

/**
 * Blends a correction overlay (a byte per voxel: 1 added, 2 removed, 3 relabelled) onto a rendered
 * plane (RGBA, as renderPlane writes it). Opaque enough to tell apart from the label colours.
 */
export function blendCorrection(dims: Dims, o: Orientation, s: number, overlay: Uint8Array, out: Uint8ClampedArray, alpha = 0.75): void {
  const { width, height } = planeSize(dims, o);
  const { base, stepU, stepV } = planeWalk(dims, o, s);
  const a = Math.round(alpha * 256);
  let k = 0;
  for (let v = 0; v < height; v++) {
    let index = base + v * stepV;
    for (let u = 0; u < width; u++, index += stepU, k += 4) {
      const c = correctionColours[overlay[index]!];
      if (!c) continue;
      out[k] = (out[k]! * (256 - a) + c[0] * a) >> 8;
      out[k + 1] = (out[k + 1]! * (256 - a) + c[1] * a) >> 8;
      out[k + 2] = (out[k + 2]! * (256 - a) + c[2] * a) >> 8;
    }
  }
}

/** An inclusive voxel box drawn on the views (significant-region marks). */
export interface SceneBox {
  min: readonly [number, number, number];
  max: readonly [number, number, number];
  colour: string;
  label?: string;
}

/**
 * Where a voxel box crosses slice s of a view, as a plane rectangle [u0, v0, u1, v1] (inclusive
 * pixels), or null when the slice misses it.
 */
export function boxOnPlane(dims: Dims, o: Orientation, s: number, box: SceneBox): [number, number, number, number] | null {
  const [x0, y0, z0] = box.min;
  const [x1, y1, z1] = box.max;
  const flip = (z: number) => dims.slices - 1 - z;
  switch (o) {
    case 'axial':
      return s >= z0 && s <= z1 ? [x0, y0, x1, y1] : null;
    case 'coronal':
      return s >= y0 && s <= y1 ? [x0, flip(z1), x1, flip(z0)] : null;
    case 'sagittal':
      return s >= x0 && s <= x1 ? [y0, flip(z1), y1, flip(z0)] : null;
  }
}
