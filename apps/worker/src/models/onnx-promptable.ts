import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { DelineateError } from '@delineate/schema';
import { normaliser, onnxSessions } from './onnx';
import { promptRegion, type PreannotationRuntime, type RuntimeInput, type RuntimeOutput, type RuntimeRegion } from './runtime';

export interface PromptableRuntimeOptions {
  /** Threads per inference; default 1, the machine is shared. */
  readonly threads?: number | undefined;
  /** Slice embeddings kept (each is the encoder's output for one slice); default 32. */
  readonly cachedEmbeddings?: number | undefined;
}

/** Counters the tests read: the encoder runs once per slice, however many prompts follow. */
export interface PromptableRuntimeStats {
  encoderRuns: number;
  decoderRuns: number;
  cacheHits: number;
}

/** A decoder's mask on one slice, as in-plane runs [start, end) of voxel offsets (x + columns·y). */
export interface SlicePreview {
  readonly slice: number;
  readonly runs: number[];
  readonly voxels: number;
}

/** One decoder call on one slice: SAM's point encoding (1 a click; 2 and 3 a box's corners). */
interface SlicePrompt {
  readonly slice: number;
  readonly points: readonly (readonly [number, number, number])[];
}

function promptsOf(input: RuntimeInput): { prompts: SlicePrompt[]; region: RuntimeRegion } {
  const { prompt, geometry: g } = input;
  const region = promptRegion(prompt, g);
  switch (prompt.kind) {
    case 'click': {
      const [x, y, z] = prompt.point;
      // A click draws on its own slice, added to what is there.
      return { prompts: [{ slice: z, points: [[x, y, 1]] }], region: { min: [0, 0, z], max: [g.columns - 1, g.rows - 1, z], mode: 'add' } };
    }
    case 'box': {
      const prompts: SlicePrompt[] = [];
      for (let z = prompt.min[2]; z <= prompt.max[2]; z++) prompts.push({ slice: z, points: [[prompt.min[0], prompt.min[1], 2], [prompt.max[0], prompt.max[1], 3]] });
      return { prompts, region };
    }
    default:
      throw new DelineateError('DLN_MODEL_PROMPT_INVALID', 'A promptable model takes a click or a box');
  }
}

/**
 * Promptable (SAM-style) ONNX models: the encoder (the manifest's weights) turns a slice into an
 * embedding once, kept in a small cache keyed by the encoder and the slice's HU; the decoder runs
 * per prompt on that embedding. Its mask logits are drawn where > 0, as the manifest's first
 * output index, within the click's slice or the box.
 */
