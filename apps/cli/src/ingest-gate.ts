import { createDciodvfyValidator, createOcrPixelStage, type DciodvfyValidator, type OcrPixelStage } from '@delineate/deid';
import type { IngestRunner } from '@delineate/server';
import type { BlobStore, Clock, Database } from '@delineate/store';
import { ingestBatch, projectDeidSettings, type IngestReport } from '@delineate/worker';

interface IngestDeps {
  readonly database: Database;
  readonly blobs: BlobStore;
  readonly clock: Clock;
}

/** The OCR pixel stage and the IOD check the gate runs; started once, closed by the owner. */
export interface GateTools {
  readonly pixelStage: OcrPixelStage;
  readonly validator: DciodvfyValidator | null;
  close(): Promise<void>;
}

export function gateTools(options: { iodCheck: boolean }): GateTools {
  const pixelStage = createOcrPixelStage();
  // The same IOD check as `delineate deid`: an output with errors its input lacked is quarantined.
  const validator = options.iodCheck ? createDciodvfyValidator() : null;
  return {
    pixelStage,
    validator,
    close: async () => {
      validator?.close();
      await pixelStage.close();
    },
  };
}

/**
 * One batch through the gate into a project, with the project's de-identification settings and
 * accepted modalities: what `delineate ingest` runs on the database, and what the server runs
 * for it when a server holds the database. The split into slides and DICOM is the worker's
 * `ingestBatch`, which the upload gate job runs too.
 */
export async function runIngest(
  deps: IngestDeps,
  tools: GateTools,
  projectId: string,
  files: readonly Uint8Array[],
  onProgress?: (done: number, total: number) => void,
  onSlideProgress?: (stage: string, percent: number) => void,
): Promise<IngestReport> {
  const settings = await projectDeidSettings(deps, projectId);
  return ingestBatch(deps, files, {
    projectId,
    ...settings,
    pixelStage: tools.pixelStage,
    validator: tools.validator,
    ...(onProgress ? { onProgress } : {}),
    ...(onSlideProgress ? { onSlideProgress } : {}),
  });
}

/**
 * The server's ingest route: the same gate with the IOD check always on, its tools started at
 * the first batch, and batches one at a time (a batch's duplicate and series checks read what
 * earlier batches recorded).
 */
export function serverIngest(deps: IngestDeps): { run: IngestRunner; close(): Promise<void> } {
  let tools: GateTools | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run: ({ projectId, files }) => {
      const next = queue.then(() => runIngest(deps, (tools ??= gateTools({ iodCheck: true })), projectId, files));
      queue = next.catch(() => undefined);
      return next;
    },
    close: async () => {
      await queue;
      await tools?.close();
    },
  };
}
