import { z } from 'zod';
import { CodedConcept, Id, Sha256Hex, Timestamp } from './common';
import { Modality, ModelRuntime } from './vocabularies';

/**
 * Model manifests (issue 18): what a pre-annotation model is, what it takes and what its
 * outputs mean. A model is pinned by its weights' SHA-256; its outputs map to label-schema codes,
 * so a revision it draws carries the project's label values, never the model's own indices.
 */

export const builtinPreannotators = ['ct_body', 'ct_lung', 'ct_bone', 'region_grow', 'box_threshold'] as const;
export const BuiltinPreannotator = z.enum(builtinPreannotators);
export type BuiltinPreannotator = z.infer<typeof BuiltinPreannotator>;

/** How intensities are brought to the model's range: an HU window to [0, 1], a z-score, or as stored. */
export const IntensityNormalisation = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('window'), low: z.number(), high: z.number() }).refine((w) => w.high > w.low, 'the window needs high > low'),
  z.object({ kind: z.literal('zscore'), mean: z.number(), sd: z.number().positive() }),
  z.object({ kind: z.literal('none') }),
]);
export type IntensityNormalisation = z.infer<typeof IntensityNormalisation>;

const Triple = z.tuple([z.number().int().min(1).max(1024), z.number().int().min(1).max(1024), z.number().int().min(1).max(1024)]);

export const ModelInputSpec = z.object({
  /** 2-D models run slice by slice (axial); 3-D models over the volume. */
  dimensionality: z.enum(['2d', '3d']),
  /** The spacing (mm) the model was trained at; informative, the item is never resampled. */
  spacingMm: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).nullable(),
  normalisation: IntensityNormalisation,
  /** Patch (x, y, z) for sliding-window inference; null: the whole slice or volume at once. */
  patchSize: Triple.nullable(),
  /** Fraction of a patch shared with its neighbour (0 ≤ overlap < 1). */
  overlap: z.number().min(0).max(0.9),
});
export type ModelInputSpec = z.infer<typeof ModelInputSpec>;

/** Output index (channel for ONNX, value for label images) → the label-schema code it draws. */
export const ModelOutput = z.object({
  index: z.number().int().min(1).max(255),
  concept: CodedConcept.pick({ scheme: true, value: true }),
});
export type ModelOutput = z.infer<typeof ModelOutput>;

const TensorName = z.string().regex(/^[A-Za-z0-9_.:/-]{1,128}$/);

/**
 * A promptable (SAM-style) model: the manifest's weights are the image encoder, run once per
 * slice (its embedding is cached), and this decoder runs per click or box. Inputs as SAM's ONNX
 * export names them: the embedding, `point_coords` [1, N, 2] (x, y in voxels of the slice) and
 * `point_labels` [1, N] (1 a foreground click, 2 and 3 a box's corners); its output is mask
 * logits [1, 1, H, W] on the slice's grid, drawn where > 0.
 */
export const PromptDecoderSpec = z.object({
  decoderSha256: Sha256Hex,
  embedding: TensorName,
  pointCoords: TensorName,
  pointLabels: TensorName,
  masks: TensorName,
});
export type PromptDecoderSpec = z.infer<typeof PromptDecoderSpec>;

export const ModelRuntimeSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('onnx'), promptDecoder: PromptDecoderSpec.optional() }),
  z.object({
    kind: z.literal('monai_label'),
    endpoint: z.url({ protocol: /^https?$/ }).max(512),
    /** The model name on the endpoint (`POST /infer/{model}`). */
    model: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
  }),
  z.object({ kind: z.literal('builtin'), preannotator: BuiltinPreannotator }),
]);
export type ModelRuntimeSpec = z.infer<typeof ModelRuntimeSpec>;

export const ModelManifest = z
  .object({
    name: z.string().min(1).max(128),
    version: z.string().min(1).max(64),
    /** SHA-256 of the weights (ONNX); null for runtimes without weights here. */
    weightsSha256: Sha256Hex.nullable(),
    licence: z.string().min(1).max(256),
    intendedUse: z.string().min(1).max(2000),
    modality: Modality,
    input: ModelInputSpec,
    outputs: z.array(ModelOutput).min(1).max(255),
    runtime: ModelRuntimeSpec,
  })
  .superRefine((m, ctx) => {
    if ((m.runtime.kind === 'onnx') !== (m.weightsSha256 !== null)) {
      ctx.addIssue({ code: 'custom', message: 'an ONNX model is pinned by its weights hash; other runtimes have no weights here', path: ['weightsSha256'] });
    }
    if (new Set(m.outputs.map((o) => o.index)).size !== m.outputs.length) ctx.addIssue({ code: 'custom', message: 'output indices must be unique', path: ['outputs'] });
  });
