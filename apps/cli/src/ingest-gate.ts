import { createDciodvfyValidator, createOcrPixelStage, type DciodvfyValidator, type OcrPixelStage } from '@delineate/deid';
import type { IngestRunner } from '@delineate/server';
import type { BlobStore, Clock, Database } from '@delineate/store';
import { ingestDicom, ingestSlideFiles, projectDeidSettings, slidesInBatch, type IngestReport } from '@delineate/worker';
import { mergeIngestReports } from './remote-ingest';

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
 * for it when a server holds the database. Slides in the batch (TIFF-based files, DICOM
 * whole-slide series) are converted and gated one by one (`ingestSlide`); the rest goes through
 * the DICOM gate; the report stays one line per input file.
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
  const { slides, others } = slidesInBatch(files);
  const parts: { indices: readonly number[]; report: IngestReport }[] = [];
  if (others.length > 0 || slides.length === 0) {
    const report = await ingestDicom(
      deps,
      others.map((i) => files[i]!),
      { projectId, ...settings, pixelStage: tools.pixelStage, validator: tools.validator, ...(onProgress ? { onProgress } : {}) },
    );
    parts.push({ indices: others, report });
  }
  for (const slide of slides) {
    const report = await ingestSlideFiles(deps, slide, files, { projectId, ...settings, ...(onSlideProgress ? { onProgress: onSlideProgress } : {}) });
    // One line per input file: every instance of a DICOM slide shares the slide's outcome.
    const lines = slide.indices.map((_, n) => ({ ...report.files[0]!, index: n }));
    const count = (status: string) => lines.filter((line) => line.status === status).length;
    parts.push({ indices: slide.indices, report: { ...report, files: lines, passed: count('passed'), quarantined: count('quarantined'), rejected: count('rejected'), duplicates: count('duplicate') } });
  }
  return parts.length === 1 && slides.length === 0 ? parts[0]!.report : mergeIngestReports(parts);
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
