import { gridOf } from '../mask/grid';
import { labelMap, labelOverlapCounts } from '../mask/mask';
import { overlapMetrics } from '../metrics/overlap';
import { labelSurfaceDistances, type SurfaceConvention } from '../metrics/surface';
import { surfaceMetrics } from '../metrics/surface-metrics';
import { cardiacStructures, type CardiacLabelValues, type CardiacStructure } from './label-maps';
import type { CineLabelStack } from './cine-stack';

/** Dice and HD95 of one structure in one phase between two readers; NaN where both are empty. */
export interface PhaseStructureAgreement {
  phase: number;
  structure: CardiacStructure;
  dice: number;
  /** mm, 95th percentile Hausdorff distance (per direction, then the larger), 3-D on the phase's stack. */
  hd95: number;
}

/**
 * Dice and HD95 per structure per phase of two readers' stacks of one cine (same grid and label
 * map). Distances are in mm from the grid's spacing, so the slice spacing counts across slices.
 */
export function structureAgreement(a: CineLabelStack, b: CineLabelStack, labels: CardiacLabelValues, convention: SurfaceConvention = 'surfel', phases?: readonly number[]): PhaseStructureAgreement[] {
  if (a.columns !== b.columns || a.rows !== b.rows || a.slices !== b.slices || a.phases !== b.phases) throw new RangeError('the two stacks are not on one grid');
  const grid = gridOf([a.columns, a.rows, a.slices], [...a.spacing]);
  const perPhase = a.columns * a.rows * a.slices;
  const out: PhaseStructureAgreement[] = [];
  for (const phase of phases ?? Array.from({ length: a.phases }, (_, p) => p)) {
    const ra = labelMap(grid, a.data.subarray(phase * perPhase, (phase + 1) * perPhase));
    const rb = labelMap(grid, b.data.subarray(phase * perPhase, (phase + 1) * perPhase));
    for (const structure of cardiacStructures) {
      const value = labels[structure];
      const dice = overlapMetrics(labelOverlapCounts(ra, rb, value)).dice;
      const hd95 = surfaceMetrics(labelSurfaceDistances(ra, rb, value, convention), { percentile: 95 }).hausdorffPercentile;
      out.push({ phase, structure, dice, hd95 });
    }
  }
  return out;
}

/** Bland–Altman agreement of one clinical index between two readers over several cases. */
export interface IndexAgreement {
  n: number;
  /** Mean of (reader B − reader A). */
  bias: number;
  /** bias ± 1.96 × SD of the differences. */
  lowerLimit: number;
  upperLimit: number;
  /** SD of the differences ÷ mean of all measurements × 100 (%), the usual CMR reproducibility CoV. */
  coefficientOfVariation: number;
}

/** NaN throughout with no pairs; limits equal the bias with one pair (no spread to estimate). */
export function indexAgreement(pairs: ReadonlyArray<readonly [number, number]>): IndexAgreement {
  const kept = pairs.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const n = kept.length;
  if (n === 0) return { n, bias: NaN, lowerLimit: NaN, upperLimit: NaN, coefficientOfVariation: NaN };
  const diffs = kept.map(([x, y]) => y - x);
  const bias = diffs.reduce((s, d) => s + d, 0) / n;
  const sd = n < 2 ? 0 : Math.sqrt(diffs.reduce((s, d) => s + (d - bias) ** 2, 0) / (n - 1));
  const mean = kept.reduce((s, [x, y]) => s + x + y, 0) / (2 * n);
  return { n, bias, lowerLimit: bias - 1.96 * sd, upperLimit: bias + 1.96 * sd, coefficientOfVariation: mean !== 0 ? (100 * sd) / Math.abs(mean) : NaN };
}

/**
 * How many frames two readers' ED (or ES) designations lie apart, around the cycle: phase 19 and
 * phase 0 of 20 are one frame apart, since the cine wraps from late diastole back to ED.
 */
export function frameDisagreement(a: number, b: number, phases: number): number {
  const d = Math.abs(a - b) % phases;
  return Math.min(d, phases - d);
}
