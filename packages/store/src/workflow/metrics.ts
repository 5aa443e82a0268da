import { decodeRle8, overlapCounts, selectLabel, surfaceDistances, surfaceMetrics, voxelCount, type Grid } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { RevisionRef } from '@delineate/schema';
import type { BlobStore } from '../blob/types';
import { AnnotationRepository } from '../repositories/annotations';
import type { DB } from '../sql/tables';

/** How surface distances are measured in the workflow (docs/metrics.md): surfel, 95th percentile. */
export const WORKFLOW_SURFACE_CONVENTION = 'surfel' as const;

/** A finite number, or null for NaN and ±Infinity (JSON has neither). */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

export interface LabelPairMetrics {
  /** Voxels with the label in `test` but not in `reference`, and the reverse. */
  readonly added: number;
  readonly removed: number;
  readonly referenceVoxels: number;
  readonly testVoxels: number;
  readonly dice: number | null;
  readonly hd95Mm: number | null;
}

/** Dice and HD95 of one label between two label volumes of one grid (reference first). */
export function labelPairMetrics(grid: Grid, reference: Uint8Array, test: Uint8Array, label: number): LabelPairMetrics {
  const a = selectLabel({ grid, data: reference }, label);
  const b = selectLabel({ grid, data: test }, label);
  const c = overlapCounts(a, b);
  const referenceVoxels = c.truePositive + c.falseNegative;
  const testVoxels = c.truePositive + c.falsePositive;
  const dice = referenceVoxels + testVoxels === 0 ? NaN : (2 * c.truePositive) / (referenceVoxels + testVoxels);
  const hd95 = surfaceMetrics(surfaceDistances(a, b, WORKFLOW_SURFACE_CONVENTION), { percentile: 95 }).hausdorffPercentile;
  return { added: c.falsePositive, removed: c.falseNegative, referenceVoxels, testVoxels, dice: finiteOrNull(dice), hd95Mm: finiteOrNull(hd95) };
}

/** Reads a revision's mask (joined from its tiles, or its whole blob) and decodes it against the item's grid. */
export async function readLabelVolume(db: Kysely<DB>, blobs: Pick<BlobStore, 'get'>, revision: RevisionRef, grid: Grid): Promise<Uint8Array> {
  const bytes = await new AnnotationRepository(db, { blobs }).readMask(revision.annotationId, revision.version);
  const decoded = decodeRle8(bytes, voxelCount(grid));
  if (!decoded.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `A stored mask does not decode on its item's grid (${decoded.reason})`);
  return decoded.voxels;
}

/** The non-zero values present in a label volume. */
export function valuesPresent(volume: Uint8Array): Set<number> {
  const seen = new Set<number>();
  for (let i = 0; i < volume.length; i++) {
    const v = volume[i] ?? 0;
    if (v !== 0) seen.add(v);
  }
  return seen;
}
