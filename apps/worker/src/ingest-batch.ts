import { withOcrEngine } from '@delineate/deid';
import { ingestDicom, type IngestDeps, type IngestOptions, type IngestReport } from './ingest';
import type { SlideIngestStage } from './slides/ingest-slide';
import { ingestSlideFiles, slidesInBatch } from './slides/slide-batch';
import { ingestDicomVideo, isDicomVideo } from './video/dicom-video';

export interface BatchIngestOptions extends IngestOptions {
  /** Where the slide being converted is (slides go one at a time). */
  onSlideProgress?: (stage: SlideIngestStage, percent: number) => void;
}

/** One report for the whole input, as if it had been one batch: files by input position. */
export function mergeIngestReports(parts: ReadonlyArray<{ readonly indices: readonly number[]; readonly report: IngestReport }>): IngestReport {
  const files = parts.flatMap(({ indices, report }) => report.files.map((file) => ({ ...file, index: indices[file.index]! }))).sort((a, b) => a.index - b.index);
  return {
    passed: parts.reduce((n, p) => n + p.report.passed, 0),
    quarantined: parts.reduce((n, p) => n + p.report.quarantined, 0),
    rejected: parts.reduce((n, p) => n + p.report.rejected, 0),
    duplicates: parts.reduce((n, p) => n + p.report.duplicates, 0),
    files,
    // The instances of one DICOM slide share its record: each record is listed once.
    records: [...new Map(files.flatMap((f) => (f.recordId && (f.status === 'passed' || f.status === 'quarantined') ? [[f.recordId, { recordId: f.recordId, status: f.status }] as const] : []))).values()],
    items: parts.flatMap((p) => p.report.items),
    slides: parts.flatMap((p) => p.report.slides ?? []),
    videos: parts.flatMap((p) => p.report.videos ?? []),
  };
}

/**
 * One batch through the gate, whatever it holds: slides (TIFF-based files, DICOM whole-slide
 * series) are converted and gated one by one (`ingestSlide`), the rest goes through the DICOM
 * gate in one run (a series' slices become one volume). The report keeps one line per input file,
 * in input order. `delineate ingest`, the server's ingest route and the upload gate job all run
 * this, so a slide takes the same path however it arrives.
 */
export async function ingestBatch(deps: IngestDeps, files: readonly Uint8Array[], options: BatchIngestOptions): Promise<IngestReport> {
  const { onSlideProgress, ...dicomOptions } = options;
  const { slides, others: notSlides } = slidesInBatch(files);
  // DICOM video (endoscopic, photographic, microscopic) goes through the video gate, one by one (issue 21).
  const videos = notSlides.filter((i) => isDicomVideo(files[i]!));
  const others = notSlides.filter((i) => !videos.includes(i));
  const parts: { indices: readonly number[]; report: IngestReport }[] = [];
  if (others.length > 0 || (slides.length === 0 && videos.length === 0)) {
    parts.push({ indices: others, report: await ingestDicom(deps, others.map((i) => files[i]!), dicomOptions) });
  }
  if (videos.length > 0) {
    // One engine for every video of the batch.
    await withOcrEngine(undefined, async (ocr) => {
      for (const i of videos) {
        const report = await ingestDicomVideo(deps, files[i]!, { ...options, ocr });
        parts.push({ indices: [i], report });
      }
    });
  }
  for (const slide of slides) {
    const report = await ingestSlideFiles(deps, slide, files, {
      projectId: options.projectId,
      secret: options.secret,
      options: options.options,
      pseudonyms: options.pseudonyms,
      ...(onSlideProgress ? { onProgress: onSlideProgress } : {}),
    });
    // One line per input file: every instance of a DICOM slide shares the slide's outcome.
    const lines = slide.indices.map((_, n) => ({ ...report.files[0]!, index: n }));
    const count = (status: string) => lines.filter((line) => line.status === status).length;
    parts.push({ indices: slide.indices, report: { ...report, files: lines, passed: count('passed'), quarantined: count('quarantined'), rejected: count('rejected'), duplicates: count('duplicate') } });
  }
  return slides.length === 0 && videos.length === 0 ? parts[0]!.report : mergeIngestReports(parts);
}
