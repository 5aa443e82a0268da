import {
  countTiledLabelPatterns,
  decodeRle8,
  overlapCounts,
  selectLabel,
  surfaceDistances,
  surfaceMetrics,
  tiledOverlapCounts,
  voxelCount,
  type Grid,
  type TiledLabelPatterns,
} from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { CorrectionSize, Label, RevisionRef } from '@delineate/schema';
import { RevisionTileReader } from '../masks/revision-tiles';
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

/** Voxels added and removed, volumes and Dice of one label between masks `reference` and `test`, summed over their tiles. */
export function tiledPairOverlap(counts: TiledLabelPatterns, label: number, reference: number, test: number): Omit<LabelPairMetrics, 'hd95Mm'> {
  const c = tiledOverlapCounts(counts, label, reference, test);
  const referenceVoxels = c.truePositive + c.falseNegative;
  const testVoxels = c.truePositive + c.falsePositive;
  const dice = referenceVoxels + testVoxels === 0 ? NaN : (2 * c.truePositive) / (referenceVoxels + testVoxels);
  return { added: c.falsePositive, removed: c.falseNegative, referenceVoxels, testVoxels, dice: finiteOrNull(dice) };
}

/**
 * HD95 (surfel) of one label between two decoded label volumes. Surface distances are the one
 * metric still computed on whole volumes: a boundary voxel's nearest neighbour may lie in any tile.
 */
export function labelHd95(grid: Grid, reference: Uint8Array, test: Uint8Array, label: number): number | null {
  const a = selectLabel({ grid, data: reference }, label);
  const b = selectLabel({ grid, data: test }, label);
  return finiteOrNull(surfaceMetrics(surfaceDistances(a, b, WORKFLOW_SURFACE_CONVENTION), { percentile: 95 }).hausdorffPercentile);
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

/** The tiles' reader the workflow uses (blobs as given to the workflow repository). */
export function workflowTileReader(db: Kysely<DB>, blobs: Pick<BlobStore, 'get'> & Partial<Pick<BlobStore, 'getParts'>>): RevisionTileReader {
  return new RevisionTileReader(db, blobs);
}

/**
 * Voxels added and removed, Dice and HD95 per label a correction changed, and the labels the
 * corrected mask holds. Counts come from the two revisions' tiles; HD95 decodes the two volumes,
 * and only when some label changed; `by job` leaves it to the correction metrics job (correction-metrics.ts).
 */
export async function correctionSizesFromTiles(
  db: Kysely<DB>,
  blobs: Pick<BlobStore, 'get'> & Partial<Pick<BlobStore, 'getParts'>>,
  labels: readonly Label[],
  grid: Grid,
  original: RevisionRef,
  corrected: RevisionRef,
  hd95: 'now' | 'by job' = 'now',
): Promise<{ sizes: CorrectionSize[]; correctedLabels: Set<number>; originalLabels: Set<number> }> {
  const aligned = await workflowTileReader(db, blobs).aligned([original, corrected]);
  const counts = await countTiledLabelPatterns(aligned.grid, 2, aligned.tiles(), labels.map((l) => l.value));
  const sizes: CorrectionSize[] = [];
  let volumes: [Uint8Array, Uint8Array] | undefined;
  for (const label of labels) {
    const m = tiledPairOverlap(counts, label.value, 0, 1);
    if (m.added === 0 && m.removed === 0) continue;
    if (hd95 === 'by job') {
      sizes.push({ labelKey: label.key, voxelsAdded: m.added, voxelsRemoved: m.removed, dice: m.dice, hd95Mm: null, hd95Computing: true });
      continue;
    }
    volumes ??= [await readLabelVolume(db, blobs, original, grid), await readLabelVolume(db, blobs, corrected, grid)];
    sizes.push({ labelKey: label.key, voxelsAdded: m.added, voxelsRemoved: m.removed, dice: m.dice, hd95Mm: labelHd95(grid, volumes[0], volumes[1], label.value) });
  }
  return { sizes, correctedLabels: new Set(counts.present[1]), originalLabels: new Set(counts.present[0]) };
}
