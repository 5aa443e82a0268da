import { DelineateError, type PreannotationPrompt } from '@delineate/schema';
import { DraftRepository, ModelRepository, readItemHounsfield, type BlobStore, type Clock, type Database } from '@delineate/store';
import { promptableOnnxRuntime, type SlicePreview } from './onnx-promptable';

export type { SlicePreview };

export interface PromptPreviewDeps {
  readonly database: Database;
  readonly blobs: BlobStore;
  readonly clock: Clock;
}

/** One preview asked for: an open task, its promptable model, a click or a one-slice box. */
export interface PromptPreviewRequest {
  readonly taskId: string;
  readonly modelId: string;
  readonly prompt: PreannotationPrompt;
}

/**
 * Live decoder masks for the workspace while a box is dragged or a click moved: the promptable
 * model's decoder on the slice's cached embedding, answered as the mask's runs and never saved
 * (the draft is made by the pre-annotation job on release). A drag asks many times about one item,
 * so the item's HU volume and the model's weights are kept between requests: the latest item only,
 * and weights by their hash.
 */
export function promptPreviews(deps: PromptPreviewDeps, options: { threads?: number | undefined } = {}) {
  const runtime = promptableOnnxRuntime({ threads: options.threads });
  let volume: { itemId: string; hu: Promise<Int16Array> } | null = null;
  const weights = new Map<string, Promise<Uint8Array>>();
  const models = new ModelRepository(deps.database.db, { blobs: deps.blobs });
  const drafts = new DraftRepository(deps.database.db, { blobs: deps.blobs, clock: deps.clock });
  const weightsOf = (sha: string, read: () => Promise<Uint8Array>) => {
    let held = weights.get(sha);
    if (!held) {
      held = read();
      weights.set(sha, held);
      held.catch(() => weights.delete(sha));
    }
    return held;
  };
  return {
    stats: runtime.stats,
    async preview(request: PromptPreviewRequest): Promise<SlicePreview> {
      const draft = await drafts.context(request.modelId, { kind: 'task', taskId: request.taskId });
      const manifest = draft.model.manifest!;
      const decoder = manifest.runtime.kind === 'onnx' ? manifest.runtime.promptDecoder : undefined;
      if (!decoder || !manifest.weightsSha256) throw new DelineateError('DLN_MODEL_PROMPT_INVALID', 'Live previews come from promptable (encoder and decoder) models');
      if (volume?.itemId !== draft.itemId) {
        const hu = readItemHounsfield(deps.database.db, deps.blobs, draft.itemId).then((v) => v.hu);
        hu.catch(() => (volume = null));
        volume = { itemId: draft.itemId, hu };
      }
      const [hu, encoderWeights, decoderWeights] = await Promise.all([
        volume.hu,
        weightsOf(manifest.weightsSha256, () => models.weights(draft.model)),
        weightsOf(decoder.decoderSha256, () => models.weights(draft.model, 'decoder')),
      ]);
      return runtime.previewSlice({ manifest, geometry: draft.geometry, hu, prompt: request.prompt, weights: encoderWeights, decoderWeights });
    },
    close: () => runtime.close(),
  };
}