export function promptableOnnxRuntime(options: PromptableRuntimeOptions = {}): PreannotationRuntime & {
  close(): Promise<void>;
  readonly stats: PromptableRuntimeStats;
  /** The decoder's mask for a click or a one-slice box, without a revision: the workspace's live preview while dragging. */
  previewSlice(input: RuntimeInput): Promise<SlicePreview>;
} {
  const { sessions, sessionFor } = onnxSessions(options.threads ?? 1);
  const embeddings = new Map<string, ort.Tensor>();
  const capacity = options.cachedEmbeddings ?? 32;
  const stats: PromptableRuntimeStats = { encoderRuns: 0, decoderRuns: 0, cacheHits: 0 };
  const infer = async (session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string): Promise<ort.Tensor> => {
    try {
      const result = (await session.run(feeds))[output];
      if (!result) throw new DelineateError('DLN_MODEL_OUTPUT_OFF_GRID', `The model has no output named ${output}`);
      return result;
    } catch (e) {
      if (e instanceof DelineateError) throw e;
      throw new DelineateError('DLN_MODEL_RUNTIME_FAILED', `The ONNX model failed on its input (${e instanceof Error ? e.name : 'error'})`);
    }
  };
  /** The decoder's logits for one prompt on one slice, the slice's embedding computed once. */
  const decode = async (input: RuntimeInput, p: SlicePrompt): Promise<Float32Array> => {
    const { manifest, geometry: g, hu } = input;
    const spec = manifest.runtime.kind === 'onnx' ? manifest.runtime.promptDecoder : undefined;
    if (!spec) throw new DelineateError('DLN_MODEL_MANIFEST_INVALID', 'Not a promptable model');
    if (!input.weights || !input.decoderWeights || !manifest.weightsSha256) throw new DelineateError('DLN_MODEL_WEIGHTS_MISSING', 'A promptable model runs with its encoder and decoder weights');
    const encoder = await sessionFor(manifest.weightsSha256, input.weights);
    const decoder = await sessionFor(spec.decoderSha256, input.decoderWeights);
    const [nx, ny] = [g.columns, g.rows];
    const plane = nx * ny;
    const slice = hu.subarray(p.slice * plane, (p.slice + 1) * plane);
    const key = `${manifest.weightsSha256}:${createHash('sha256').update(new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength)).digest('hex')}`;
    let embedding = embeddings.get(key);
    if (embedding) {
      stats.cacheHits++;
      // Most recently used last, so the oldest goes first.
      embeddings.delete(key);
    } else {
      const normalise = normaliser(manifest.input.normalisation);
      embedding = await infer(encoder, { [encoder.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(slice, normalise), [1, 1, ny, nx]) }, spec.embedding);
      stats.encoderRuns++;
      if (embeddings.size >= capacity) embeddings.delete(embeddings.keys().next().value!);
    }
    embeddings.set(key, embedding);
    const coords = new ort.Tensor('float32', Float32Array.from(p.points.flatMap(([x, y]) => [x, y])), [1, p.points.length, 2]);
    const labels = new ort.Tensor('float32', Float32Array.from(p.points.map(([, , l]) => l)), [1, p.points.length]);
    const masks = await infer(decoder, { [spec.embedding]: embedding, [spec.pointCoords]: coords, [spec.pointLabels]: labels }, spec.masks);
    stats.decoderRuns++;
    // SAM may answer several masks; the first is drawn. It must lie on the slice's grid.
    const dims = masks.dims;
    if (dims.length !== 4 || dims[2] !== ny || dims[3] !== nx || masks.type !== 'float32') throw new DelineateError('DLN_MODEL_OUTPUT_OFF_GRID', "The decoder's mask is not on the grid of the slice");
    return masks.data as Float32Array;
  };
  return {
    kind: 'onnx',
    stats,
    async close() {
      for (const s of sessions.values()) await (await s).release();
      sessions.clear();
      embeddings.clear();
    },
    async run(input: RuntimeInput): Promise<RuntimeOutput> {
      const { manifest, geometry: g } = input;
      const { prompts, region } = promptsOf(input);
      const [nx, ny] = [g.columns, g.rows];
      const plane = nx * ny;
      const index = manifest.outputs[0]!.index;
      const indices = new Uint8Array(plane * g.slices);
      for (const p of prompts) {
        const logits = await decode(input, p);
        for (let y = region.min[1]; y <= region.max[1]; y++) {
          for (let x = region.min[0]; x <= region.max[0]; x++) if (logits[x + nx * y]! > 0) indices[p.slice * plane + x + nx * y] = index;
        }
      }
      return { indices, region };
    },
    async previewSlice(input: RuntimeInput): Promise<SlicePreview> {
      const { prompts, region } = promptsOf(input);
      if (prompts.length !== 1) throw new DelineateError('DLN_MODEL_PROMPT_INVALID', 'A live preview takes a click or a box on one slice');
      const p = prompts[0]!;
      const nx = input.geometry.columns;
      const logits = await decode(input, p);
      // Runs of the mask, row by row within the prompt's region: a drag step's answer stays small.
      const runs: number[] = [];
      let voxels = 0;
      for (let y = region.min[1]; y <= region.max[1]; y++) {
        let start = -1;
        for (let x = region.min[0]; x <= region.max[0] + 1; x++) {
          const inside = x <= region.max[0] && logits[x + nx * y]! > 0;
          if (inside && start < 0) start = x;
          else if (!inside && start >= 0) {
            runs.push(start + nx * y, x + nx * y);
            voxels += x - start;
            start = -1;
          }
        }
      }
      return { slice: p.slice, runs, voxels };
    },
  };
}
