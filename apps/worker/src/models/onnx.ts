import * as ort from 'onnxruntime-node';
import { DelineateError, type IntensityNormalisation, type ModelManifest } from '@delineate/schema';
import { promptRegion, type PreannotationRuntime, type RuntimeInput, type RuntimeOutput, type RuntimeRegion } from './runtime';

export interface OnnxRuntimeOptions {
  /** Threads per inference (onnxruntime's intra-op pool); default 1, the machine is shared. */
  readonly threads?: number | undefined;
}

/** One patch position of a sliding window: its first voxel and its size, per axis. */
interface Patch {
  readonly start: readonly [number, number, number];
  readonly size: readonly [number, number, number];
}

/** Patch starts along one axis: stride = size·(1 − overlap), the last patch flush with the end. */
export function windowStarts(from: number, to: number, size: number, overlap: number): number[] {
  const length = to - from + 1;
  if (size >= length) return [from];
  const stride = Math.max(1, Math.round(size * (1 - overlap)));
  const starts: number[] = [];
  for (let s = from; s + size - 1 < to; s += stride) starts.push(s);
  starts.push(to - size + 1);
  return [...new Set(starts)];
}

function patchesOf(region: RuntimeRegion, manifest: ModelManifest): Patch[] {
  const extent = [0, 1, 2].map((a) => region.max[a]! - region.min[a]! + 1);
  const twoD = manifest.input.dimensionality === '2d';
  const wanted = manifest.input.patchSize ?? [extent[0]!, extent[1]!, twoD ? 1 : extent[2]!];
  const size = [Math.min(wanted[0], extent[0]!), Math.min(wanted[1], extent[1]!), twoD ? 1 : Math.min(wanted[2], extent[2]!)] as const;
  const overlap = manifest.input.overlap;
  const patches: Patch[] = [];
  for (const z of windowStarts(region.min[2], region.max[2], size[2], twoD ? 0 : overlap)) {
    for (const y of windowStarts(region.min[1], region.max[1], size[1], overlap)) {
      for (const x of windowStarts(region.min[0], region.max[0], size[0], overlap)) patches.push({ start: [x, y, z], size });
    }
  }
  return patches;
}

export function normaliser(n: IntensityNormalisation): (hu: number) => number {
  switch (n.kind) {
    case 'window':
      return (hu) => Math.min(1, Math.max(0, (hu - n.low) / (n.high - n.low)));
    case 'zscore':
      return (hu) => (hu - n.mean) / n.sd;
    case 'none':
      return (hu) => hu;
  }
}

/**
 * ONNX models through onnxruntime-node on the CPU. 2-D models run slice by slice ([1, 1, H, W]),
 * 3-D models on [1, 1, D, H, W]; with a patch size, a sliding window with the manifest's overlap,
 * probabilities averaged where patches overlap. One output channel is thresholded at 0.5 (index
 * 1); several channels take the argmax, channel c being output index c (0 the background).
 */
/** ONNX sessions by weights hash, loaded once; a model that fails to load is refused with a code and not kept. */
export function onnxSessions(threads = 1): { sessions: Map<string, Promise<ort.InferenceSession>>; sessionFor(hash: string, weights: Uint8Array): Promise<ort.InferenceSession> } {
  const sessions = new Map<string, Promise<ort.InferenceSession>>();
  const sessionFor = (hash: string, weights: Uint8Array) => {
    let s = sessions.get(hash);
    if (!s) {
      s = ort.InferenceSession.create(weights, { intraOpNumThreads: threads, interOpNumThreads: 1 }).catch((e: unknown) => {
        sessions.delete(hash);
        throw new DelineateError('DLN_MODEL_RUNTIME_FAILED', `The ONNX runtime could not load the model (${e instanceof Error ? e.name : 'error'})`);
      });
      sessions.set(hash, s);
    }
    return s;
  };
  return { sessions, sessionFor };
}

