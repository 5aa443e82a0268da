import type { EditingActivity, Model, PreannotationPrompt, PreannotationRun } from '@delineate/schema';
import { json, post, put } from '../api';

/** Where a requested draft stands (`GET /api/tasks/:taskId/preannotations/:jobId`). */
export interface PreannotationJobState {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | string;
  /** The coded reason of a failure (`DLN_…: words`). */
  error: string | null;
  annotationId: string | null;
}

/** The decoder's mask on one slice, as pairs [start, end) of in-plane voxel offsets (x + columns·y). */
export interface SlicePreview {
  slice: number;
  runs: number[];
  voxels: number;
}

/** The model registry and pre-annotation routes of apps/server/src/routes/models.ts, as the workspace calls them. */
export const preannotationApi = {
  models: (projectId: string) => json<{ models: Model[] }>(`/api/projects/${projectId}/models`).then((r) => r.models),
  run: (taskId: string, modelId: string, prompt: PreannotationPrompt) => post<{ jobId: string }>(`/api/tasks/${taskId}/preannotations`, { modelId, prompt }).then((r) => r.jobId),
  /** A promptable model's live mask for a click or a one-slice box: in-plane runs [start, end), never saved. */
  preview: (taskId: string, modelId: string, prompt: PreannotationPrompt) => post<SlicePreview>(`/api/tasks/${taskId}/preannotations/preview`, { modelId, prompt }),
  job: (taskId: string, jobId: string) => json<PreannotationJobState>(`/api/tasks/${taskId}/preannotations/${jobId}`),
  runs: (annotationId: string) => json<{ runs: PreannotationRun[] }>(`/api/annotations/${annotationId}/preannotations`).then((r) => r.runs),
  recordActivity: (taskId: string, activity: EditingActivity) => put<EditingActivity>(`/api/tasks/${taskId}/editing-activity`, activity),
};

/** How a job's status reads in the panel. */
export function jobStatusWords(status: string): string {
  switch (status) {
    case 'queued':
      return 'Waiting for a worker…';
    case 'running':
      return 'The model is running…';
    case 'succeeded':
      return 'Draft ready.';
    case 'failed':
      return 'The model could not draw a draft.';
    default:
      return `Status: ${status.replace(/_/g, ' ')}`;
  }
}

/** A failed job's reason without its code (the code is shown beside it). */
export function jobFailure(error: string | null): { code: string; text: string } {
  const m = /^(DLN_[A-Z0-9_]+):?\s*(.*)$/.exec(error ?? '');
  return m ? { code: m[1]!, text: m[2] || 'The model could not draw a draft.' } : { code: 'DLN_MODEL_RUNTIME_FAILED', text: error ?? 'The model could not draw a draft.' };
}

/** The runtime in words. */
export function runtimeWords(runtime: Model['runtime']): string {
  return runtime === 'onnx' ? 'ONNX model' : runtime === 'monai_label' ? 'external MONAI Label endpoint' : runtime === 'builtin' ? 'built-in pre-annotator' : String(runtime).replace(/_/g, ' ');
}

/**
 * Where an external endpoint's draft came from, in words: the endpoint, and what its `GET /info/`
 * said when the draft was made (the service's name and version, the model's type, dimension and
 * labels). An answer missing some of these is described with what it has.
 */
export function endpointWords(provenance: Pick<PreannotationRun['provenance'], 'endpoint' | 'infoSnapshot'>, model: string | null): string | null {
  if (!provenance.endpoint) return null;
  const info = (typeof provenance.infoSnapshot === 'object' && provenance.infoSnapshot !== null && !Array.isArray(provenance.infoSnapshot) ? provenance.infoSnapshot : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
  const service = [text(info.name), text(info.version) && `version ${text(info.version)}`].filter(Boolean).join(' ');
  const models = (typeof info.models === 'object' && info.models !== null ? info.models : {}) as Record<string, unknown>;
  const entry = (model && typeof models[model] === 'object' && models[model] !== null ? models[model] : {}) as Record<string, unknown>;
  const labels = typeof entry.labels === 'object' && entry.labels !== null ? Object.keys(entry.labels).map((l) => l.replace(/_/g, ' ')) : [];
  const about = [
    model && `model “${model}”`,
    text(entry.type) && `${text(entry.type)}`,
    text(entry.dimension) && `${text(entry.dimension)}-D`,
    labels.length > 0 && `labels: ${labels.join(', ')}`,
  ].filter(Boolean);
  return `Run at ${provenance.endpoint}${service ? `, which reported itself as ${service}` : ''}${about.length > 0 ? ` (${about.join(', ')})` : ''}.`;
}
