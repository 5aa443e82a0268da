import { createDciodvfyValidator, createOcrPixelStage, type DciodvfyValidator, type PixelStage } from '@delineate/deid';
import { REDACT_JOB, redactJobHandler, workflowJobHandlers, type JobHandler } from '@delineate/worker';

/**
 * The job kinds this process runs, by kind: the workflow's agreement jobs and the steward's
 * redactions. The worker claims only these, and only in its own region.
 */
export function jobHandlers(): Record<string, JobHandler> {
  // One OCR engine for the process, started by the first job that needs it.
  let pixelStage: PixelStage | undefined;
  const ocrStage = () => (pixelStage ??= createOcrPixelStage());
  // The same IOD check as `delineate deid` and `delineate ingest` (its shells end with the process).
  let validator: DciodvfyValidator | undefined;
  const iodCheck = () => (validator ??= createDciodvfyValidator());
  return { ...workflowJobHandlers(), [REDACT_JOB]: redactJobHandler(ocrStage, iodCheck) };
}
