import { binaryMask, pathLengths, selectLabel, surfaceDistances, surfaceMetrics, type Grid } from '@delineate/core';
import { CorrectionEffort, DelineateError, EditingActivity, LabelCorrectionEffort, parseOrThrow, Region, type Label } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import { JobQueue } from '../jobs/job-queue';
import type { Clock } from '../repositories/annotations';
import { translated } from '../repositories/db-errors';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import { mapOutputs, ModelRepository } from '../repositories/models';
import type { DB } from '../sql/tables';
import { itemGrid } from '../workflow/grid';
import { finiteOrNull, labelHd95, readLabelVolume, WORKFLOW_SURFACE_CONVENTION } from '../workflow/metrics';
import { workflowDb } from '../workflow/tables';
import { modelsDb } from './tables';

export const CORRECTION_EFFORT_JOB_KIND = 'preannotation.effort';

/** Surface Dice and added path length tolerance when the project has set none (mm). */
export const DEFAULT_SURFACE_TOLERANCE_MM = 1;

/** What the workspace sends while a draft is corrected; the last report before submission stands. */
export async function recordEditingActivity(db: Kysely<DB>, taskId: string, activity: EditingActivity, clock: Clock): Promise<EditingActivity> {
  const a = parseOrThrow(EditingActivity, activity);
  const values = { active_editing_ms: a.activeEditingMs, strokes: a.strokes, clicks: a.clicks, undos: a.undos, updated_at: clock() };
  await translated(() =>
    modelsDb(db)
      .insertInto('editing_activity')
      .values({ task_id: taskId, ...values })
      .onConflict((oc) => oc.column('task_id').doUpdateSet(values))
      .execute(),
  );
  return a;
}

/**
 * Enqueues the effort measure of a submitted task whose annotation holds an AI draft (called in
 * the submission's transaction, so a submission never misses its measure).
 */
export async function enqueueEffortIfDrafted(db: Kysely<DB>, input: { taskId: string; annotationId: string; projectId: string; region: string }, clock: Clock): Promise<string | null> {
  const run = await modelsDb(db).selectFrom('preannotation_runs').select('id').where('annotation_id', '=', input.annotationId).executeTakeFirst();
  if (!run) return null;
  const job = await new JobQueue(db, { clock }).enqueue({
    kind: CORRECTION_EFFORT_JOB_KIND,
    region: parseOrThrow(Region, input.region),
    payload: { projectId: input.projectId, taskId: input.taskId },
  });
  return job.id;
}

/** Effort of one label between the model's draft (`automatic`) and the submitted mask, on one grid. */
export function labelEffort(grid: Grid, automatic: Uint8Array, submitted: Uint8Array, label: Label, toleranceMm: number): LabelCorrectionEffort {
  const a = selectLabel({ grid, data: automatic }, label.value);
  const b = selectLabel({ grid, data: submitted }, label.value);
  let both = 0, onlyA = 0, onlyB = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!, y = b.data[i]!;
    if (x && y) both++;
    else if (x) onlyA++;
    else if (y) onlyB++;
  }
  const changed = onlyA + onlyB > 0;
  const sizes = 2 * both + onlyA + onlyB;
  const surface = surfaceMetrics(surfaceDistances(binaryMask(grid, a.data), binaryMask(grid, b.data), WORKFLOW_SURFACE_CONVENTION), { percentile: 95, tolerancesMm: [toleranceMm] });
  const paths = pathLengths(a, b, toleranceMm);
  return {
    labelKey: label.key,
    dice: sizes === 0 ? null : (2 * both) / sizes,
    hd95Mm: changed ? labelHd95(grid, automatic, submitted, label.value) : sizes === 0 ? null : 0,
    surfaceDice: finiteOrNull(surface.surfaceDice[0]?.value ?? NaN),
    toleranceMm,
    addedPathLengthMm: paths.addedPathLengthMm,
    falseNegativePathLengthMm: paths.falseNegativePathLengthMm,
    voxelsAdded: onlyB,
    voxelsRemoved: onlyA,
    acceptedAsIs: !changed,
  };
}

