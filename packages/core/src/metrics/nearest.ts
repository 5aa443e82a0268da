/**
 * Exact nearest-feature search for a sparse set of query points (surface elements), the fast
 * path of the surface metrics. Features are lattice indices in ascending order, indexed per row
 * as compressed rows; a query scans outward in z and y, takes the nearest feature of each row by
 * binary search, and stops as soon as the separation alone exceeds the best squared distance. This is the separable EDT restricted
 * to the points that are read, and exact in float64: d² = (dx·sx)² + (dy·sy)² + (dz·sz)².
 *
 * It costs about (distance in voxels)² row lookups per query, so surfaces far apart exhaust the
 * probe budget and the caller falls back to the full transform ({@link squaredDistanceField}).
 */
export function squaredDistancesAt(
  features: Int32Array,
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
  queries: Int32Array,
  out: Float64Array,
  probeBudget: number,
): boolean {
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = spacing;
  const rows = ny * nz;
  // Feature x positions per row (compressed rows); features are lattice indices, ascending.
  const rowStart = new Int32Array(rows + 1);
  const total = features.length;
  const xs = new Int32Array(total);
  for (let k = 0; k < total; k++) {
    const p = features[k] as number;
    const r = Math.floor(p / nx);
    rowStart[r + 1] = (rowStart[r + 1] as number) + 1;
    xs[k] = p - r * nx;
  }
  for (let r = 0; r < rows; r++) rowStart[r + 1] = (rowStart[r + 1] as number) + (rowStart[r] as number);
  let probes = total >> 3;
  // Per row, where its last search ended.
  const cursor = rowStart.slice(0, rows);
  const plane = nx * ny;

  let px = 0, py = 0, pz = 0, prev = Infinity;
  for (let qi = 0; qi < queries.length; qi++) {
    const q = queries[qi] as number;
    const z = Math.floor(q / plane);
    const rem = q - z * plane;
    const y = Math.floor(rem / nx);
    const x = rem - y * nx;
    // Upper bound from the previous query (triangle inequality), slightly widened; if nothing
    // beats it, search again unbounded so the result is always a distance actually found.
    const step = Math.sqrt(((x - px) * sx) ** 2 + ((y - py) * sy) ** 2 + ((z - pz) * sz) ** 2);
    const bound = prev === Infinity ? Infinity : (Math.sqrt(prev) + step) ** 2 * (1 + 1e-9);
    let best = search(x, y, z, bound);
    if (best >= bound) best = search(x, y, z, Infinity);
    out[qi] = best;
    px = x; py = y; pz = z; prev = best;
    if (probes > probeBudget) return false;
  }
  return true;

  function search(x: number, y: number, z: number, start: number): number {
    let best = start;
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
            const first = rowStart[r] as number;
            const end = rowStart[r + 1] as number;
            if (first === end) continue;
            // First feature at or after x; the nearest is it or the one before. Queries come in
            // ascending order, so it is found by stepping from where this row's last search
            // ended (a few steps), or by binary search when that is far.
            let lo = cursor[r] as number;
            if (lo > first && (xs[lo - 1] as number) >= x) {
              let a = first, b = lo - 1;
              if (lo - 2 < first || (xs[lo - 2] as number) < x) lo = lo - 1;
              else {
                while (a < b) {
                  const mid = (a + b) >> 1;
                  if ((xs[mid] as number) < x) a = mid + 1;
                  else b = mid;
                }
                lo = a;
              }
            } else {
              let steps = 0;
              while (lo < end && (xs[lo] as number) < x && steps < 4) {
                lo++;
                steps++;
              }
              if (lo < end && (xs[lo] as number) < x) {
                let a = lo, b = end;
                while (a < b) {
                  const mid = (a + b) >> 1;
                  if ((xs[mid] as number) < x) a = mid + 1;
                  else b = mid;
                }
                lo = a;
              }
            }
            cursor[r] = lo;
            let d = Infinity;
            if (lo < end) d = (xs[lo] as number) - x;
            if (lo > first) d = Math.min(d, x - (xs[lo - 1] as number));
            const v = b + d * sx * (d * sx);
            if (v < best) best = v;
          }
        }
      }
    }
    return best;
  }
}
