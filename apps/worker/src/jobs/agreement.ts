import { DelineateError, type Job } from '@delineate/schema';
import { AGREEMENT_JOB_KIND, completeCorrectionMetrics, computeItemAgreement, CORRECTION_METRICS_JOB_KIND } from '@delineate/store';
import type { JobHandler, WorkerContext } from '../worker';

export { AGREEMENT_JOB_KIND, CORRECTION_METRICS_JOB_KIND };

/** `workflow.agreement` { projectId, itemId }: the agreement of a sampled item whose readers all submitted. */
export const agreementJob: JobHandler = async (job: Job, context: WorkerContext) => {
  const itemId = job.payload.itemId;
  if (typeof itemId !== 'string') throw new DelineateError('DLN_REQUEST_INVALID', 'The agreement job names no item');
  await computeItemAgreement(context.database.db, context.blobs, { itemId, jobId: job.id }, context.clock);
  return { objectType: 'item', objectId: itemId };
};

/** `workflow.correction_metrics` { projectId, reviewId }: the HD95 of a signed correction, kept off the signing request. */
export const correctionMetricsJob: JobHandler = async (job: Job, context: WorkerContext) => {
  const reviewId = job.payload.reviewId;
  if (typeof reviewId !== 'string') throw new DelineateError('DLN_REQUEST_INVALID', 'The correction metrics job names no review');
  await completeCorrectionMetrics(context.database.db, context.blobs, reviewId);
  return { objectType: 'review', objectId: reviewId };
};

/** The workflow's job handlers by kind, for the process that runs the worker. */
export function workflowJobHandlers(): Record<string, JobHandler> {
  return { [AGREEMENT_JOB_KIND]: agreementJob, [CORRECTION_METRICS_JOB_KIND]: correctionMetricsJob };
}