export function onnxRuntime(options: OnnxRuntimeOptions = {}): PreannotationRuntime & { close(): Promise<void> } {
  const { sessions, sessionFor } = onnxSessions(options.threads ?? 1);
  return {
    kind: 'onnx',
    async close() {
      for (const s of sessions.values()) await (await s).release();
      sessions.clear();
    },
    async run(input: RuntimeInput): Promise<RuntimeOutput> {
      const { manifest, geometry: g, hu } = input;
      if (!input.weights || !manifest.weightsSha256) throw new DelineateError('DLN_MODEL_WEIGHTS_MISSING', 'An ONNX model runs with its weights');
      const session = await sessionFor(manifest.weightsSha256, input.weights);
      const region = promptRegion(input.prompt, g);
      const normalise = normaliser(manifest.input.normalisation);
      const twoD = manifest.input.dimensionality === '2d';
      const [nx, ny] = [g.columns, g.rows];
      const extent = [0, 1, 2].map((a) => region.max[a]! - region.min[a]! + 1) as [number, number, number];
      const regionVoxels = extent[0] * extent[1] * extent[2];
      let channels = 0;
      let sums: Float32Array[] = [];
      const counts = new Uint16Array(regionVoxels);
      const inputName = session.inputNames[0]!, outputName = session.outputNames[0]!;
      for (const patch of patchesOf(region, manifest)) {
        const [px, py, pz] = patch.size;
        const data = new Float32Array(px * py * pz);
        for (let z = 0; z < pz; z++) {
          for (let y = 0; y < py; y++) {
            const from = patch.start[0] + nx * (patch.start[1] + y + ny * (patch.start[2] + z));
            for (let x = 0; x < px; x++) data[x + px * (y + py * z)] = normalise(hu[from + x]!);
          }
        }
        const shape = twoD ? [1, 1, py, px] : [1, 1, pz, py, px];
        let result: ort.Tensor;
        try {
          result = (await session.run({ [inputName]: new ort.Tensor('float32', data, shape) }))[outputName]!;
        } catch (e) {
          throw new DelineateError('DLN_MODEL_RUNTIME_FAILED', `The ONNX model failed on its input (${e instanceof Error ? e.name : 'error'})`);
        }
        const dims = result.dims;
        const spatial = twoD ? [dims[2], dims[3]] : [dims[2], dims[3], dims[4]];
        const expected = twoD ? [py, px] : [pz, py, px];
        if (dims.length !== shape.length || spatial.some((d, i) => d !== expected[i]) || result.type !== 'float32') {
          throw new DelineateError('DLN_MODEL_OUTPUT_OFF_GRID', "The model's output is not on the grid of its input");
        }
        const c = Number(dims[1]);
        if (channels === 0) {
          channels = c;
          sums = Array.from({ length: c }, () => new Float32Array(regionVoxels));
        }
        const out = result.data as Float32Array;
        const per = px * py * pz;
        for (let z = 0; z < pz; z++) {
          for (let y = 0; y < py; y++) {
            const at = patch.start[0] - region.min[0] + extent[0] * (patch.start[1] + y - region.min[1] + extent[1] * (patch.start[2] + z - region.min[2]));
            for (let x = 0; x < px; x++) {
              const k = x + px * (y + py * z);
              counts[at + x]!++;
              for (let ch = 0; ch < c; ch++) sums[ch]![at + x]! += out[ch * per + k]!;
            }
          }
        }
      }
      const indices = new Uint8Array(nx * ny * g.slices);
      for (let z = 0; z < extent[2]; z++) {
        for (let y = 0; y < extent[1]; y++) {
          for (let x = 0; x < extent[0]; x++) {
            const r = x + extent[0] * (y + extent[1] * z);
            const n = counts[r]!;
            if (n === 0) continue;
            let index = 0;
            if (channels === 1) index = sums[0]![r]! / n > 0.5 ? 1 : 0;
            else {
              let best = -Infinity;
              for (let ch = 0; ch < channels; ch++) if (sums[ch]![r]! > best) [best, index] = [sums[ch]![r]!, ch];
            }
            indices[region.min[0] + x + nx * (region.min[1] + y + ny * (region.min[2] + z))] = index;
          }
        }
      }
      return { indices, region: { ...region, mode: 'replace' } };
    },
  };
}
