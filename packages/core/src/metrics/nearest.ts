/**
 * Exact nearest-feature search for a sparse set of query points (surface elements), the fast
 * path of the surface metrics. Per row, the distance along x to the nearest feature is computed
 * once (lazily, as an integer); a query then scans outward in z and y, stopping as soon as the
 * separation alone exceeds the best squared distance found. This is the separable EDT restricted
 * to the points that are read, and exact in float64: d² = (dx·sx)² + (dy·sy)² + (dz·sz)².
 *
 * It costs about (distance in voxels)² row lookups per query, so surfaces far apart exhaust the
 * probe budget and the caller falls back to the full transform ({@link squaredDistanceField}).
 */
const NONE = 0xffff;

export function squaredDistancesAt(
  features: Uint8Array,
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
  queries: Int32Array,
  out: Float64Array,
  probeBudget: number,
): boolean {
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = spacing;
  const rowDist = new Uint16Array(nx * ny * nz);
  const rowState = new Uint8Array(ny * nz); // 0 unknown, 1 has features, 2 empty
  const sx2 = new Float64Array(Math.min(nx, NONE));
  for (let d = 0; d < sx2.length; d++) sx2[d] = (d * sx) * (d * sx);
  let probes = 0;
  const plane = nx * ny;

  const ensureRow = (r: number): number => {
    const state = rowState[r] ?? 0;
    if (state !== 0) return state;
    const base = r * nx;
    let last = -1;
    for (let x = 0; x < nx; x++) {
      if (features[base + x]) last = x;
      rowDist[base + x] = last < 0 ? NONE : Math.min(x - last, NONE - 1);
    }
    if (last < 0) {
      rowState[r] = 2;
      return 2;
    }
    last = -1;
    for (let x = nx - 1; x >= 0; x--) {
      if (features[base + x]) last = x;
      if (last >= 0) {
        const d = last - x;
        if (d < (rowDist[base + x] ?? NONE)) rowDist[base + x] = Math.min(d, NONE - 1);
      }
    }
    rowState[r] = 1;
    probes += nx >> 3;
    return 1;
  };

  for (let qi = 0; qi < queries.length; qi++) {
    const q = queries[qi] ?? 0;
    const z = Math.floor(q / plane);
    const rem = q - z * plane;
    const y = Math.floor(rem / nx);
    const x = rem - y * nx;
    let best = Infinity;
    for (let dz = 0; ; dz++) {
      const bz = dz * sz * (dz * sz);
      if (bz >= best || (z - dz < 0 && z + dz >= nz)) break;
      for (let side = 0; side < (dz === 0 ? 1 : 2); side++) {
        const zz = side === 0 ? z - dz : z + dz;
        if (zz < 0 || zz >= nz) continue;
        for (let dy = 0; ; dy++) {
          const b = bz + dy * sy * (dy * sy);
          if (b >= best || (y - dy < 0 && y + dy >= ny)) break;
          for (let s2 = 0; s2 < (dy === 0 ? 1 : 2); s2++) {
            const yy = s2 === 0 ? y - dy : y + dy;
            if (yy < 0 || yy >= ny) continue;
            const r = zz * ny + yy;
            probes++;
            if (ensureRow(r) === 2) continue;
            const d = rowDist[r * nx + x] ?? NONE;
            if (d === NONE) continue;
            const v = b + (sx2[d] ?? d * sx * (d * sx));
            if (v < best) best = v;
          }
        }
      }
    }
    out[qi] = best;
    if (probes > probeBudget) return false;
  }
  return true;
}
