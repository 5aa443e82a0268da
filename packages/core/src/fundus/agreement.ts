import { gridOf } from '../mask/grid';
import { overlapCounts, overlapMetrics } from '../metrics/overlap';
import { surfaceDistances } from '../metrics/surface';
import { surfaceMetrics } from '../metrics/surface-metrics';
import { discAndCup, type DiscCupLabels, type FundusMask } from './cup-disc';
import { fundusMeasures, verticalCdr, type CdrConvention } from './measures';

export interface StructureAgreement {
  readonly dice: number;
  /** HD95 under the `voxel` convention (distances between border pixel centres), pixels. */
  readonly hd95Px: number;
  /** The same in mm when the photograph's pixel spacing is known, else null. */
  readonly hd95Mm: number | null;
}

export interface FundusPairAgreement {
  readonly disc: StructureAgreement;
  readonly cup: StructureAgreement;
  /** |vCDR of reader A − vCDR of reader B| under each named convention. */
  readonly absoluteVcdrDifference: ReadonlyArray<{ readonly convention: CdrConvention; readonly value: number }>;
  /** Each reader's vCDR under each convention, in the same order. */
  readonly vcdr: ReadonlyArray<{ readonly convention: CdrConvention; readonly a: number; readonly b: number }>;
}

function structure(a: Uint8Array, b: Uint8Array, width: number, height: number, spacing: readonly [number, number] | null): StructureAgreement {
  const pixels = gridOf([width, height], [1, 1]);
  const dice = overlapMetrics(overlapCounts({ grid: pixels, data: a }, { grid: pixels, data: b })).dice;
  const hd95Px = surfaceMetrics(surfaceDistances({ grid: pixels, data: a }, { grid: pixels, data: b }, 'voxel')).hausdorffPercentile;
  if (!spacing) return { dice, hd95Px, hd95Mm: null };
  const mm = gridOf([width, height], spacing);
  return { dice, hd95Px, hd95Mm: surfaceMetrics(surfaceDistances({ grid: mm, data: a }, { grid: mm, data: b }, 'voxel')).hausdorffPercentile };
}

/** Disc and cup Dice and HD95, and the vCDR difference, between two readers' masks of one photograph. */
export function fundusPairAgreement(a: FundusMask, b: FundusMask, labels: DiscCupLabels, spacing: readonly [number, number] | null): FundusPairAgreement {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError('the two masks are not of one photograph');
  const sa = discAndCup(a, labels);
  const sb = discAndCup(b, labels);
  const ma = fundusMeasures(a, labels, null, spacing);
  const mb = fundusMeasures(b, labels, null, spacing);
  return {
    disc: structure(sa.disc, sb.disc, a.width, a.height, spacing),
    cup: structure(sa.cup, sb.cup, a.width, a.height, spacing),
    absoluteVcdrDifference: ma.cdr.map((c) => ({ convention: c.convention, value: Math.abs(c.vertical - verticalCdr(mb, c.convention)) })),
    vcdr: ma.cdr.map((c) => ({ convention: c.convention, a: c.vertical, b: verticalCdr(mb, c.convention) })),
  };
}

export interface BlandAltman {
  readonly n: number;
  /** Mean of A − B. */
  readonly bias: number;
  readonly sd: number;
  /** bias ± 1.96 sd. */
  readonly lowerLimit: number;
  readonly upperLimit: number;
}

/** Bland–Altman bias and 95 % limits of agreement over paired values (pairs with a NaN are left out). */
export function blandAltman(pairs: ReadonlyArray<readonly [number, number]>): BlandAltman {
  const differences = pairs.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).map(([a, b]) => a - b);
  const n = differences.length;
  if (n === 0) return { n, bias: NaN, sd: NaN, lowerLimit: NaN, upperLimit: NaN };
  const bias = differences.reduce((s, d) => s + d, 0) / n;
  const sd = n < 2 ? 0 : Math.sqrt(differences.reduce((s, d) => s + (d - bias) ** 2, 0) / (n - 1));
  return { n, bias, sd, lowerLimit: bias - 1.96 * sd, upperLimit: bias + 1.96 * sd };
}
