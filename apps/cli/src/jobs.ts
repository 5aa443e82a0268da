import { createDciodvfyValidator, createOcrPixelStage, type DciodvfyValidator, type PixelStage } from '@delineate/deid';
import {
  GATE_CHECK_JOB,
  gateCheckJobHandler,
  REDACT_JOB,
  redactJobHandler,
  releaseJobHandlers,
  SLIDE_INGEST_JOB,
  slideIngestJobHandler,
  workflowJobHandlers,
  type JobHandler,
} from '@delineate/worker';
import { isolatedGate } from './workers/isolated-gate';

/**
 * The job kinds this process runs, by kind: the workflow's agreement jobs, release exports and
 * the steward's redactions and trials of the gate, and slide ingests (conversion in a vips child
 * process). The worker claims only these, and only in its own region. Redactions read
 * quarantined (untrusted) files: each goes through the gate in its own worker thread with memory
 * limits, since this process also serves the API.
 */
export function jobHandlers(): Record<string, JobHandler> {
  // Asks for the pixel check; the gate thread of each redaction starts its own OCR engine.
  let pixelStage: PixelStage | undefined;
  const ocrStage = () => (pixelStage ??= createOcrPixelStage());
  // The same IOD check as `delineate deid` and `delineate ingest` (its shells end with the process).
  let validator: DciodvfyValidator | undefined;
  const iodCheck = () => (validator ??= createDciodvfyValidator());
  return {
    ...workflowJobHandlers(),
    ...releaseJobHandlers(),
    [REDACT_JOB]: redactJobHandler(ocrStage, iodCheck, isolatedGate()),
    [GATE_CHECK_JOB]: gateCheckJobHandler(ocrStage, iodCheck, isolatedGate()),
    [SLIDE_INGEST_JOB]: slideIngestJobHandler(),
  };
}
