import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { seededRandom } from '@delineate/core';
import { ModelManifest } from '@delineate/schema';
import { promptableDecoderSlice, promptableOnnxModels, windowModelSlice } from '@delineate/testkit';
import { promptableOnnxRuntime } from './onnx-promptable';

const options = { low: -20, high: 80, radius: 5 };
const { encoder, decoder } = promptableOnnxModels(options);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const manifest = ModelManifest.parse({
  name: 'click-liver',
  version: '1',
  weightsSha256: sha(encoder),
  licence: 'MIT',
  intendedUse: 'Test.',
  modality: 'CT',
  input: { dimensionality: '2d', spacingMm: null, normalisation: { kind: 'none' }, patchSize: null, overlap: 0 },
  outputs: [{ index: 3, concept: { scheme: 'SCT', value: '10200004' } }],
  runtime: { kind: 'onnx', promptDecoder: { decoderSha256: sha(decoder), embedding: 'image_embeddings', pointCoords: 'point_coords', pointLabels: 'point_labels', masks: 'masks' } },
});

describe('promptable ONNX runtime (encoder once per slice, decoder per prompt)', () => {
  const runtime = promptableOnnxRuntime({ threads: 1 });
  afterAll(() => runtime.close());
  const [nx, ny, nz] = [40, 36, 3];
  const plane = nx * ny;
  const rng = seededRandom(9);
  const hu = Int16Array.from({ length: nx * ny * nz }, () => Math.round(rng.next() * 200 - 60));
  const geometry = { columns: nx, rows: ny, slices: nz, spacing: [1, 1, 1] as const, origin: [0, 0, 0] as const, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const base = { manifest, geometry, hu, weights: encoder, decoderWeights: decoder };

  it('a click draws what the decoder computes on its slice only, computing the slice embedding once for several clicks', async () => {
    const expected = (x: number, y: number) => promptableDecoderSlice(windowModelSlice(hu.subarray(plane, 2 * plane), nx, ny, options), nx, ny, [[x, y]], options.radius);
    for (const [x, y] of [[10, 12], [25, 20], [30, 5]] as const) {
      const out = await runtime.run({ ...base, prompt: { kind: 'click', plane: 'axial', point: [x, y, 1], toleranceHu: 10 } });
      expect(out.region).toEqual({ min: [0, 0, 1], max: [nx - 1, ny - 1, 1], mode: 'add' });
      const want = expected(x, y);
      let drawn = 0;
      for (let i = 0; i < plane; i++) {
        expect(out.indices[i]).toBe(0);
        expect(out.indices[2 * plane + i]).toBe(0);
        expect(out.indices[plane + i]).toBe(want[i] ? 3 : 0);
        drawn += want[i]!;
      }
      expect(drawn).toBeGreaterThan(0);
    }
    expect(runtime.stats).toEqual({ encoderRuns: 1, decoderRuns: 3, cacheHits: 2 });
  });

  it('a slice or volume prompt is refused; missing decoder weights are refused', async () => {
    await expect(runtime.run({ ...base, prompt: { kind: 'slice', plane: 'axial', slice: 0 } })).rejects.toMatchObject({ code: 'DLN_MODEL_PROMPT_INVALID' });
    await expect(runtime.run({ ...base, decoderWeights: undefined, prompt: { kind: 'click', plane: 'axial', point: [1, 1, 0], toleranceHu: 10 } })).rejects.toMatchObject({ code: 'DLN_MODEL_WEIGHTS_MISSING' });
  });

  it('a box runs the decoder on each of its slices and draws inside the box only', async () => {
    const out = await runtime.run({ ...base, prompt: { kind: 'box', plane: 'axial', min: [2, 2, 0], max: [20, 20, 2] } });
    expect(out.region).toEqual({ min: [2, 2, 0], max: [20, 20, 2], mode: 'replace' });
    // This small decoder draws from clicks only: box corners (labels 2 and 3) draw nothing.
    expect(out.indices.every((v) => v === 0)).toBe(true);
    expect(runtime.stats.decoderRuns).toBe(6);
  });
});