export type ModelManifest = z.infer<typeof ModelManifest>;

/** Where a pre-annotation was asked for, and on which plane the prompt was given. */
export const PreannotationPrompt = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('volume') }),
  z.object({ kind: z.literal('slice'), plane: z.literal('axial'), slice: z.number().int().min(0) }),
  z.object({
    kind: z.literal('box'),
    plane: z.literal('axial'),
    min: z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)]),
    max: z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)]),
    /** HU window for `box_threshold`. */
    window: z.object({ low: z.number(), high: z.number() }).optional(),
  }),
  z.object({
    kind: z.literal('click'),
    plane: z.literal('axial'),
    point: z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)]),
    toleranceHu: z.number().positive().max(2000),
  }),
]);
export type PreannotationPrompt = z.infer<typeof PreannotationPrompt>;

/** Everything an AI revision came from. */
export const PreannotationProvenance = z.object({
  modelId: Id,
  name: z.string(),
  version: z.string(),
  weightsSha256: Sha256Hex.nullable(),
  runtime: ModelRuntime,
  endpoint: z.string().nullable(),
  /** The endpoint's `GET /info/` answer when the model ran there. */
  infoSnapshot: z.json().nullable(),
  prompt: PreannotationPrompt,
  /** SHA-256 of the input volume (int16 HU, little-endian, x fastest). */
  inputSha256: Sha256Hex,
  /** Reading the image, running the model, mapping its output to labels. */
  timingsMs: z.object({ read: z.number().min(0), infer: z.number().min(0), map: z.number().min(0) }),
});
export type PreannotationProvenance = z.infer<typeof PreannotationProvenance>;

export const PreannotationRun = z.object({
  id: Id,
  projectId: Id,
  itemId: Id,
  taskId: Id.nullable(),
  annotationId: Id,
  version: z.number().int().min(1),
  provenance: PreannotationProvenance,
  createdAt: Timestamp,
});
export type PreannotationRun = z.infer<typeof PreannotationRun>;

/** What the workspace records while the annotator corrects a draft. */
export const EditingActivity = z.object({
  activeEditingMs: z.number().int().min(0).max(7 * 24 * 3600 * 1000),
  strokes: z.number().int().min(0).max(10_000_000),
  clicks: z.number().int().min(0).max(10_000_000),
  undos: z.number().int().min(0).max(10_000_000),
});
export type EditingActivity = z.infer<typeof EditingActivity>;

/** Correction effort of one label between the AI revision and the submitted one. */
export const LabelCorrectionEffort = z.object({
  labelKey: z.string(),
  dice: z.number().nullable(),
  hd95Mm: z.number().nullable(),
  surfaceDice: z.number().nullable(),
  toleranceMm: z.number(),
  addedPathLengthMm: z.number(),
  falseNegativePathLengthMm: z.number(),
  voxelsAdded: z.number().int(),
  voxelsRemoved: z.number().int(),
  acceptedAsIs: z.boolean(),
});
export type LabelCorrectionEffort = z.infer<typeof LabelCorrectionEffort>;

export const CorrectionEffort = z.object({
  taskId: Id,
  modelId: Id,
  modelName: z.string(),
  modelVersion: z.string(),
  aiVersion: z.number().int(),
  submittedVersion: z.number().int(),
  labels: z.array(LabelCorrectionEffort),
  editing: EditingActivity.nullable(),
  createdAt: Timestamp,
});
export type CorrectionEffort = z.infer<typeof CorrectionEffort>;

/** A project's pre-annotation settings: the model that drafts every new annotation task, and the effort tolerance. */
export const PreannotationSettings = z.object({
  onTaskCreationModelId: Id.nullable(),
  surfaceToleranceMm: z.number().min(0).max(100),
});
export type PreannotationSettings = z.infer<typeof PreannotationSettings>;

/** The payload of a `preannotation.run` job (never PHI: ids, and the prompt's voxel coordinates). */
export const PreannotateJobPayload = z.object({
  projectId: Id,
  modelId: Id,
  target: z.discriminatedUnion('kind', [z.object({ kind: z.literal('task'), taskId: Id }), z.object({ kind: z.literal('annotation'), annotationId: Id })]),
  prompt: PreannotationPrompt,
  requestedBy: Id.nullable(),
});
export type PreannotateJobPayload = z.infer<typeof PreannotateJobPayload>;

