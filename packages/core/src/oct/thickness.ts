import { AScanState, type BoundarySet, boundaryIndex, type OctBoundary } from './boundaries';

/**
 * Where the samples of an OCT volume lie: B-scans are parallel lines of a raster, B-scan s at
 * `s · bscanSpacingUm` from the first (superior) one, A-scan a at `a · ascanSpacingUm` from the
 * left edge of the en-face image; heights are in rows of `axialUmPerPixel`.
 */
export interface OctGeometry {
  bscans: number;
  ascans: number;
  rows: number;
  ascanSpacingUm: number;
  bscanSpacingUm: number;
  axialUmPerPixel: number;
  laterality: 'OD' | 'OS';
}

/** A-scan position on the en-face grid. */
export interface EnFacePoint {
  bscan: number;
  ascan: number;
}

/**
 * Thickness in µm between two boundaries at every A-scan (`[s · ascans + a]`), NaN where either
 * has no value: an absent EZ leaves a hole in the EZ–RPE map, not a zero.
 */
export function thicknessMap(set: BoundarySet, geometry: OctGeometry, top: OctBoundary, bottom: OctBoundary): Float32Array {
  const plane = set.bscans * set.ascans;
  const t = boundaryIndex(top) * plane;
  const b = boundaryIndex(bottom) * plane;
  const map = new Float32Array(plane);
  for (let i = 0; i < plane; i++) {
    const valued = set.states[t + i] === AScanState.value && set.states[b + i] === AScanState.value;
    map[i] = valued ? (set.heights[b + i]! - set.heights[t + i]!) * geometry.axialUmPerPixel : Number.NaN;
  }
  return map;
}

/**
 * The fovea as the thinnest point of the retina (ILM–BM) within `searchRadiusUm` of the scan
 * centre, the first such point in raster order on ties; undefined when nothing there is valued.
 */
export function thinnestCentralPoint(retina: Float32Array, geometry: OctGeometry, searchRadiusUm = 1000): EnFacePoint | undefined {
  const cx = ((geometry.ascans - 1) * geometry.ascanSpacingUm) / 2;
  const cy = ((geometry.bscans - 1) * geometry.bscanSpacingUm) / 2;
  let best: EnFacePoint | undefined;
  let thinnest = Number.POSITIVE_INFINITY;
  for (let s = 0; s < geometry.bscans; s++) {
    for (let a = 0; a < geometry.ascans; a++) {
      const value = retina[s * geometry.ascans + a]!;
      if (!(value < thinnest)) continue;
      if (Math.hypot(a * geometry.ascanSpacingUm - cx, s * geometry.bscanSpacingUm - cy) > searchRadiusUm) continue;
      thinnest = value;
      best = { bscan: s, ascan: a };
    }
  }
  return best;
}

export const etdrsSectors = ['central', 'inner_superior', 'inner_nasal', 'inner_inferior', 'inner_temporal', 'outer_superior', 'outer_nasal', 'outer_inferior', 'outer_temporal'] as const;
export type EtdrsSector = (typeof etdrsSectors)[number];

/** Radii of the ETDRS circles of 1, 3 and 6 mm diameter. */
const ETDRS_RADII_UM = [500, 1500, 3000] as const;

/**
 * The ETDRS sector of an en-face offset from the fovea (µm, x to the image right, y to the image
 * bottom, i.e. inferior), or undefined outside the 6 mm circle. Nasal is towards the disc: image
 * right for a right eye (OD), image left for a left eye (OS). Points on the 45° lines go to the
 * superior or inferior sector.
 */
export function etdrsSectorOf(dxUm: number, dyUm: number, laterality: 'OD' | 'OS'): EtdrsSector | undefined {
  const r = Math.hypot(dxUm, dyUm);
  if (r < ETDRS_RADII_UM[0]) return 'central';
  if (r > ETDRS_RADII_UM[2]) return undefined;
  const ring = r < ETDRS_RADII_UM[1] ? 'inner' : 'outer';
  const side = Math.abs(dyUm) >= Math.abs(dxUm) ? (dyUm < 0 ? 'superior' : 'inferior') : (dxUm > 0) === (laterality === 'OD') ? 'nasal' : 'temporal';
  return `${ring}_${side}`;
}

export interface EtdrsGrid {
  fovea: EnFacePoint;
  /** Mean thickness (µm) of the valued A-scans in each sector, NaN when none is valued. */
  sectors: Record<EtdrsSector, { meanUm: number; ascans: number }>;
  /** Central subfield thickness: the mean of the central 1 mm sector. */
  centralSubfieldUm: number;
}

/** The ETDRS sector index (into `etdrsSectors`, −1 outside the grid) of every A-scan's centre. */
export function etdrsSectorIndex(geometry: OctGeometry, fovea: EnFacePoint): Int8Array {
  const index = new Int8Array(geometry.bscans * geometry.ascans);
  for (let s = 0; s < geometry.bscans; s++) {
    for (let a = 0; a < geometry.ascans; a++) {
      const sector = etdrsSectorOf((a - fovea.ascan) * geometry.ascanSpacingUm, (s - fovea.bscan) * geometry.bscanSpacingUm, geometry.laterality);
      index[s * geometry.ascans + a] = sector ? etdrsSectors.indexOf(sector) : -1;
    }
  }
  return index;
}

/**
 * The ETDRS grid of a thickness map, centred on the fovea: A-scans are assigned by their centres
 * (pass `sectors` from {@link etdrsSectorIndex} to reuse one assignment over several maps).
 */
export function etdrsGrid(map: Float32Array, geometry: OctGeometry, fovea: EnFacePoint, sectors = etdrsSectorIndex(geometry, fovea)): EtdrsGrid {
  const sums = new Float64Array(etdrsSectors.length);
  const counts = new Uint32Array(etdrsSectors.length);
  for (let i = 0; i < map.length; i++) {
    const sector = sectors[i]!;
    const value = map[i]!;
    if (sector < 0 || Number.isNaN(value)) continue;
    sums[sector] = sums[sector]! + value;
    counts[sector] = counts[sector]! + 1;
  }
  const result = Object.fromEntries(etdrsSectors.map((name, k) => [name, { meanUm: counts[k] === 0 ? Number.NaN : sums[k]! / counts[k]!, ascans: counts[k]! }])) as EtdrsGrid['sectors'];
  return { fovea, sectors: result, centralSubfieldUm: result.central.meanUm };
}

/**
 * Volume in mm³ of each label of a per-B-scan label volume (`labels[(s · rows + r) · ascans + a]`):
 * each pixel stands for one A-scan spacing by one axial pixel by one B-scan spacing.
 */
export function labelVolumesMm3(labels: Uint8Array, geometry: OctGeometry): Map<number, number> {
  const counts = new Map<number, number>();
  for (const value of labels) if (value !== 0) counts.set(value, (counts.get(value) ?? 0) + 1);
  const voxelMm3 = (geometry.ascanSpacingUm * geometry.axialUmPerPixel * geometry.bscanSpacingUm) / 1e9;
  return new Map([...counts].map(([label, n]) => [label, n * voxelMm3]));
}
