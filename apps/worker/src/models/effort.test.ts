import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutRle8, encodeRle8, tileGridOf } from '@delineate/core';
import type { PreannotateJobPayload } from '@delineate/schema';
import {
  AnnotationRepository,
  correctionEffortOf,
  CORRECTION_EFFORT_JOB_KIND,
  effortByModel,
  JobQueue,
  ModelRepository,
  PREANNOTATE_JOB_KIND,
  recordEditingActivity,
} from '@delineate/store';
import { createWorker, type Worker } from '../worker';
import { usePreannotationBed } from '../test/preannotation-bed';
import { preannotationJobs } from './preannotate-job';

describe('correction effort of a submitted task, a scripted case worked out by hand', () => {
  const bed = usePreannotationBed('dln-effort-');
  let worker: Worker;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const jobs = preannotationJobs();
    close = jobs.close;
    worker = createWorker({ database: bed.database, blobs: bed.blobs, clock: () => new Date(), region: 'local', handlers: jobs.handlers, audit: bed.audit });
  });
  afterAll(() => close?.());

  it('measures Dice, HD95, path lengths and voxels per label, with the editing figures, per model version', async () => {
    const db = bed.database.db;
    const model = await new ModelRepository(db, { blobs: bed.blobs }).registerManifest({
      projectId: bed.projectId,
      createdBy: bed.adminId,
      manifest: {
        name: 'box-threshold',
        version: '3.1',
        weightsSha256: null,
        licence: 'MIT',
        intendedUse: 'Threshold inside a box.',
        modality: 'CT',
        input: { dimensionality: '3d', spacingMm: null, normalisation: { kind: 'none' }, patchSize: null, overlap: 0 },
        outputs: [{ index: 1, concept: { scheme: 'SCT', value: '10200004' } }],
        runtime: { kind: 'builtin', preannotator: 'box_threshold' },
      },
    });
    const { created } = await bed.workflow.generateTasks(bed.projectId);
    const taskId = created[0]!.id;
    // The draft: every voxel of the box x 10–13, y 10–13 on slice 2 (a window that takes any HU): 16 liver voxels.
    const payload: PreannotateJobPayload = {
      projectId: bed.projectId,
      modelId: model.id,
      target: { kind: 'task', taskId },
      prompt: { kind: 'box', plane: 'axial', min: [10, 10, 2], max: [13, 13, 2], window: { low: -4000, high: 4000 } },
      requestedBy: null,
    };
    await new JobQueue(db).enqueue({ kind: PREANNOTATE_JOB_KIND, region: 'local', payload, maxAttempts: 1 });
    expect(await worker.runOnce()).toBe(true);
    const annotation = await db.selectFrom('annotations').select(['id', 'head_version']).where('task_id', '=', taskId).executeTakeFirstOrThrow();
    expect(annotation.head_version).toBe(1);

    // The annotator widens the square by the column x = 14 (4 voxels) and submits.
    const [nx, ny, nz] = bed.phantom.dims;
    const corrected = new Uint8Array(nx * ny * nz);
    for (let y = 10; y <= 13; y++) for (let x = 10; x <= 14; x++) corrected[x + nx * (y + ny * 2)] = 1;
    const cut = cutRle8(tileGridOf(nx, ny, nz), encodeRle8(corrected));
    if (!cut.ok) throw new Error('cut failed');
    await new AnnotationRepository(db, { blobs: bed.blobs }).saveTiledRevision({
      annotationId: annotation.id,
      expectedVersion: 1,
      author: { kind: 'user', userId: bed.annotatorId },
      source: 'human',
      grid: tileGridOf(nx, ny, nz),
      tiles: cut.tiles,
      whole: true,
    });
    await recordEditingActivity(db, taskId, { activeEditingMs: 42_000, strokes: 3, clicks: 5, undos: 1 }, () => new Date());
    await bed.workflow.submitAnnotation({ taskId, userId: bed.annotatorId, annotationId: annotation.id });
    const queued = await db.selectFrom('jobs').select(['id', 'kind']).where('kind', '=', CORRECTION_EFFORT_JOB_KIND).execute();
    expect(queued).toHaveLength(1);
    expect(await worker.runOnce()).toBe(true);

    const effort = await correctionEffortOf(db, taskId);
    // Spacing 1.5 × 1.25 mm in-plane: a contour pixel is (1.5 + 1.25) / 2 = 1.375 mm.
    // Dice 2·16 / (16 + 20); the corrected contour's 4 pixels at x = 14 are neither on the draft's
    // contour (1.5 mm away, beyond the 1 mm tolerance) nor inside the draft: APL = FNPL = 4 · 1.375.
    // HD95: the corrected surface's corners at the new face lie one column (1.5 mm) from the draft's.
    expect(effort).toMatchObject({ modelName: 'box-threshold', modelVersion: '3.1', aiVersion: 1, submittedVersion: 2, editing: { activeEditingMs: 42_000, strokes: 3, clicks: 5, undos: 1 } });
    const [liver, lesion] = [effort!.labels.find((l) => l.labelKey === 'liver')!, effort!.labels.find((l) => l.labelKey === 'liver_lesion')];
    expect(lesion).toBeUndefined();
    expect(liver).toMatchObject({ voxelsAdded: 4, voxelsRemoved: 0, acceptedAsIs: false, toleranceMm: 1 });
    expect(liver.dice).toBeCloseTo(32 / 36, 12);
    expect(liver.addedPathLengthMm).toBeCloseTo(5.5, 5);
    expect(liver.falseNegativePathLengthMm).toBeCloseTo(5.5, 5);
    expect(liver.hd95Mm).toBeCloseTo(1.5, 5);
    expect(liver.surfaceDice).toBeGreaterThan(0);
    expect(liver.surfaceDice).toBeLessThan(1);

    const summary = await effortByModel(db, bed.projectId);
    expect(summary).toEqual([
      expect.objectContaining({
        name: 'box-threshold',
        version: '3.1',
        tasks: 1,
        labels: [expect.objectContaining({ labelKey: 'liver', tasks: 1, acceptedAsIs: 0, voxelsAdded: 4, voxelsRemoved: 0, addedPathLengthMm: { n: 1, mean: expect.closeTo(5.5, 5) } })],
        editing: expect.objectContaining({ tasks: 1, strokes: { n: 1, mean: 3 } }),
      }),
    ]);
  });
});
