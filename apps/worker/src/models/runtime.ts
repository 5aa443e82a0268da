import { DelineateError, type ModelManifest, type PreannotationPrompt } from '@delineate/schema';
import type { ItemVolumeGeometry } from '@delineate/store';

/** What every runtime gets: the manifest, the item's HU volume and geometry, the prompt. */
export interface RuntimeInput {
  readonly manifest: ModelManifest;
  readonly geometry: ItemVolumeGeometry;
  /** HU, x fastest, then y, then slice. */
  readonly hu: Int16Array;
  readonly prompt: PreannotationPrompt;
  /** ONNX weights, read back and checked against the manifest's hash. */
  readonly weights?: Uint8Array | undefined;
  /** A promptable model's decoder weights, read back and checked like the weights. */
  readonly decoderWeights?: Uint8Array | undefined;
}

/** The voxels a run covers (inclusive corners) and how its output lays into the head. */
export interface RuntimeRegion {
  readonly min: readonly [number, number, number];
  readonly max: readonly [number, number, number];
  readonly mode: 'replace' | 'add';
}

export interface RuntimeOutput {
  /** Model output indices on the item's whole grid (0: nothing), to be mapped to labels. */
  readonly indices: Uint8Array;
  readonly region: RuntimeRegion;
  /** External endpoints: where it ran and what `GET /info/` said. */
  readonly endpoint?: string | undefined;
  readonly infoSnapshot?: unknown;
}

/** One way to run a model; the ONNX, MONAI Label and built-in runtimes all answer this. */
export interface PreannotationRuntime {
  readonly kind: ModelManifest['runtime']['kind'];
  run(input: RuntimeInput): Promise<RuntimeOutput>;
}

/** The prompt's region on the grid; a prompt outside the grid is refused (DLN_MODEL_PROMPT_INVALID). */
export function promptRegion(prompt: PreannotationPrompt, g: ItemVolumeGeometry): RuntimeRegion {
  const last = [g.columns - 1, g.rows - 1, g.slices - 1] as const;
  const inside = (p: readonly number[]) => p.every((v, i) => v >= 0 && v <= last[i]!);
  switch (prompt.kind) {
    case 'volume':
      return { min: [0, 0, 0], max: last, mode: 'replace' };
    case 'slice':
      if (prompt.slice > last[2]) throw new DelineateError('DLN_MODEL_PROMPT_INVALID', 'The slice lies outside the item');
      return { min: [0, 0, prompt.slice], max: [last[0], last[1], prompt.slice], mode: 'replace' };
    case 'box':
      if (!inside(prompt.min) || !inside(prompt.max) || prompt.min.some((v, i) => v > prompt.max[i]!)) throw new DelineateError('DLN_MODEL_PROMPT_INVALID', 'The box lies outside the item or is inverted');
      return { min: prompt.min, max: prompt.max, mode: 'replace' };
    case 'click':
      if (!inside(prompt.point)) throw new DelineateError('DLN_MODEL_PROMPT_INVALID', 'The click lies outside the item');
      return { min: [0, 0, 0], max: last, mode: 'add' };
  }
}
