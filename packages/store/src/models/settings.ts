import { DelineateError, parseOrThrow, PreannotateJobPayload, PreannotationSettings, Region } from '@delineate/schema';
import type { Kysely } from 'kysely';
import { JobQueue } from '../jobs/job-queue';
import type { Clock } from '../repositories/annotations';
import { translated } from '../repositories/db-errors';
import type { DB } from '../sql/tables';
import { DEFAULT_SURFACE_TOLERANCE_MM } from './effort';
import { modelsDb } from './tables';

export const PREANNOTATE_JOB_KIND = 'preannotation.run';

export async function readPreannotationSettings(db: Kysely<DB>, projectId: string): Promise<PreannotationSettings> {
  const row = await translated(() => modelsDb(db).selectFrom('preannotation_settings').selectAll().where('project_id', '=', projectId).executeTakeFirst());
  return row ? { onTaskCreationModelId: row.on_task_creation_model_id, surfaceToleranceMm: row.surface_tolerance_mm } : { onTaskCreationModelId: null, surfaceToleranceMm: DEFAULT_SURFACE_TOLERANCE_MM };
}

/** Sets the settings; the drafting model must be one registered for the project. */
export async function updatePreannotationSettings(db: Kysely<DB>, projectId: string, input: PreannotationSettings, clock: Clock): Promise<PreannotationSettings> {
  const settings = parseOrThrow(PreannotationSettings, input);
  if (settings.onTaskCreationModelId) {
    const model = await db.selectFrom('models').select('project_id').where('id', '=', settings.onTaskCreationModelId).executeTakeFirst();
    if (!model || model.project_id !== projectId) throw new DelineateError('DLN_REQUEST_INVALID', 'The model is not registered for this project');
  }
  const values = { on_task_creation_model_id: settings.onTaskCreationModelId, surface_tolerance_mm: settings.surfaceToleranceMm, updated_at: clock() };
  await translated(() =>
    modelsDb(db)
      .insertInto('preannotation_settings')
      .values({ project_id: projectId, ...values })
      .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
      .execute(),
  );
  return settings;
}

/** Queues drafts of new annotation tasks when the project names a model for it (in the task creation's transaction). */
export async function enqueueDraftsForNewTasks(db: Kysely<DB>, projectId: string, tasks: ReadonlyArray<{ id: string; stage: string }>, clock: Clock): Promise<string[]> {
  const settings = await readPreannotationSettings(db, projectId);
  if (!settings.onTaskCreationModelId) return [];
  const project = await db.selectFrom('projects').select('region').where('id', '=', projectId).executeTakeFirstOrThrow();
  const queue = new JobQueue(db, { clock });
  const ids: string[] = [];
  for (const task of tasks) {
    if (task.stage !== 'annotate') continue;
    const payload: PreannotateJobPayload = { projectId, modelId: settings.onTaskCreationModelId, target: { kind: 'task', taskId: task.id }, prompt: { kind: 'volume' }, requestedBy: null };
    ids.push((await queue.enqueue({ kind: PREANNOTATE_JOB_KIND, region: parseOrThrow(Region, project.region), payload })).id);
  }
  return ids;
}
