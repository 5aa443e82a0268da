/**
 * Voxel grids and the three orthogonal planes. Volumes are x-fastest, then y, then z (slice),
 * as the server's HU slabs and the platform's masks. A view of orientation `o` shows plane
 * coordinates (u, v) at slice `s`; v runs downwards on screen, so sagittal and coronal views put
 * the highest slice (towards the head) at the top.
 */
export type Orientation = 'axial' | 'coronal' | 'sagittal';

export interface Dims {
  columns: number;
  rows: number;
  slices: number;
  /** mm between columns, rows, slices. */
  spacing: readonly [number, number, number];
}

export interface PlaneSize {
  width: number;
  height: number;
  /** mm per plane pixel along u and v. */
  du: number;
  dv: number;
}

export function planeSize(d: Dims, o: Orientation): PlaneSize {
  const [sx, sy, sz] = d.spacing;
  switch (o) {
    case 'axial':
      return { width: d.columns, height: d.rows, du: sx, dv: sy };
    case 'coronal':
      return { width: d.columns, height: d.slices, du: sx, dv: sz };
    case 'sagittal':
      return { width: d.rows, height: d.slices, du: sy, dv: sz };
  }
}

export function sliceCount(d: Dims, o: Orientation): number {
  return o === 'axial' ? d.slices : o === 'coronal' ? d.rows : d.columns;
}

/** mm between slices of a view. */
export function sliceSpacing(d: Dims, o: Orientation): number {
  return o === 'axial' ? d.spacing[2] : o === 'coronal' ? d.spacing[1] : d.spacing[0];
}

/** Voxel (x, y, z) of plane pixel (u, v) on slice s. */
export function toVoxel(d: Dims, o: Orientation, u: number, v: number, s: number): [number, number, number] {
  switch (o) {
    case 'axial':
      return [u, v, s];
    case 'coronal':
      return [u, s, d.slices - 1 - v];
    case 'sagittal':
      return [s, u, d.slices - 1 - v];
  }
}

/** Plane pixel and slice of voxel (x, y, z) in a view. */
export function fromVoxel(d: Dims, o: Orientation, x: number, y: number, z: number): { u: number; v: number; s: number } {
  switch (o) {
    case 'axial':
      return { u: x, v: y, s: z };
    case 'coronal':
      return { u: x, v: d.slices - 1 - z, s: y };
    case 'sagittal':
      return { u: y, v: d.slices - 1 - z, s: x };
  }
}

export function voxelIndex(d: Dims, x: number, y: number, z: number): number {
  return x + d.columns * (y + d.rows * z);
}

export function planeIndex(d: Dims, o: Orientation, u: number, v: number, s: number): number {
  const [x, y, z] = toVoxel(d, o, u, v, s);
  return voxelIndex(d, x, y, z);
}

/**
 * The voxel index of plane pixel (u, v) on slice `s` is `base + u * stepU + v * stepV`: the same
 * mapping as {@link planeIndex}, in the form the per-pixel loops of the renderer walk.
 */
export function planeWalk(d: Dims, o: Orientation, s: number): { base: number; stepU: number; stepV: number } {
  const plane = d.columns * d.rows;
  switch (o) {
    case 'axial':
      return { base: s * plane, stepU: 1, stepV: d.columns };
    case 'coronal':
      return { base: s * d.columns + (d.slices - 1) * plane, stepU: 1, stepV: -plane };
    case 'sagittal':
      return { base: s + (d.slices - 1) * plane, stepU: d.columns, stepV: -plane };
  }
}

/** The voxel index of every plane pixel of slice `s`, row by row (for rendering and 2D tools). */
export function planeIndices(d: Dims, o: Orientation, s: number): Uint32Array {
  const { width, height } = planeSize(d, o);
  const out = new Uint32Array(width * height);
  let k = 0;
  for (let v = 0; v < height; v++) for (let u = 0; u < width; u++) out[k++] = planeIndex(d, o, u, v, s);
  return out;
}
