import type { Box } from '../mask/grid';
import { type LabelRuns, cropRunPair } from '../mask/runs';
import { type Surface, type SurfaceConvention, pairSurfaces } from './surface';
import { surfelAreaTable } from './surfel-areas';

/**
 * Both surfaces of one label of a pair of run images, on the lattice of the label's union box
 * `box` (image coordinates, e.g. from scanRunPair): the same points and weights, in the same
 * order, as {@link pairSurfaces} on the pair's crop (cropRunPair with a one-voxel margin). In 3D
 * the `surfel` surfaces come straight from the runs, without a crop: along a lattice row the
 * neighbour code only changes where a run of the four voxel rows around it starts or ends.
 */
export function runPairSurfaces(
  reference: LabelRuns,
  test: LabelRuns,
  label: number,
  box: Box,
  convention: SurfaceConvention,
): { reference: Surface; test: Surface } | null {
  if (convention !== 'surfel' || reference.grid.ndim !== 3) {
    const crop = cropRunPair(reference, test, label, 1, box);
    return pairSurfaces(crop.reference, crop.test, convention, crop.box);
  }
  const area = surfelAreaTable(reference.grid.spacing);
  return { reference: surfelsOfRuns(reference, label, box, area), test: surfelsOfRuns(test, label, box, area) };
}

/**
 * Neighbour code of a lattice corner from the states of its two voxel columns: a state has
 * bit 3 for voxel row (j, k), 2 for (j + 1, k), 1 for (j, k + 1), 0 for (j + 1, k + 1); the code
 * sets 2^(7 − (4dz + 2dy + dx)) for the voxel at offset (dx, dy, dz), as surfelCodes does.
 */
const CODE = (() => {
  const t = new Uint8Array(256);
  for (let left = 0; left < 16; left++)
    for (let right = 0; right < 16; right++) {
      let c = 0;
      for (let row = 0; row < 4; row++) {
        const bit = 3 - row; // row = 2dz + dy
        c |= ((left >> bit) & 1) << (7 - 2 * row);
        c |= ((right >> bit) & 1) << (6 - 2 * row);
      }
      t[left * 16 + right] = c;
    }
  return t;
})();

function surfelsOfRuns(m: LabelRuns, label: number, box: Box, area: Float64Array): Surface {
  const [, ny, nz] = m.grid.dims;
  const [x0, y0, z0] = box.min;
  const [x1, y1, z1] = box.max;
  const lx = x1 - x0 + 2, ly = y1 - y0 + 2, lz = z1 - z0 + 2;
  let points = new Int32Array(4096), weights = new Float64Array(4096), n = 0;
  const push = (index: number, weight: number): void => {
    if (n === points.length) {
      const p = new Int32Array(n * 2), w = new Float64Array(n * 2);
      p.set(points);
      w.set(weights);
      points = p;
      weights = w;
    }
    points[n] = index;
    weights[n] = weight;
    n++;
  };
  // Corner i of lattice row (j, k) reads crop voxels x = i, i + 1 of crop rows j‥j+1, k‥k+1;
  // crop voxel (x, j, k) is image voxel (x0 − 1 + x, y0 − 1 + j, z0 − 1 + k).
  const imageRow = (j: number, k: number): number => {
    const y = y0 - 1 + j, z = z0 - 1 + k;
    return y < 0 || y >= ny || z < 0 || z >= nz ? -1 : z * ny + y;
  };
  const rows = [0, 0, 0, 0];
  const cursor = [0, 0, 0, 0];
  const ends = [0, 0, 0, 0];
  let cuts = new Int32Array(64);
  for (let k = 0; k < lz; k++) {
    for (let j = 0; j < ly; j++) {
      rows[0] = imageRow(j, k);
      rows[1] = imageRow(j + 1, k);
      rows[2] = imageRow(j, k + 1);
      rows[3] = imageRow(j + 1, k + 1);
      // Where the state can change: the starts and ends of the label's runs, in crop x.
      let nc = 0;
      for (let q = 0; q < 4; q++) {
        const r = rows[q] as number;
        if (r < 0) {
          cursor[q] = 0;
          ends[q] = 0;
          continue;
        }
        const a = m.rowStart[r] as number, b = m.rowStart[r + 1] as number;
        cursor[q] = a;
        ends[q] = b;
        for (let i = a; i < b; i++) {
          if (m.label[i] !== label) continue;
          if (nc + 2 > cuts.length) {
            const c = new Int32Array(cuts.length * 2);
            c.set(cuts);
            cuts = c;
          }
          cuts[nc++] = (m.start[i] as number) - x0 + 1;
          cuts[nc++] = (m.end[i] as number) - x0 + 1;
        }
      }
      if (nc === 0) continue;
      const sorted = cuts.subarray(0, nc).sort();
      const orow = (k * ly + j) * lx;
      let state = 0; // state of crop x below the first cut: background
      for (let c = 0; c < nc; c++) {
        const at = sorted[c] as number;
        if (c > 0 && at === sorted[c - 1]) continue;
        // State of crop x = at: in which of the four rows a run of the label covers it.
        let next = 0;
        for (let q = 0; q < 4; q++) {
          let i = cursor[q] as number;
          const e = ends[q] as number;
          while (i < e && ((m.end[i] as number) - x0 + 1 <= at || m.label[i] !== label)) i++;
          cursor[q] = i;
          if (i < e && (m.start[i] as number) - x0 + 1 <= at) next |= 8 >> q;
        }
        // Corners from the previous cut up to this one: those inside a mixed state are all
        // surface; the corner just before `at` straddles the change.
        const from = c === 0 ? at - 1 : (sorted[c - 1] as number);
        if (state !== 0 && state !== 15) {
          const w = area[CODE[state * 17] as number] as number;
          for (let i = Math.max(0, from); i < at - 1 && i < lx; i++) push(orow + i, w);
        }
        const corner = at - 1;
        if (corner >= 0 && corner < lx) {
          const code = CODE[state * 16 + next] as number;
          if (code !== 0 && code !== 255) push(orow + corner, area[code] as number);
        }
        state = next;
      }
    }
  }
  return { dims: [lx, ly, lz], spacing: m.grid.spacing, points: points.slice(0, n), weights: weights.slice(0, n) };
}
