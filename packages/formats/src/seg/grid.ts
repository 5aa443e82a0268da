import { DelineateError } from '@delineate/schema';
import type { ReadSegmentation, SegTargetGrid } from './types';

type Vec3 = readonly [number, number, number];

function offGrid(message: string, details?: Record<string, number>): never {
  throw new DelineateError('DLN_SEG_OFF_GRID', message, details);
}

function normalOf(o: SegTargetGrid['orientation']): Vec3 {
  return [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** A tenth of a voxel: closer than that, a frame is on the slice; farther, the file is on another grid. */
function tolerances(grid: SegTargetGrid, normal: Vec3): { inPlane: number; through: number } {
  const [a, b] = grid.positions;
  const between = a && b ? Math.abs(dot([b[0] - a[0], b[1] - a[1], b[2] - a[2]], normal)) : 0;
  const inPlane = 0.1 * Math.min(grid.pixelSpacing[0], grid.pixelSpacing[1]);
  return { inPlane, through: between > 0 ? 0.1 * between : inPlane };
}

function checkPlane(seg: ReadSegmentation, grid: SegTargetGrid): void {
  if (seg.rows !== grid.rows || seg.columns !== grid.columns) offGrid('The segmentation has another in-plane size than the item', { rows: seg.rows, columns: seg.columns });
  if (seg.orientation && seg.orientation.some((v, i) => Math.abs(v - grid.orientation[i]!) > 1e-3)) offGrid('The segmentation is oriented differently from the item');
  if (seg.pixelSpacing && seg.pixelSpacing.some((v, i) => Math.abs(v - grid.pixelSpacing[i]!) > 1e-3 * grid.pixelSpacing[i]!)) {
    offGrid('The segmentation has another pixel spacing than the item');
  }
}

/** Slice index on `grid` of every frame: by its referenced source instance when the grid knows UIDs, else by plane position. */
export function placeFrames(seg: ReadSegmentation, grid: SegTargetGrid): Int32Array {
  checkPlane(seg, grid);
  const normal = normalOf(grid.orientation);
  const tol = tolerances(grid, normal);
  const byUid = new Map<string, number>();
  grid.sopInstanceUids?.forEach((uid, k) => byUid.set(uid, k));
  const onSlice = (p: Vec3, k: number): boolean => {
    const q = grid.positions[k]!;
    const d: Vec3 = [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
    const along = dot(d, normal);
    const inPlane = Math.hypot(d[0] - along * normal[0], d[1] - along * normal[1], d[2] - along * normal[2]);
    return Math.abs(along) <= tol.through && inPlane <= tol.inPlane;
  };
  const slices = new Int32Array(seg.frames.length);
  seg.frames.forEach((frame, f) => {
    let slice = -1;
    for (const uid of frame.referencedSopInstanceUids) slice = byUid.get(uid) ?? slice;
    if (slice >= 0) {
      if (frame.position && !onSlice(frame.position, slice)) offGrid('A frame lies elsewhere than the slice it references', { frame: f });
    } else if (frame.position) {
      for (let k = 0; k < grid.positions.length && slice < 0; k += 1) if (onSlice(frame.position, k)) slice = k;
      if (slice < 0) offGrid('A frame lies on no slice of the item', { frame: f });
    } else {
      offGrid('A frame has neither a known source instance nor a plane position', { frame: f });
    }
    slices[f] = slice;
  });
  return slices;
}

/**
 * Each segment's mask on the grid, x-fastest in slice order: 0/1 for BINARY and LABELMAP, the
 * stored fraction (0..MaximumFractionalValue) for FRACTIONAL. Segments without frames are empty.
 */
export function segmentationOnGrid(seg: ReadSegmentation, grid: SegTargetGrid): Map<number, Uint8Array> {
  const slices = placeFrames(seg, grid);
  const sliceSize = grid.rows * grid.columns;
  const volume = sliceSize * grid.positions.length;
  const masks = new Map<number, Uint8Array>();
  for (const segment of seg.segments) masks.set(segment.number, new Uint8Array(volume));
  seg.frames.forEach((frame, f) => {
    const pixels = seg.framePixels(f);
    const at = slices[f]! * sliceSize;
    if (seg.segmentationType === 'LABELMAP') {
      for (let i = 0; i < sliceSize; i += 1) {
        const value = pixels[i]!;
        if (value !== 0) {
          const mask = masks.get(value) ?? invalidValue(value);
          mask[at + i] = 1;
        }
      }
      return;
    }
    const mask = masks.get(frame.segmentNumber!) ?? invalidValue(frame.segmentNumber!);
    // Two frames of one segment on one slice would be ambiguous; keep the larger value.
    for (let i = 0; i < sliceSize; i += 1) if (pixels[i]! > mask[at + i]!) mask[at + i] = pixels[i]!;
  });
  return masks;
}

function invalidValue(value: number): never {
  throw new DelineateError('DLN_SEG_INVALID', 'A frame refers to a segment the file does not declare', { segment: value });
}

/**
 * One label per voxel (the segment number, 0 for none): BINARY and LABELMAP as stored,
 * FRACTIONAL where the fraction is at least one half. Overlapping segments are refused, since
 * a label volume holds one label per voxel.
 */
export function labelVolumeOnGrid(seg: ReadSegmentation, grid: SegTargetGrid): Uint8Array {
  const masks = segmentationOnGrid(seg, grid);
  const out = new Uint8Array(grid.rows * grid.columns * grid.positions.length);
  const threshold = seg.segmentationType === 'FRACTIONAL' ? seg.maximumFractionalValue / 2 : 1;
  for (const [number, mask] of masks) {
    if (number > 255) throw new DelineateError('DLN_SEG_UNSUPPORTED', 'Segment numbers above 255 do not fit a label volume', { segment: number });
    for (let i = 0; i < mask.length; i += 1) {
      if (mask[i]! >= threshold && mask[i] !== 0) {
        if (out[i] !== 0) throw new DelineateError('DLN_SEG_OVERLAP', 'Segments overlap: a label volume holds one label per voxel', { segment: number });
        out[i] = number;
      }
    }
  }
  return out;
}
