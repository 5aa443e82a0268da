/**
 * Surface-element areas of the `surfel` convention, the convention of google-deepmind's
 * surface-distance (Nikolov et al. 2018): every 2×2×2 neighbourhood of voxel-corner lattice
 * point is one of 256 marching-cubes configurations, each with a fixed set of triangles.
 *
 * The triangle normals below are that project's lookup table (surface_distance/lookup_tables.py),
 * re-encoded: each triangle as three digits, the absolute normal components in eighths
 * ("400" = (0.5, 0, 0)). Signs are dropped because only the norm of the spacing-scaled normal
 * is used. The table is symmetric under complement (code c and 255 − c have the same
 * triangles), so only codes 0‥127 are written out; a test checks entries of the upper half.
 *
 * Axis order of the code follows numpy's (z, y, x) for an x-fastest volume: the voxel at
 * offset (dx, dy, dz) ∈ {0,1}³ from corner (i−1, j−1, k−1) sets bit 2^(7 − (4dz + 2dy + dx)).
 */
const LOWER_HALF =
  '000|111|111|220 220|111|202 202|111 111|400 222 111|111|111 111|202 202|400 222 111|220 220|400 222 111|400 222 111|400 400|' +
  '111|022 022|111 111|040 222 111|111 111|004 222 111|111 111 111|111 222 222 111|111 111|022 022 111|202 202 111|111 333 022 202|111 220 220|333 022 111 220|400 111 222 111|400 111 222|' +
  '111|111 111|022 022|040 111 222|111 111|111 202 202|022 022 111|333 022 111 202|111 111|111 111 111|004 222 111|222 222 111 111|111 220 220|400 222 111 111|022 333 111 220|400 222 111|' +
  '220 220|040 222 111|040 111 222|040 040|220 220 111|333 202 111 220|111 040 222 111|040 222 111|111 220 220|040 222 111 111|333 220 111 202|040 222 111|220 220 220 220|220 220 111|111 220 220|220 220|' +
  '111|111 111|111 111|111 220 220|022 022|004 222 111|022 022 111|333 022 111 220|111 111|111 111 111|111 202 202|400 222 111 111|040 222 111|222 222 111 111|202 333 022 111|400 222 111|' +
  '202 202|004 222 111|111 202 202|202 333 220 111|004 222 111|004 004|111 111 222 004|111 222 004|202 202 111|004 222 111 111|202 202 202 202|111 202 202|202 333 220 111|004 222 111|111 202 202|202 202|' +
  '111 111|111 111 111|111 022 022|040 111 222 111|022 022 111|004 222 111 111|022 022 022 022|022 022 111|111 111 111|111 111 111 111|004 222 111 111|111 111 111|040 222 111 111|111 111 111|022 022 111|111 111|' +
  '400 222 111|222 111 222 111|333 022 111 202|040 222 111|333 220 022 111|111 222 004|111 022 022|022 022|400 222 111 111|111 111 111|202 202 111|111 111|220 220 111|111 111|111 111|111';

/** For each code, the triangles as [n0, n1, n2] in numpy axis order (z, y, x), absolute, in units of 1/8. */
function decodeNormals(): ReadonlyArray<ReadonlyArray<readonly [number, number, number]>> {
  const lower = LOWER_HALF.split('|').map((entry) =>
    entry.split(' ').map((t) => [Number(t[0]) / 8, Number(t[1]) / 8, Number(t[2]) / 8] as const),
  );
  if (lower.length !== 128) throw new Error('surfel table must have 128 entries');
  const all = new Array<ReadonlyArray<readonly [number, number, number]>>(256);
  for (let c = 0; c < 128; c++) {
    const e = lower[c] ?? [];
    all[c] = e;
    all[255 - c] = e;
  }
  return all;
}

const NORMALS = decodeNormals();

/** Normals of one code (exposed for the table's own tests). */
export function surfelNormals(code: number): ReadonlyArray<readonly [number, number, number]> {
  return NORMALS[code] ?? [];
}

/**
 * Area in mm² of each of the 256 neighbour codes for voxel spacing [sx, sy, sz]: the sum over
 * the code's triangles of |(n0·s_y·s_x, n1·s_z·s_x, n2·s_z·s_y)| with (n0, n1, n2) along (z, y, x).
 */
export function surfelAreaTable(spacing: readonly [number, number, number]): Float64Array {
  const [sx, sy, sz] = spacing;
  const table = new Float64Array(256);
  for (let code = 0; code < 256; code++) {
    let sum = 0;
    for (const [n0, n1, n2] of NORMALS[code] ?? []) {
      const a = n0 * sy * sx, b = n1 * sz * sx, c = n2 * sz * sy;
      sum += Math.sqrt(a * a + b * b + c * c);
    }
    table[code] = sum;
  }
  table[0] = 0;
  table[255] = 0;
  return table;
}

/**
 * Contour length in mm of each of the 16 codes of a 2×2 neighbourhood (2D surfel convention):
 * bits 8, 4, 2, 1 are the voxels top-left (y−1, x−1), top-right (y−1, x), bottom-left (y, x−1),
 * bottom-right (y, x), y being numpy's axis 0 ("vertical").
 */
export function contourLengthTable(spacing: readonly [number, number, number]): Float64Array {
  const [sx, sy] = spacing;
  const vertical = sy, horizontal = sx;
  const diag = 0.5 * Math.sqrt(sy * sy + sx * sx);
  const t = new Float64Array(16);
  for (const c of [1, 2, 4, 7, 8, 11, 13, 14]) t[c] = diag;
  t[3] = horizontal;
  t[12] = horizontal;
  t[5] = vertical;
  t[10] = vertical;
  t[6] = 2 * diag;
  t[9] = 2 * diag;
  return t;
}
