import { describe, expect, it } from 'vitest';
import { AnnotationRepository, JobQueue, ModelRepository, PREANNOTATE_JOB_KIND, TaskRepository, updatePreannotationSettings } from '@delineate/store';
import { createWorker } from '../worker';
import { usePreannotationBed } from '../test/preannotation-bed';
import { preannotationJobs } from './preannotate-job';

describe('drafts on task creation (a project setting)', () => {
  const bed = usePreannotationBed('dln-on-creation-');

  it('queues a draft of every new annotation task; the annotator starts from it', async () => {
    const db = bed.database.db;
    const model = await new ModelRepository(db, { blobs: bed.blobs }).registerManifest({
      projectId: bed.projectId,
      createdBy: bed.adminId,
      manifest: {
        name: 'ct-body',
        version: '1',
        weightsSha256: null,
        licence: 'MIT',
        intendedUse: 'The body outline, as a starting point.',
        modality: 'CT',
        input: { dimensionality: '3d', spacingMm: null, normalisation: { kind: 'none' }, patchSize: null, overlap: 0 },
        outputs: [{ index: 1, concept: { scheme: 'SCT', value: '10200004' } }],
        runtime: { kind: 'builtin', preannotator: 'ct_body' },
      },
    });
    await updatePreannotationSettings(db, bed.projectId, { onTaskCreationModelId: model.id, surfaceToleranceMm: 1 }, () => new Date());
    const { created } = await bed.workflow.generateTasks(bed.projectId);
    const queued = await db.selectFrom('jobs').select(['id', 'payload']).where('kind', '=', PREANNOTATE_JOB_KIND).execute();
    expect(queued.map((j) => j.payload)).toEqual([{ projectId: bed.projectId, modelId: model.id, target: { kind: 'task', taskId: created[0]!.id }, prompt: { kind: 'volume' }, requestedBy: null }]);

    const jobs = preannotationJobs();
    const worker = createWorker({ database: bed.database, blobs: bed.blobs, clock: () => new Date(), region: 'local', handlers: jobs.handlers, audit: bed.audit });
    expect(await worker.runOnce()).toBe(true);
    await jobs.close();
    expect((await new JobQueue(db).get(queued[0]!.id)).status).toBe('succeeded');
    const annotation = await db.selectFrom('annotations').select(['id', 'created_by', 'head_version']).where('task_id', '=', created[0]!.id).executeTakeFirstOrThrow();
    expect(annotation).toMatchObject({ created_by: bed.annotatorId, head_version: 1 });
    // The annotator saves on top of the draft: their revision 2 follows the model's revision 1.
    const annotations = new AnnotationRepository(db, { blobs: bed.blobs });
    const draft = await annotations.readTiles(annotation.id, 1);
    expect(draft.tiles.length).toBeGreaterThan(0);
    const saved = await annotations.saveTiledRevision({ annotationId: annotation.id, expectedVersion: 1, author: { kind: 'user', userId: bed.annotatorId }, source: 'human', grid: draft.grid, tiles: draft.tiles, whole: true });
    expect(saved.revision.version).toBe(2);
    expect((await new TaskRepository(db).get(created[0]!.id)).status).toBe('assigned');
    // The job's end is audited against the annotation it drew.
    const events = (await db.selectFrom('audit_events' as never).selectAll().execute()) as Array<Record<string, unknown>>;
    expect(events.filter((e) => e.action === 'job.preannotation.run.succeeded').map((e) => [e.object_type, e.object_id])).toEqual([['annotation', annotation.id]]);
  });
});
