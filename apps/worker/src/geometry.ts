import { DelineateError } from '@delineate/schema';

/** What each slice contributes to a volume's grid. */
export interface SliceGeometry {
  rows: number;
  columns: number;
  /** ImagePositionPatient: centre of the first voxel, mm. */
  position: [number, number, number];
  /** ImageOrientationPatient: row then column direction cosines. */
  orientation: [number, number, number, number, number, number];
  /** PixelSpacing: row spacing (between rows), column spacing (between columns), mm. */
  pixelSpacing: [number, number];
}

export interface VolumeGrid {
  rows: number;
  columns: number;
  slices: number;
  /** mm between columns, rows and slices (x, y, z of the voxel grid). */
  spacing: [number, number, number];
  origin: [number, number, number];
  /** Row direction, column direction, slice normal (row-major 3×3). */
  direction: [number, number, number, number, number, number, number, number, number];
  /** Index of each input slice in grid order (slice 0 first). */
  order: number[];
}

const cross = (a: readonly number[], b: readonly number[]): [number, number, number] => [
  a[1]! * b[2]! - a[2]! * b[1]!,
  a[2]! * b[0]! - a[0]! * b[2]!,
  a[0]! * b[1]! - a[1]! * b[0]!,
];
const dot = (a: readonly number[], b: readonly number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

/**
 * Sorts slices along the normal of their common orientation and checks they form one regular
 * grid (same size, orientation and in-plane spacing; equal steps along the normal within
 * 1% or 0.01 mm). A series that is not one grid cannot take a voxel mask, so it is refused.
 */
export function volumeGrid(slices: readonly SliceGeometry[]): VolumeGrid {
  const first = slices[0];
  if (!first) throw new DelineateError('DLN_DICOM_INVALID', 'A volume needs at least one slice');
  for (const s of slices) {
    if (s.rows !== first.rows || s.columns !== first.columns) throw new DelineateError('DLN_DICOM_INVALID', 'Slices of the series differ in size');
    if (s.orientation.some((v, i) => Math.abs(v - first.orientation[i]!) > 1e-4)) {
      throw new DelineateError('DLN_DICOM_INVALID', 'Slices of the series differ in orientation');
    }
    if (s.pixelSpacing.some((v, i) => Math.abs(v - first.pixelSpacing[i]!) > 1e-6)) {
      throw new DelineateError('DLN_DICOM_INVALID', 'Slices of the series differ in pixel spacing');
    }
  }
  const rowDir = first.orientation.slice(0, 3);
  const colDir = first.orientation.slice(3, 6);
  const normal = cross(rowDir, colDir);
  const order = slices.map((s, i) => ({ i, d: dot(s.position, normal) })).sort((a, b) => a.d - b.d);
  let step = 0;
  if (order.length > 1) {
    step = (order[order.length - 1]!.d - order[0]!.d) / (order.length - 1);
    if (step <= 0) throw new DelineateError('DLN_DICOM_INVALID', 'Slices of the series share a position');
    for (let k = 1; k < order.length; k++) {
      const gap = order[k]!.d - order[k - 1]!.d;
      if (Math.abs(gap - step) > Math.max(0.01, step * 0.01)) throw new DelineateError('DLN_DICOM_INVALID', 'Slices of the series are not evenly spaced');
    }
  }
  const origin = slices[order[0]!.i]!.position;
  return {
    rows: first.rows,
    columns: first.columns,
    slices: slices.length,
    // PixelSpacing is (row spacing, column spacing): x (along a row) steps by the column spacing.
    spacing: [first.pixelSpacing[1], first.pixelSpacing[0], step || 1],
    origin: [origin[0], origin[1], origin[2]],
    direction: [rowDir[0]!, rowDir[1]!, rowDir[2]!, colDir[0]!, colDir[1]!, colDir[2]!, normal[0], normal[1], normal[2]],
    order: order.map((o) => o.i),
  };
}
