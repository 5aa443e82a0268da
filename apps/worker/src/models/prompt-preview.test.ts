import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDelineateError, type ModelManifest } from '@delineate/schema';
import { ModelRepository, readItemHounsfield } from '@delineate/store';
import { promptableDecoderSlice, promptableOnnxModels, windowModelSlice } from '@delineate/testkit';
import { usePreannotationBed } from '../test/preannotation-bed';
import { promptableOnnxRuntime } from './onnx-promptable';
import { promptPreviews } from './prompt-preview';

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

/** The runs [start, end) of a slice mask, row by row, within x0…x1 and y0…y1. */
function runsOf(mask: Uint8Array, nx: number, x0: number, x1: number, y0: number, y1: number): number[] {
  const runs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (mask[x + nx * y] === 1 && (x === x0 || mask[x - 1 + nx * y] === 0)) runs.push(x + nx * y);
      if (mask[x + nx * y] === 1 && (x === x1 || mask[x + 1 + nx * y] === 0)) runs.push(x + 1 + nx * y);
    }
  }
  return runs;
}

describe('live decoder previews of a promptable ONNX model', () => {
  const bed = usePreannotationBed('dln-preview-');
  let previews: ReturnType<typeof promptPreviews>;
  let modelId: string;
  let growId: string;
  let taskId: string;

  beforeAll(async () => {
    previews = promptPreviews({ database: bed.database, blobs: bed.blobs, clock: () => new Date() });
    const registry = new ModelRepository(bed.database.db, { blobs: bed.blobs });
    await registry.uploadWeights(decoder, sha(decoder));
    modelId = (await registry.registerManifest({ projectId: bed.projectId, manifest, createdBy: bed.adminId, weights: encoder })).id;
    const grow = { ...manifest, name: 'liver-grow', weightsSha256: null, runtime: { kind: 'builtin', preannotator: 'region_grow' } } as ModelManifest;
    growId = (await registry.registerManifest({ projectId: bed.projectId, manifest: grow, createdBy: bed.adminId })).id;
    taskId = (await bed.workflow.generateTasks(bed.projectId)).created[0]!.id;
  });
  afterAll(async () => previews?.close());

  it("answers the decoder's mask for clicks and a box through onnxruntime-node, encoding each slice once, and saves nothing", async () => {
    const [nx, ny] = bed.phantom.dims;
    const plane = nx * ny;
    const z = Math.floor(bed.phantom.dims[2] / 2);
    const { hu } = await readItemHounsfield(bed.database.db, bed.blobs, bed.itemId);
    const embedding = windowModelSlice(hu.subarray(z * plane, (z + 1) * plane), nx, ny, options);
    // A drag: the click moves across the slice; every answer is the decoder's mask around it.
    let drawn = 0;
    for (const [x, y] of [[20, 18], [22, 19], [24, 20], [26, 21]] as const) {
      const answer = await previews.preview({ taskId, modelId, prompt: { kind: 'click', plane: 'axial', point: [x, y, z], toleranceHu: 10 } });
      const expected = promptableDecoderSlice(embedding, nx, ny, [[x, y]], options.radius);
      expect(answer).toEqual({ slice: z, runs: runsOf(expected, nx, 0, nx - 1, 0, ny - 1), voxels: expected.reduce((a, b) => a + b, 0) });
      drawn += answer.voxels;
    }
    expect(drawn).toBeGreaterThan(40);
    const box = await previews.preview({ taskId, modelId, prompt: { kind: 'box', plane: 'axial', min: [14, 12, z], max: [30, 26, z] } });
    // A box previews what the pre-annotation job would draw for it, on the same runtime.
    const job = promptableOnnxRuntime();
    const drawnByJob = await job.run({ manifest, geometry: (await readItemHounsfield(bed.database.db, bed.blobs, bed.itemId)).geometry, hu, prompt: { kind: 'box', plane: 'axial', min: [14, 12, z], max: [30, 26, z] }, weights: encoder, decoderWeights: decoder });
    await job.close();
    expect(box.runs).toEqual(runsOf(drawnByJob.indices.subarray(z * plane, (z + 1) * plane), nx, 14, 30, 12, 26));
    // One slice, one encoder run; every prompt went through the decoder.
    expect(previews.stats).toMatchObject({ encoderRuns: 1, decoderRuns: 5, cacheHits: 4 });
    const annotations = await bed.database.db.selectFrom('annotations').select('id').where('task_id', '=', taskId).execute();
    expect(annotations).toEqual([]);
  });

  it('refuses a box over several slices and a model without a decoder, with coded errors', async () => {
    const code = (p: Promise<unknown>) => p.then(() => 'answered', (e: unknown) => (isDelineateError(e) ? e.code : String(e)));
    await expect(code(previews.preview({ taskId, modelId, prompt: { kind: 'box', plane: 'axial', min: [2, 2, 1], max: [20, 20, 3] } }))).resolves.toBe('DLN_MODEL_PROMPT_INVALID');
    await expect(code(previews.preview({ taskId, modelId: growId, prompt: { kind: 'click', plane: 'axial', point: [2, 2, 1], toleranceHu: 10 } }))).resolves.toBe('DLN_MODEL_PROMPT_INVALID');
  });
});
