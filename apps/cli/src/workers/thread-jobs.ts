import {
  AGREEMENT_JOB_KIND,
  CORRECTION_EFFORT_JOB_KIND,
  CORRECTION_METRICS_JOB_KIND,
  preannotationJobs,
  preannotationOptionsFromEnv,
  RELEASE_EXPORT_JOB_KIND,
  releaseJobHandlers,
  workflowJobHandlers,
  type JobHandler,
} from '@delineate/worker';

/**
 * The CPU-heavy job kinds `delineate start` runs in a job thread, not on the thread that serves
 * the API: agreement and correction metrics (surface distances, HD95, STAPLE), release exports
 * (archive building and encoding) and the correction effort of a pre-annotated draft. The model
 * run itself (preannotation.run) stays: onnxruntime computes on its own native threads, and its
 * sessions are cached for the process.
 */
export const THREAD_JOB_KINDS: readonly string[] = [AGREEMENT_JOB_KIND, CORRECTION_METRICS_JOB_KIND, RELEASE_EXPORT_JOB_KIND, CORRECTION_EFFORT_JOB_KIND];

/** The handlers of THREAD_JOB_KINDS, as a job thread runs them. */
export function threadJobHandlers(): Record<string, JobHandler> {
  const all: Record<string, JobHandler> = { ...workflowJobHandlers(), ...releaseJobHandlers(), ...preannotationJobs(preannotationOptionsFromEnv(process.env)).handlers };
  return Object.fromEntries(THREAD_JOB_KINDS.map((kind) => [kind, all[kind]!]));
}
