import { sameShape } from '../mask/grid';
import type { BinaryMask } from '../mask/mask';
import { pathLengths } from '../metrics/path-length';

/**
 * Agreement among readers of one target volume as radiation-oncology papers report it, beside
 * Dice and HD95:
 *
 * - volume ratio: the largest reader volume over the smallest (1 when all agree in size);
 * - conformity index, common: |A₁ ∩ … ∩ Aₙ| / |A₁ ∪ … ∪ Aₙ| over all readers;
 * - conformity index, generalised (Kouwenhoven et al. 2009): Σ_pairs |Aᵢ ∩ Aⱼ| / Σ_pairs |Aᵢ ∪ Aⱼ|,
 *   less driven by one outlying reader;
 * - added path length (Vaassen et al. 2020): see {@link addedPathLength}, the mean over ordered
 *   reader pairs.
 *
 * Volumes in millilitres from the grid's spacing. NaN where nothing is defined (all empty).
 */
export interface TargetAgreement {
  readonly readers: number;
  readonly volumesMl: readonly number[];
  readonly volumeRatio: number;
  readonly conformityCommon: number;
  readonly conformityGeneralised: number;
  readonly addedPathLengthMm: number;
}

export function targetAgreement(readers: readonly BinaryMask[], toleranceMm = 0): TargetAgreement {
  const first = readers[0];
  if (!first || readers.length < 2) throw new RangeError('agreement needs at least two readers');
  for (const r of readers) if (!sameShape(first.grid, r.grid)) throw new RangeError('readers must share one grid');
  const [sx, sy, sz] = first.grid.spacing;
  const voxelMl = (sx * sy * sz) / 1000;
  const counts = readers.map((r) => count(r.data));
  let all = 0;
  let any = 0;
  for (let i = 0; i < first.data.length; i++) {
    let n = 0;
    for (const r of readers) n += r.data[i] ? 1 : 0;
    if (n === readers.length) all++;
    if (n > 0) any++;
  }
  let pairIntersections = 0;
  let pairUnions = 0;
  let aplSum = 0;
  let aplPairs = 0;
  for (let i = 0; i < readers.length; i++) {
    for (let j = 0; j < readers.length; j++) {
      if (i === j) continue;
      const a = readers[i] as BinaryMask;
      const b = readers[j] as BinaryMask;
      aplSum += addedPathLength(a, b, toleranceMm);
      aplPairs++;
      if (j < i) continue;
      const both = countBoth(a.data, b.data);
      pairIntersections += both;
      pairUnions += (counts[i] ?? 0) + (counts[j] ?? 0) - both;
    }
  }
  const largest = Math.max(...counts);
  const smallest = Math.min(...counts);
  return {
    readers: readers.length,
    volumesMl: counts.map((c) => c * voxelMl),
    volumeRatio: largest === 0 ? NaN : largest / smallest,
    conformityCommon: any === 0 ? NaN : all / any,
    conformityGeneralised: pairUnions === 0 ? NaN : pairIntersections / pairUnions,
    addedPathLengthMm: aplSum / aplPairs,
  };
}

/**
 * Added path length (Vaassen et al., Phys Imaging Radiat Oncol 2020;13:1-6): the length of the
 * reference's contour, slice by slice, that the other reader's contour does not already follow
 * (further than `toleranceMm` in plane from it), i.e. what an editor would have to redraw.
 * Contour pixels are the in-plane border pixels (a 4-neighbour outside the structure or the
 * slice edge); each counts the mean in-plane pixel size. Slices are the grid's z planes.
 */
export function addedPathLength(reference: BinaryMask, test: BinaryMask, toleranceMm = 0): number {
  if (!sameShape(reference.grid, test.grid)) throw new RangeError('structures must share one grid');
  // The reference is the contour that is kept: the correction-effort measure with the test reader as the draft.
  return pathLengths(test, reference, toleranceMm).addedPathLengthMm;
}

function count(d: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < d.length; i++) if (d[i]) n++;
  return n;
}

function countBoth(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] && b[i]) n++;
  return n;
}
