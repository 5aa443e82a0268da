import { DelineateError, type Job } from '@delineate/schema';
import { RELEASE_EXPORT_JOB_KIND, runReleaseExport } from '@delineate/store';
import type { JobHandler, WorkerContext } from '../worker';

export { RELEASE_EXPORT_JOB_KIND };

/** `release.export` { exportId, releaseId, projectId }: writes the archive of one export of a frozen release. */
export const releaseExportJob: JobHandler = async (job: Job, context: WorkerContext) => {
  const exportId = job.payload.exportId;
  if (typeof exportId !== 'string') throw new DelineateError('DLN_REQUEST_INVALID', 'The export job names no export');
  const done = await runReleaseExport(context.database.db, context.blobs, exportId, context.clock);
  return { objectType: 'release', objectId: done.releaseId };
};

export function releaseJobHandlers(): Record<string, JobHandler> {
  return { [RELEASE_EXPORT_JOB_KIND]: releaseExportJob };
}
