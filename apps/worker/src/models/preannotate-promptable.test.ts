import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle8 } from '@delineate/core';
import { isDelineateError, type ModelManifest, type PreannotateJobPayload } from '@delineate/schema';
import { AnnotationRepository, DraftRepository, JobQueue, ModelRepository, PREANNOTATE_JOB_KIND, readItemHounsfield } from '@delineate/store';
import { promptableDecoderSlice, promptableOnnxModels, windowModelSlice } from '@delineate/testkit';
import { createWorker, type Worker } from '../worker';
import { usePreannotationBed } from '../test/preannotation-bed';
import { preannotationJobs } from './preannotate-job';

const options = { low: 40, high: 80, radius: 6 };
const { encoder, decoder } = promptableOnnxModels(options);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const manifest: ModelManifest = {
  name: 'liver-click',
  version: '0.1.0',
  weightsSha256: sha(encoder),
  licence: 'Apache-2.0',
  intendedUse: 'Liver outlines from clicks, for correction by an annotator.',
  modality: 'CT',
  input: { dimensionality: '2d', spacingMm: null, normalisation: { kind: 'none' }, patchSize: null, overlap: 0 },
  outputs: [{ index: 1, concept: { scheme: 'SCT', value: '10200004' } }],
  runtime: { kind: 'onnx', promptDecoder: { decoderSha256: sha(decoder), embedding: 'image_embeddings', pointCoords: 'point_coords', pointLabels: 'point_labels', masks: 'masks' } },
};

describe('pre-annotation jobs with a promptable (SAM-style) ONNX model', () => {
  const bed = usePreannotationBed('dln-promptable-');
  let worker: Worker;
  let close: () => Promise<void>;
  let modelId: string;
  let taskId: string;

  beforeAll(async () => {
    const jobs = preannotationJobs();
    close = jobs.close;
    worker = createWorker({ database: bed.database, blobs: bed.blobs, clock: () => new Date(), region: 'local', handlers: jobs.handlers, audit: bed.audit });
    const registry = new ModelRepository(bed.database.db, { blobs: bed.blobs });
    // The decoder is uploaded ahead like weights; a manifest naming a decoder the store lacks is refused.
    const refused = await registry.registerManifest({ projectId: bed.projectId, manifest, createdBy: bed.adminId, weights: encoder }).catch((e: unknown) => (isDelineateError(e) ? e.code : e));
    expect(refused).toBe('DLN_MODEL_WEIGHTS_MISSING');
    await registry.uploadWeights(decoder, sha(decoder));
    modelId = (await registry.registerManifest({ projectId: bed.projectId, manifest, createdBy: bed.adminId, weights: encoder })).id;
    taskId = (await bed.workflow.generateTasks(bed.projectId)).created[0]!.id;
  });
  afterAll(async () => close?.());

  it('a click runs the decoder on the slice embedding; the draft is an ai revision whose provenance holds the prompt', async () => {
    const [nx, ny] = bed.phantom.dims;
    const plane = nx * ny;
    const z = Math.floor(bed.phantom.dims[2] / 2);
    // The liver voxel with the most liver around it (7×7), so the click's disc lies mostly in the liver.
    let seed = -1, best = -1;
    for (let y = 3; y < ny - 3; y++) {
      for (let x = 3; x < nx - 3; x++) {
        let around = 0;
        for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) around += bed.phantom.labels[z * plane + x + dx + nx * (y + dy)] === 1 ? 1 : 0;
        if (around > best) [best, seed] = [around, z * plane + x + nx * y];
      }
    }
    const point = [seed % nx, Math.floor(seed / nx) % ny, z] as [number, number, number];
    const payload: PreannotateJobPayload = { projectId: bed.projectId, modelId, target: { kind: 'task', taskId }, prompt: { kind: 'click', plane: 'axial', point, toleranceHu: 10 }, requestedBy: bed.annotatorId };
    const job = await new JobQueue(bed.database.db).enqueue({ kind: PREANNOTATE_JOB_KIND, region: 'local', payload, maxAttempts: 1 });
    expect(await worker.runOnce()).toBe(true);
    const done = await new JobQueue(bed.database.db).get(job.id);
    expect(done.lastError).toBeNull();
    expect(done).toMatchObject({ lastError: null, status: 'succeeded' });

    const row = await bed.database.db.selectFrom('annotations').select(['id', 'head_version']).where('task_id', '=', taskId).executeTakeFirstOrThrow();
    const decoded = decodeRle8(await new AnnotationRepository(bed.database.db, { blobs: bed.blobs }).readMask(row.id, row.head_version), plane * bed.phantom.dims[2]);
    if (!decoded.ok) throw new Error('mask does not decode');
    const { hu } = await readItemHounsfield(bed.database.db, bed.blobs, (await bed.database.db.selectFrom('annotations').select('item_id').where('id', '=', row.id).executeTakeFirstOrThrow()).item_id);
    const expected = promptableDecoderSlice(windowModelSlice(hu.subarray(z * plane, (z + 1) * plane), nx, ny, options), nx, ny, [[point[0], point[1]]], options.radius);
    expect(Array.from(decoded.voxels.subarray(z * plane, (z + 1) * plane))).toEqual(Array.from(expected));
    expect(expected.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    expect(decoded.voxels.subarray(0, z * plane).every((v) => v === 0)).toBe(true);

    const [run] = await new DraftRepository(bed.database.db, { blobs: bed.blobs }).runs(row.id);
    expect(run!.provenance).toMatchObject({ modelId, runtime: 'onnx', weightsSha256: sha(encoder), name: 'liver-click', prompt: { kind: 'click', plane: 'axial', point, toleranceHu: 10 } });
  });
});
