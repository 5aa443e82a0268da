import { DelineateError, parseOrThrow, Region, type CorrectionSize } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import { JobQueue } from '../jobs/job-queue';
import type { Clock } from '../repositories/annotations';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import type { DB } from '../sql/tables';
import { withTransaction } from '../sql/transaction';
import { itemGrid } from './grid';
import { labelHd95, readLabelVolume } from './metrics';
import { readConfig } from './repository';
import { workflowDb } from './tables';

/**
 * `workflow.correction_metrics` { projectId, reviewId }: the HD95 of a signed correction. Surface
 * distances decode both volumes (seconds on a 512² × 128 CT), so the signature is answered with
 * the counts and Dice, and this job adds the HD95 to the review; until then each size says
 * `hd95Computing` and the review page shows "computing".
 */
export const CORRECTION_METRICS_JOB_KIND = 'workflow.correction_metrics';

/** Queues the job in the signing transaction, so a recorded review always gets its HD95. */
export async function enqueueCorrectionMetrics(db: Kysely<DB>, input: { projectId: string; reviewId: string; region: string }, clock: Clock): Promise<string> {
  const job = await new JobQueue(db, { clock }).enqueue({
    kind: CORRECTION_METRICS_JOB_KIND,
    region: parseOrThrow(Region, input.region),
    payload: { projectId: input.projectId, reviewId: input.reviewId },
  });
  return job.id;
}

/** Computes the HD95 of each size still computing and stores it on the review; idempotent. */
export async function completeCorrectionMetrics(db: Kysely<DB>, blobs: Pick<BlobStore, 'get'>, reviewId: string): Promise<CorrectionSize[]> {
  const w = workflowDb(db);
  const row = await w
    .selectFrom('workflow_reviews as wr')
    .innerJoin('reviews as r', 'r.id', 'wr.review_id')
    .innerJoin('tasks as t', 't.id', 'wr.task_id')
    .select(['wr.project_id', 'wr.corrected_version', 'wr.correction_sizes', 'r.annotation_id', 'r.version', 't.item_id'])
    .where('wr.review_id', '=', reviewId)
    .executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'The review of the correction metrics job was not found');
  const sizes = row.correction_sizes as CorrectionSize[];
  if (!sizes.some((s) => s.hd95Computing) || row.corrected_version === null) return sizes;
  const config = await readConfig(db, row.project_id);
  const labels = (await new LabelSchemaRepository(db).get(config.labelSchema.id, config.labelSchema.version)).labels;
  const grid = await itemGrid(db, row.item_id);
  const original = await readLabelVolume(db, blobs, { annotationId: row.annotation_id, version: row.version }, grid);
  const corrected = await readLabelVolume(db, blobs, { annotationId: row.annotation_id, version: row.corrected_version }, grid);
  const measured = sizes.map(({ hd95Computing, ...size }) => {
    if (!hd95Computing) return size;
    const label = labels.find((l) => l.key === size.labelKey);
    if (!label) throw new DelineateError('DLN_INTERNAL', 'A correction names a label its schema does not have');
    return { ...size, hd95Mm: labelHd95(grid, original, corrected, label.value) };
  });
  await withTransaction(db, (tx) =>
    workflowDb(tx).updateTable('workflow_reviews').set({ correction_sizes: JSON.stringify(measured) }).where('review_id', '=', reviewId).execute(),
  );
  return measured;
}
