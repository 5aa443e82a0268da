import { createDciodvfyValidator, createOcrPixelStage, type DciodvfyValidator, type PixelStage } from '@delineate/deid';
import type { BlobKey } from '@delineate/store';
import {
  GATE_CHECK_JOB,
  gateCheckJobHandler,
  preannotationJobs,
  preannotationOptionsFromEnv,
  REDACT_JOB,
  redactJobHandler,
  releaseJobHandlers,
  SLIDE_INGEST_JOB,
  slideIngestJobHandler,
  workflowJobHandlers,
  UPLOAD_GATE_JOB_KIND,
  uploadGateJobHandler,
  type JobHandler,
} from '@delineate/worker';
import { isolatedGate } from './workers/isolated-gate';

/**
 * The job kinds this process runs, by kind: the workflow's agreement jobs, release exports and
 * the steward's redactions and trials of the gate, and slide ingests (conversion in a vips child
 * process). The worker claims only these, and only in its own region. Redactions read
 * quarantined (untrusted) files: each goes through the gate in its own worker thread with memory
 * limits, since this process also serves the API. Browser uploads (given the blob key that seals
 * them) go through the same gate, isolated the same way.
 */
export function jobHandlers(uploadKey?: BlobKey): Record<string, JobHandler> {
  // Asks for the pixel check; the gate thread of each redaction starts its own OCR engine.
  let pixelStage: PixelStage | undefined;
  const ocrStage = () => (pixelStage ??= createOcrPixelStage());
  // The same IOD check as `delineate deid` and `delineate ingest` (its shells end with the process).
  let validator: DciodvfyValidator | undefined;
  const iodCheck = () => (validator ??= createDciodvfyValidator());
  const handlers: Record<string, JobHandler> = {
    ...workflowJobHandlers(),
    ...releaseJobHandlers(),
    [REDACT_JOB]: redactJobHandler(ocrStage, iodCheck, isolatedGate()),
    [GATE_CHECK_JOB]: gateCheckJobHandler(ocrStage, iodCheck, isolatedGate()),
    [SLIDE_INGEST_JOB]: slideIngestJobHandler(),
    // AI pre-annotation (issue 18): model runs and the correction effort measured at submission.
    ...preannotationJobs(preannotationOptionsFromEnv(process.env)).handlers,
  };
  if (uploadKey) handlers[UPLOAD_GATE_JOB_KIND] = uploadGateJobHandler(uploadKey, { pixelStage: ocrStage, validator: iodCheck, gate: isolatedGate() });
  return handlers;
}