/**
 * Measures a submitted task's correction of its latest AI draft, per label the model draws, and
 * stores it (replacing an earlier measure of the task). Null when the task has no AI draft.
 */
export async function computeCorrectionEffort(db: Kysely<DB>, blobs: Pick<BlobStore, 'get'>, taskId: string, clock: Clock): Promise<CorrectionEffort | null> {
  const work = await workflowDb(db).selectFrom('workflow_tasks').select(['annotation_id', 'revision_version', 'project_id', 'item_id']).where('task_id', '=', taskId).executeTakeFirst();
  if (!work?.annotation_id || !work.revision_version) throw new DelineateError('DLN_CONFLICT', 'The task has not been submitted');
  const m = modelsDb(db);
  const run = await m
    .selectFrom('preannotation_runs')
    .select(['model_id', 'version'])
    .where('annotation_id', '=', work.annotation_id)
    .where('version', '<=', work.revision_version)
    .orderBy('version', 'desc')
    .executeTakeFirst();
  if (!run) return null;
  const model = await new ModelRepository(db).get(run.model_id);
  if (!model.manifest) return null;
  const annotation = await db.selectFrom('annotations').select(['label_schema_id', 'label_schema_version']).where('id', '=', work.annotation_id).executeTakeFirstOrThrow();
  const schema = await new LabelSchemaRepository(db).get(annotation.label_schema_id, annotation.label_schema_version);
  const labels = [...new Map(mapOutputs(model.manifest, schema.labels).map((o) => [o.label.value, o.label])).values()];
  const settings = await m.selectFrom('preannotation_settings').select('surface_tolerance_mm').where('project_id', '=', work.project_id).executeTakeFirst();
  const tolerance = settings?.surface_tolerance_mm ?? DEFAULT_SURFACE_TOLERANCE_MM;
  const grid = await itemGrid(db, work.item_id);
  const automatic = await readLabelVolume(db, blobs, { annotationId: work.annotation_id, version: run.version }, grid);
  const submitted = await readLabelVolume(db, blobs, { annotationId: work.annotation_id, version: work.revision_version }, grid);
  const editing = await m.selectFrom('editing_activity').selectAll().where('task_id', '=', taskId).executeTakeFirst();
  const effort: CorrectionEffort = {
    taskId,
    modelId: model.id,
    modelName: model.name,
    modelVersion: model.version,
    aiVersion: run.version,
    submittedVersion: work.revision_version,
    labels: labels.map((l) => labelEffort(grid, automatic, submitted, l, tolerance)),
    editing: editing ? { activeEditingMs: Number(editing.active_editing_ms), strokes: editing.strokes, clicks: editing.clicks, undos: editing.undos } : null,
    createdAt: clock().toISOString(),
  };
  const values = {
    project_id: work.project_id,
    model_id: model.id,
    annotation_id: work.annotation_id,
    ai_version: run.version,
    submitted_version: work.revision_version,
    labels: JSON.stringify(effort.labels),
    editing: effort.editing ? JSON.stringify(effort.editing) : null,
    created_at: effort.createdAt,
  };
  await m.insertInto('correction_efforts').values({ task_id: taskId, ...values }).onConflict((oc) => oc.column('task_id').doUpdateSet(values)).execute();
  return effort;
}

/** The stored effort of a task, or undefined before its measure ran. */
export async function correctionEffortOf(db: Kysely<DB>, taskId: string): Promise<CorrectionEffort | undefined> {
  const row = await modelsDb(db)
    .selectFrom('correction_efforts as e')
    .innerJoin('models', 'models.id', 'e.model_id')
    .select(['e.task_id', 'e.model_id', 'models.name', 'models.version', 'e.ai_version', 'e.submitted_version', 'e.labels', 'e.editing', 'e.created_at'])
    .where('e.task_id', '=', taskId)
    .executeTakeFirst();
  if (!row) return undefined;
  return CorrectionEffort.parse({
    taskId: row.task_id,
    modelId: row.model_id,
    modelName: row.name,
    modelVersion: row.version,
    aiVersion: row.ai_version,
    submittedVersion: row.submitted_version,
    labels: row.labels,
    editing: row.editing,
    createdAt: row.created_at.toISOString(),
  });
}
