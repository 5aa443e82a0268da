import { planeIndex, planeSize, type Dims, type Orientation } from './geometry';

/**
 * Measurements on the image, in mm from the grid's spacing: a ruler's length, an ellipse ROI's
 * statistics, each label's volume. Pure functions over the volumes, so the numbers shown are
 * tested without a page.
 */

/** The length in mm of the segment between plane points a and b of a view. */
export function segmentLengthMm(dims: Dims, o: Orientation, a: readonly [number, number], b: readonly [number, number]): number {
  const p = planeSize(dims, o);
  return Math.hypot((b[0] - a[0]) * p.du, (b[1] - a[1]) * p.dv);
}

export interface RoiStats {
  /** Pixels whose centre lies inside the ellipse. */
  pixels: number;
  areaMm2: number;
  mean: number;
  /** Population standard deviation (as OHIF and Slicer report an ROI's). */
  sd: number;
  min: number;
  max: number;
}

/**
 * Statistics of the image values inside the axis-aligned ellipse with centre `c` and radii `r`
 * (plane pixels) on slice `s` of a view; null when no pixel centre lies inside it.
 */
export function ellipseStats(dims: Dims, o: Orientation, s: number, image: Int16Array, c: readonly [number, number], r: readonly [number, number]): RoiStats | null {
  const p = planeSize(dims, o);
  const ru = Math.abs(r[0]);
  const rv = Math.abs(r[1]);
  if (ru === 0 || rv === 0) return null;
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let min = Infinity;
  let max = -Infinity;
  const v0 = Math.max(0, Math.ceil(c[1] - rv));
  const v1 = Math.min(p.height - 1, Math.floor(c[1] + rv));
  const u0 = Math.max(0, Math.ceil(c[0] - ru));
  const u1 = Math.min(p.width - 1, Math.floor(c[0] + ru));
  for (let v = v0; v <= v1; v++) {
    for (let u = u0; u <= u1; u++) {
      const du = (u - c[0]) / ru;
      const dv = (v - c[1]) / rv;
      if (du * du + dv * dv > 1) continue;
      const x = image[planeIndex(dims, o, u, v, s)]!;
      n++;
      sum += x;
      sumSq += x * x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  if (n === 0) return null;
  const mean = sum / n;
  return { pixels: n, areaMm2: n * p.du * p.dv, mean, sd: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), min, max };
}

export interface LabelVolume {
  voxels: number;
  /** Millilitres: voxels × the voxel's volume in mm³ / 1000. */
  ml: number;
}

/** Every label value's voxel count and volume, in one pass over the label volume. */
export function labelVolumes(labels: Uint8Array, spacing: readonly [number, number, number]): Map<number, LabelVolume> {
  const counts = new Float64Array(256);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  const voxelMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;
  const out = new Map<number, LabelVolume>();
  for (let value = 1; value < 256; value++) if (counts[value]) out.set(value, { voxels: counts[value]!, ml: counts[value]! * voxelMl });
  return out;
}

/** What the tool bar shows for a brush of radius r: its diameter, the width it paints. */
export const brushDiameterMm = (radiusMm: number): number => 2 * radiusMm;
/** The radius a diameter typed or slid on the tool bar stands for. */
export const brushRadiusMm = (diameterMm: number): number => diameterMm / 2;
