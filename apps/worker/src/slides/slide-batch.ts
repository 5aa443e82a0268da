import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTiff } from '@delineate/deid';
import { getString, readDicomFile } from '@delineate/formats';
import type { IngestDeps, IngestReport } from '../ingest';
import { ingestSlide, type SlideIngestOptions } from './ingest-slide';

const VL_WHOLE_SLIDE = '1.2.840.10008.5.1.4.1.1.77.1.6';

/** A slide among a batch's files: a TIFF-based file, or the DICOM whole-slide instances of one series. */
export interface SlideInBatch {
  readonly kind: 'file' | 'dicom';
  readonly indices: readonly number[];
}

function wholeSlideSeries(bytes: Uint8Array): string | undefined {
  try {
    const { dataset } = readDicomFile(bytes);
    return getString(dataset, 0x00080016) === VL_WHOLE_SLIDE ? (getString(dataset, 0x0020000e) ?? '') : undefined;
  } catch {
    // Unreadable here, unreadable at the DICOM gate too: it is rejected there with its code.
    return undefined;
  }
}

/** Splits a batch: slides (each TIFF file; DICOM whole-slide instances by series) and the rest, for the DICOM gate. */
export function slidesInBatch(files: readonly Uint8Array[]): { slides: SlideInBatch[]; others: number[] } {
  const slides: SlideInBatch[] = [];
  const series = new Map<string, number[]>();
  const others: number[] = [];
  files.forEach((bytes, index) => {
    if (isTiff(bytes)) {
      slides.push({ kind: 'file', indices: [index] });
      return;
    }
    const uid = wholeSlideSeries(bytes);
    if (uid === undefined) others.push(index);
    else series.set(uid, [...(series.get(uid) ?? []), index]);
  });
  for (const indices of series.values()) slides.push({ kind: 'dicom', indices });
  return { slides, others };
}

/**
 * A slide given as bytes (a request's batch): written to a private temporary folder for the
 * converter, ingested, and the folder removed whatever happens. The report's one file stands for
 * the slide's first input position.
 */
export async function ingestSlideFiles(deps: IngestDeps, slide: SlideInBatch, files: readonly Uint8Array[], options: SlideIngestOptions): Promise<IngestReport> {
  const work = await mkdtemp(join(tmpdir(), 'delineate-slide-input-'));
  try {
    const paths: string[] = [];
    for (const [n, index] of slide.indices.entries()) {
      const path = join(work, slide.kind === 'file' ? 'slide.tiff' : `instance-${n}.dcm`);
      await writeFile(path, files[index]!, { mode: 0o600 });
      paths.push(path);
    }
    return await ingestSlide(deps, slide.kind === 'file' ? { kind: 'file', path: paths[0]! } : { kind: 'dicom', paths }, options);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
