import { workflowJobHandlers, type JobHandler } from '@delineate/worker';

/**
 * The job kinds this process runs, by kind. The worker claims only these, only in its region.
 * Ingest and workflow jobs register here as they are built.
 */
export function jobHandlers(): Record<string, JobHandler> {
  return { ...workflowJobHandlers() };
}
