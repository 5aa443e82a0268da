import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelManifest } from '@delineate/schema';
import { ModelRepository, readItemHounsfield, WorkflowRepository } from '@delineate/store';
import { policyTable } from '@delineate/server';
import { promptableDecoderSlice, promptableOnnxModels, windowModelSlice } from '@delineate/testkit';
import { openReleaseScenario, type ReleaseScenario } from './release-scenario.fixture';

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

/**
 * `POST /api/tasks/:taskId/preannotations/preview` on a server wired as `delineate start` wires it:
 * the project's test promptable model through onnxruntime-node answers the decoder's mask for a
 * click on the slice, to the task's assignee only, and nothing is saved.
 */
describe('live decoder previews through the API', () => {
  let s: ReleaseScenario;
  let modelId = '';
  let taskId = '';
  let itemId = '';
  let assignee = '';

  beforeAll(async () => {
    s = await openReleaseScenario({ size: 48, slices: 6, series: [[3, 'PREVIEW-1']], promptPreviews: true });
    const registry = new ModelRepository(s.database.db, { blobs: s.blobs });
    await registry.uploadWeights(decoder, sha(decoder));
    modelId = (await registry.registerManifest({ projectId: s.projectId, manifest, createdBy: s.users.admin!, weights: encoder })).id;
    const workflow = new WorkflowRepository(s.database.db, { blobs: s.blobs, clock: () => new Date(), requirements: policyTable.roleQualifications });
    await workflow.generateTasks(s.projectId);
    const task = (await workflow.listTasks(s.projectId, { stage: 'annotate' }))[0]!;
    taskId = task.id;
    itemId = task.itemId;
    assignee = Object.entries(s.users).find(([, id]) => id === task.assigneeId)![0];
  }, 120_000);
  afterAll(async () => s?.close());

  it("answers the assignee the decoder's mask around a click, and refuses anyone else", async () => {
    const { hu, geometry } = await readItemHounsfield(s.database.db, s.blobs, itemId);
    const [nx, ny] = [geometry.columns, geometry.rows];
    const plane = nx * ny;
    const z = 3;
    const point: [number, number, number] = [20, 24, z];
    const res = await s.call(assignee, 'POST', `/api/tasks/${taskId}/preannotations/preview`, { modelId, prompt: { kind: 'click', plane: 'axial', point, toleranceHu: 10 } });
    expect(res.status, res.raw.toString()).toBe(200);
    const expected = promptableDecoderSlice(windowModelSlice(hu.subarray(z * plane, (z + 1) * plane), nx, ny, options), nx, ny, [[point[0], point[1]]], options.radius);
    const drawn = new Uint8Array(plane);
    const body = res.json() as { slice: number; runs: number[]; voxels: number };
    for (let k = 0; k < body.runs.length; k += 2) drawn.fill(1, body.runs[k], body.runs[k + 1]);
    expect(body.slice).toBe(z);
    expect(Array.from(drawn)).toEqual(Array.from(expected));
    expect(body.voxels).toBe(expected.reduce((a, b) => a + b, 0));
    expect(body.voxels).toBeGreaterThan(10);
    // Nothing saved: the task has no annotation yet.
    expect(await s.database.db.selectFrom('annotations').select('id').where('task_id', '=', taskId).execute()).toEqual([]);

    const other = Object.keys(s.users).find((u) => u.startsWith('tech') && u !== assignee)!;
    const refused = await s.call(other, 'POST', `/api/tasks/${taskId}/preannotations/preview`, { modelId, prompt: { kind: 'click', plane: 'axial', point, toleranceHu: 10 } });
    expect(refused.status).toBe(403);
    const spread = await s.call(assignee, 'POST', `/api/tasks/${taskId}/preannotations/preview`, { modelId, prompt: { kind: 'box', plane: 'axial', min: [2, 2, 1], max: [20, 20, 3] } });
    expect([spread.status, spread.json().code]).toEqual([422, 'DLN_MODEL_PROMPT_INVALID']);
  }, 120_000);
});
