import type { Box } from '../mask/grid';
import type { LabelMap } from '../mask/mask';

/**
 * Fleiss' kappa from a subjects × categories table of rating counts (every subject rated by the
 * same number of raters). NaN when chance agreement is 1 (a single category used throughout).
 */
export function fleissKappa(table: readonly (readonly number[])[]): number {
  const N = table.length;
  if (N === 0) return NaN;
  const n = (table[0] ?? []).reduce((a, b) => a + b, 0);
  const k = (table[0] ?? []).length;
  const pj = new Float64Array(k);
  let Pbar = 0;
  for (const row of table) {
    let s = 0;
    row.forEach((c, j) => { s += c * c; pj[j] = (pj[j] ?? 0) + c; });
    Pbar += (s - n) / (n * (n - 1));
  }
  Pbar /= N;
  let Pe = 0;
  for (let j = 0; j < k; j++) { const p = (pj[j] ?? 0) / (N * n); Pe += p * p; }
  return (Pbar - Pe) / (1 - Pe);
}

/**
 * Krippendorff's alpha, nominal, from the same subjects × categories count table (no missing
 * values: every unit has the same number of ratings ≥ 2). α = 1 − D_o/D_e.
 */
export function krippendorffAlphaNominal(table: readonly (readonly number[])[]): number {
  const k = (table[0] ?? []).length;
  const nc = new Float64Array(k);
  let disagree = 0;
  let total = 0;
  for (const row of table) {
    const m = row.reduce((a, b) => a + b, 0);
    if (m < 2) continue;
    let agreePairs = 0;
    row.forEach((c, j) => { agreePairs += c * (c - 1); nc[j] = (nc[j] ?? 0) + c; });
    disagree += (m * (m - 1) - agreePairs) / (m - 1);
    total += m;
  }
  let expected = 0;
  let sq = 0;
  for (let j = 0; j < k; j++) sq += (nc[j] ?? 0) * (nc[j] ?? 0);
  expected = total * total - sq;
  return 1 - ((total - 1) * disagree) / expected;
}

/** The voxels over which many-rater agreement is computed; always reported with the result. */
export type AgreementRegion =
  | { readonly kind: 'image' }
  | { readonly kind: 'union-bbox'; readonly marginVoxels: number };

export interface LabelAgreement {
  readonly label: number;
  readonly fleissKappa: number;
  readonly krippendorffAlpha: number;
  readonly region: AgreementRegion & { readonly box: Box | null; readonly voxels: number };
}

/**
 * Fleiss' kappa and Krippendorff's alpha for one label (label vs everything else) across raters.
 * Both depend only on how many voxels got the label from exactly n raters, so one pass counts that.
 */
export function labelAgreement(raters: readonly LabelMap[], label: number, region: AgreementRegion): LabelAgreement {
  const first = raters[0];
  if (!first) throw new RangeError('agreement needs raters');
  const R = raters.length;
  const [nx, ny] = first.grid.dims;
  const box = regionBox(raters, label, region);
  const hist = new Float64Array(R + 1);
  let voxels = 0;
  if (box) {
    for (let z = box.min[2]; z <= box.max[2]; z++)
      for (let y = box.min[1]; y <= box.max[1]; y++) {
        const row = (z * ny + y) * nx;
        for (let x = box.min[0]; x <= box.max[0]; x++) {
          let n = 0;
          for (const r of raters) if (r.data[row + x] === label) n++;
          hist[n] = (hist[n] ?? 0) + 1;
          voxels++;
        }
      }
  }
  return { label, ...agreementOfVotes(hist), region: { ...region, box, voxels } };
}

/**
 * Fleiss' kappa and Krippendorff's alpha of one label from its vote histogram (index n: voxels
 * that n of the raters gave the label), as tiled masks sum it tile by tile.
 */
export function agreementOfVotes(hist: Float64Array): { fleissKappa: number; krippendorffAlpha: number } {
  const R = hist.length - 1;
  // Histogram rows stand for voxel counts; expand as weighted table rows.
  const table: number[][] = [];
  const weights: number[] = [];
  hist.forEach((count, n) => { if (count > 0) { table.push([n, R - n]); weights.push(count); } });
  return { fleissKappa: weightedFleiss(table, weights), krippendorffAlpha: weightedAlpha(table, weights) };
}

function regionBox(raters: readonly LabelMap[], label: number, region: AgreementRegion): Box | null {
  const first = raters[0];
  if (!first) return null;
  const [nx, ny, nz] = first.grid.dims;
  if (region.kind === 'image') return { min: [0, 0, 0], max: [nx - 1, ny - 1, nz - 1] };
  let x0 = nx, y0 = ny, z0 = nz, x1 = -1, y1 = -1, z1 = -1;
  for (const r of raters) {
    const d = r.data;
    for (let i = 0; i < d.length; i++) {
      if (d[i] !== label) continue;
      const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
      if (x < x0) x0 = x; if (x > x1) x1 = x;
      if (y < y0) y0 = y; if (y > y1) y1 = y;
      if (z < z0) z0 = z; if (z > z1) z1 = z;
    }
  }
  if (x1 < 0) return null;
  const m = region.marginVoxels;
  const is3d = first.grid.ndim === 3;
  return {
    min: [Math.max(0, x0 - m), Math.max(0, y0 - m), is3d ? Math.max(0, z0 - m) : 0],
    max: [Math.min(nx - 1, x1 + m), Math.min(ny - 1, y1 + m), is3d ? Math.min(nz - 1, z1 + m) : 0],
  };
}

function weightedFleiss(table: number[][], w: number[]): number {
  let N = 0, Pbar = 0;
  const k = 2;
  const pj = [0, 0];
  const n = (table[0] ?? [0, 0]).reduce((a, b) => a + b, 0);
  table.forEach((row, i) => {
    const c = w[i] ?? 0;
    N += c;
    let s = 0;
    row.forEach((v, j) => { s += v * v; pj[j] = (pj[j] ?? 0) + c * v; });
    Pbar += (c * (s - n)) / (n * (n - 1));
  });
  if (N === 0) return NaN;
  Pbar /= N;
  let Pe = 0;
  for (let j = 0; j < k; j++) { const p = (pj[j] ?? 0) / (N * n); Pe += p * p; }
  return (Pbar - Pe) / (1 - Pe);
}

function weightedAlpha(table: number[][], w: number[]): number {
  const nc = [0, 0];
  let disagree = 0, total = 0;
  table.forEach((row, i) => {
    const c = w[i] ?? 0;
    const m = row.reduce((a, b) => a + b, 0);
    let agree = 0;
    row.forEach((v, j) => { agree += v * (v - 1); nc[j] = (nc[j] ?? 0) + c * v; });
    disagree += (c * (m * (m - 1) - agree)) / (m - 1);
    total += c * m;
  });
  const expected = total * total - (nc[0] ?? 0) ** 2 - (nc[1] ?? 0) ** 2;
  return 1 - ((total - 1) * disagree) / expected;
}
