/**
 * A sampling grid: 2D or 3D, x fastest in memory (index = x + nx·(y + ny·z)), the layout of
 * NIfTI and ITK. A 2D grid is stored as 3D with nz = 1 and `ndim` 2, so one code path serves
 * both; algorithms that differ in 2D (surface elements, erosion) read `ndim`.
 */
export interface Grid {
  readonly ndim: 2 | 3;
  /** [nx, ny, nz]; nz is 1 for a 2D grid. */
  readonly dims: readonly [number, number, number];
  /** Millimetres per voxel along x, y, z, rounded to float32 as the NIfTI header stores them. */
  readonly spacing: readonly [number, number, number];
}

export type GridResult = { ok: true; grid: Grid } | { ok: false; reason: string };

/** Builds a grid from 2 or 3 dimensions and spacings; spacing is rounded to float32 (as ITK reads NIfTI). */
export function createGrid(dims: readonly number[], spacing: readonly number[]): GridResult {
  if (dims.length !== 2 && dims.length !== 3) return { ok: false, reason: 'a grid has 2 or 3 dimensions' };
  if (spacing.length !== dims.length) return { ok: false, reason: 'spacing must have one value per dimension' };
  for (const n of dims) if (!Number.isInteger(n) || n < 1) return { ok: false, reason: 'dimensions must be positive integers' };
  for (const s of spacing) if (!(Number.isFinite(s) && s > 0)) return { ok: false, reason: 'spacing must be positive and finite' };
  const f = spacing.map((s) => Math.fround(s));
  const grid: Grid =
    dims.length === 2
      ? { ndim: 2, dims: [dims[0] ?? 1, dims[1] ?? 1, 1], spacing: [f[0] ?? 1, f[1] ?? 1, 1] }
      : { ndim: 3, dims: [dims[0] ?? 1, dims[1] ?? 1, dims[2] ?? 1], spacing: [f[0] ?? 1, f[1] ?? 1, f[2] ?? 1] };
  return { ok: true, grid };
}

/** Like {@link createGrid} but throws on invalid input (for tests and internal callers with checked input). */
export function gridOf(dims: readonly number[], spacing: readonly number[]): Grid {
  const r = createGrid(dims, spacing);
  if (!r.ok) throw new RangeError(r.reason);
  return r.grid;
}

export function voxelCount(grid: Grid): number {
  return grid.dims[0] * grid.dims[1] * grid.dims[2];
}

export function sameGrid(a: Grid, b: Grid): boolean {
  return a.ndim === b.ndim && a.dims.every((n, i) => n === b.dims[i]) && a.spacing.every((s, i) => s === b.spacing[i]);
}

export function sameShape(a: Grid, b: Grid): boolean {
  return a.ndim === b.ndim && a.dims.every((n, i) => n === b.dims[i]);
}

/** Inclusive voxel bounding box. */
export interface Box {
  readonly min: readonly [number, number, number];
  readonly max: readonly [number, number, number];
}
