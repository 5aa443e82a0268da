/** Where a DICOM volume sits in patient space: what ingest records on the series. */
export interface VolumeGeometry {
  /** mm between columns (x), rows (y) and slices (z). */
  readonly spacing: readonly [number, number, number];
  /** ImagePositionPatient of the first voxel of the first slice, LPS mm. */
  readonly origin: readonly [number, number, number];
  /** Row direction, column direction and slice normal, LPS, row-major 3 × 3. */
  readonly direction: readonly number[];
}

/**
 * The NIfTI voxel → RAS-mm affine (row-major 4 × 4) of a DICOM volume whose voxel (i, j, k) is
 * column i, row j of slice k: DICOM's patient space is LPS, NIfTI's is RAS, so x and y change
 * sign. Used as both sform and qform by `encodeNifti`.
 */
export function niftiAffineFromGeometry(geometry: VolumeGeometry): number[] {
  const { spacing, origin, direction } = geometry;
  const flip = [-1, -1, 1];
  const affine = new Array<number>(16).fill(0);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) affine[r * 4 + c] = flip[r]! * (direction[c * 3 + r] ?? 0) * (spacing[c] ?? 1);
    affine[r * 4 + 3] = flip[r]! * (origin[r] ?? 0);
  }
  affine[15] = 1;
  return affine;
}
