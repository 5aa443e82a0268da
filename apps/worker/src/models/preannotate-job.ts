import { createHash } from 'node:crypto';
import { DelineateError, PreannotateJobPayload, type Job, type ModelManifest } from '@delineate/schema';
import { computeCorrectionEffort, CORRECTION_EFFORT_JOB_KIND, DraftRepository, ModelRepository, PREANNOTATE_JOB_KIND, readItemHounsfield, type DraftContext } from '@delineate/store';
import type { JobHandler, WorkerContext } from '../worker';
import { builtinRuntime } from './builtin';
import { monaiLabelRuntime, type MonaiLabelOptions } from './monai-label';
import { onnxRuntime, type OnnxRuntimeOptions } from './onnx';
import { promptableOnnxRuntime } from './onnx-promptable';
import type { PreannotationRuntime, RuntimeOutput } from './runtime';

export { CORRECTION_EFFORT_JOB_KIND, PREANNOTATE_JOB_KIND };

export interface PreannotationOptions {
  readonly onnx?: OnnxRuntimeOptions | undefined;
  readonly monaiLabel?: MonaiLabelOptions | undefined;
  /** Milliseconds since some origin, for the run's timings (the worker's clock is wall time). */
  readonly now?: (() => number) | undefined;
}

/** Model output indices → the project's label values; an index no output maps is refused. */
export function labelsOfIndices(output: RuntimeOutput, context: DraftContext): Uint8Array {
  const values = new Map(context.outputs.map((o) => [o.index, o.label.value]));
  const labels = new Uint8Array(output.indices.length);
  for (let i = 0; i < labels.length; i++) {
    const index = output.indices[i]!;
    if (index === 0) continue;
    const value = values.get(index);
    if (value === undefined) throw new DelineateError('DLN_MODEL_LABEL_UNKNOWN', `The model drew output index ${index}, which its manifest does not map`, { outputIndex: index });
    labels[i] = value;
  }
  return labels;
}

/**
 * Runs models for `preannotation.run` jobs: reads the item's HU volume, runs the model's runtime,
 * maps its output to the project's labels and saves the draft as an `ai` revision with its
 * provenance. Every refusal (off-grid output, unknown index, endpoint timeout or garbage) is a
 * coded failure with nothing written.
 */
export function preannotationJobs(options: PreannotationOptions = {}): { handlers: Record<string, JobHandler>; close(): Promise<void> } {
  const onnx = onnxRuntime(options.onnx);
  const promptable = promptableOnnxRuntime({ threads: options.onnx?.threads });
  const runtimes: Record<ModelManifest['runtime']['kind'], PreannotationRuntime> = {
    onnx,
    monai_label: monaiLabelRuntime(options.monaiLabel),
    builtin: builtinRuntime(),
  };
  const now = options.now ?? (() => performance.now());
  const handler: JobHandler = async (job: Job, context: WorkerContext) => {
    const parsed = PreannotateJobPayload.safeParse(job.payload);
    if (!parsed.success) throw new DelineateError('DLN_REQUEST_INVALID', 'The pre-annotation job payload is not valid');
    const payload = parsed.data;
    const db = context.database.db;
    const drafts = new DraftRepository(db, { blobs: context.blobs, clock: context.clock });
    const draft = await drafts.context(payload.modelId, payload.target);
    const manifest = draft.model.manifest!;
    const t0 = now();
    const { hu } = await readItemHounsfield(db, context.blobs, draft.itemId);
    const models = new ModelRepository(db, { blobs: context.blobs });
    const weights = manifest.runtime.kind === 'onnx' ? await models.weights(draft.model) : undefined;
    const promptDecoder = manifest.runtime.kind === 'onnx' ? manifest.runtime.promptDecoder : undefined;
    const decoderWeights = promptDecoder ? await models.weights(draft.model, 'decoder') : undefined;
    const inputSha256 = createHash('sha256').update(new Uint8Array(hu.buffer, hu.byteOffset, hu.byteLength)).digest('hex');
    const t1 = now();
    const runtime = promptDecoder ? promptable : runtimes[manifest.runtime.kind];
    const output = await runtime.run({ manifest, geometry: draft.geometry, hu, prompt: payload.prompt, weights, decoderWeights });
    const t2 = now();
    const labels = labelsOfIndices(output, draft);
    const t3 = now();
    const run = await drafts.saveDraft({
      context: draft,
      target: payload.target,
      labels,
      region: output.region,
      provenance: {
        modelId: draft.model.id,
        name: draft.model.name,
        version: draft.model.version,
        weightsSha256: manifest.weightsSha256,
        runtime: manifest.runtime.kind,
        endpoint: output.endpoint ?? null,
        infoSnapshot: (output.infoSnapshot ?? null) as never,
        prompt: payload.prompt,
        inputSha256,
        timingsMs: { read: t1 - t0, infer: t2 - t1, map: t3 - t2 },
      },
    });
    return { objectType: 'annotation', objectId: run.annotationId, projectId: draft.projectId };
  };
  const effort: JobHandler = async (job: Job, context: WorkerContext) => {
    const taskId = job.payload.taskId;
    if (typeof taskId !== 'string') throw new DelineateError('DLN_REQUEST_INVALID', 'The correction effort job names no task');
    await computeCorrectionEffort(context.database.db, context.blobs, taskId, context.clock);
    return { objectType: 'task', objectId: taskId };
  };
  return {
    handlers: { [PREANNOTATE_JOB_KIND]: handler, [CORRECTION_EFFORT_JOB_KIND]: effort },
    close: async () => {
      await onnx.close();
      await promptable.close();
    },
  };
}

/**
 * Runtime settings from the environment: `DELINEATE_ONNX_THREADS` (threads per ONNX inference,
 * default 1), `DELINEATE_MODEL_ENDPOINT_TIMEOUT_MS` (default 30000), `DELINEATE_MODEL_ENDPOINT_RETRIES`
 * (default 2) and `DELINEATE_MODEL_ENDPOINT_MAX_BYTES` (default 256 MiB) for external endpoints.
 */
export function preannotationOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): PreannotationOptions {
  const integer = (name: string, min: number, max: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new DelineateError('DLN_CONFIG_INVALID', `${name} must be a whole number from ${min} to ${max}`);
    return value;
  };
  return {
    onnx: { threads: integer('DELINEATE_ONNX_THREADS', 1, 256) },
    monaiLabel: {
      timeoutMs: integer('DELINEATE_MODEL_ENDPOINT_TIMEOUT_MS', 100, 3_600_000),
      retries: integer('DELINEATE_MODEL_ENDPOINT_RETRIES', 0, 10),
      maxResponseBytes: integer('DELINEATE_MODEL_ENDPOINT_MAX_BYTES', 1024, 4 * 1024 ** 3),
    },
  };
}
