import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { ModelManifest } from '@delineate/schema';
import { seededRandom } from '@delineate/core';
import { windowModelSlice, windowOnnxModel } from '@delineate/testkit';
import { onnxRuntime, windowStarts } from './onnx';
import { preannotationOptionsFromEnv } from './preannotate-job';

const window = { low: -20, high: 80 };
const weights = windowOnnxModel(window);
const manifest = (patchSize: [number, number, number] | null, overlap: number): ModelManifest => ({
  name: 'window',
  version: '1',
  weightsSha256: createHash('sha256').update(weights).digest('hex'),
  licence: 'MIT',
  intendedUse: 'Test.',
  modality: 'CT',
  input: { dimensionality: '2d', spacingMm: null, normalisation: { kind: 'none' }, patchSize, overlap },
  outputs: [{ index: 1, concept: { scheme: 'SCT', value: '10200004' } }],
  runtime: { kind: 'onnx' },
});

describe('windowStarts', () => {
  it('steps by size·(1 − overlap) and ends flush with the region', () => {
    expect(windowStarts(0, 47, 32, 0.5)).toEqual([0, 16]);
    expect(windowStarts(0, 99, 32, 0.25)).toEqual([0, 24, 48, 68]);
    expect(windowStarts(5, 20, 32, 0.5)).toEqual([5]);
  });
});

describe('ONNX runtime (onnxruntime-node, CPU)', () => {
  const runtime = onnxRuntime({ threads: 1 });
  afterAll(() => runtime.close());
  const [nx, ny, nz] = [40, 36, 3];
  const rng = seededRandom(5);
  const hu = Int16Array.from({ length: nx * ny * nz }, () => Math.round(rng.next() * 200 - 60));
  const geometry = { columns: nx, rows: ny, slices: nz, spacing: [1, 1, 1] as const, origin: [0, 0, 0] as const, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

  it('a whole-slice run equals the model computed in JavaScript', async () => {
    const out = await runtime.run({ manifest: manifest(null, 0), geometry, hu, prompt: { kind: 'volume' }, weights });
    for (let z = 0; z < nz; z++) {
      const p = windowModelSlice(hu.subarray(z * nx * ny, (z + 1) * nx * ny), nx, ny, window);
      // Probabilities within float32 rounding of 0.5 could go either way; none lie there on this volume.
      p.forEach((v, i) => expect(out.indices[z * nx * ny + i]).toBe(v > 0.5 ? 1 : 0));
    }
  });

  it('a sliding window averages overlapping patches; a slice prompt runs that slice only', async () => {
    const out = await runtime.run({ manifest: manifest([24, 24, 1], 0.5), geometry, hu, prompt: { kind: 'slice', plane: 'axial', slice: 1 }, weights });
    const plane = nx * ny;
    const sums = new Float64Array(plane), counts = new Float64Array(plane);
    const slice = hu.subarray(plane, 2 * plane);
    for (const y0 of windowStarts(0, ny - 1, 24, 0.5)) {
      for (const x0 of windowStarts(0, nx - 1, 24, 0.5)) {
        const patch = new Float32Array(24 * 24);
        for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) patch[x + 24 * y] = slice[x0 + x + nx * (y0 + y)]!;
        const p = windowModelSlice(patch, 24, 24, window);
        for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) {
          sums[x0 + x + nx * (y0 + y)]! += p[x + 24 * y]!;
          counts[x0 + x + nx * (y0 + y)]!++;
        }
      }
    }
    for (let i = 0; i < plane; i++) {
      expect(out.indices[i]).toBe(0);
      expect(out.indices[2 * plane + i]).toBe(0);
      expect(out.indices[plane + i]).toBe(sums[i]! / counts[i]! > 0.5 ? 1 : 0);
    }
    expect(out.region).toEqual({ min: [0, 0, 1], max: [nx - 1, ny - 1, 1], mode: 'replace' });
  });

  it('refuses weights that are not a model', async () => {
    await expect(runtime.run({ manifest: { ...manifest(null, 0), weightsSha256: 'f'.repeat(64) }, geometry, hu, prompt: { kind: 'volume' }, weights: Uint8Array.from([1, 2, 3]) })).rejects.toMatchObject({ code: 'DLN_MODEL_RUNTIME_FAILED' });
  });
});

describe('preannotationOptionsFromEnv', () => {
  it('reads the runtime settings and refuses values out of range', () => {
    expect(preannotationOptionsFromEnv({ DELINEATE_ONNX_THREADS: '2', DELINEATE_MODEL_ENDPOINT_TIMEOUT_MS: '5000' })).toEqual({
      onnx: { threads: 2 },
      monaiLabel: { timeoutMs: 5000, retries: undefined, maxResponseBytes: undefined },
    });
    expect(() => preannotationOptionsFromEnv({ DELINEATE_ONNX_THREADS: '0' })).toThrow(/DELINEATE_ONNX_THREADS/);
  });
});
