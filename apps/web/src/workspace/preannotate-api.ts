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

/** The model registry and pre-annotation routes of apps/server/src/routes/models.ts, as the workspace calls them. */
export const preannotationApi = {
  models: (projectId: string) => json<{ models: Model[] }>(`/api/projects/${projectId}/models`).then((r) => r.models),
  run: (taskId: string, modelId: string, prompt: PreannotationPrompt) => post<{ jobId: string }>(`/api/tasks/${taskId}/preannotations`, { modelId, prompt }).then((r) => r.jobId),
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
