import { createHash } from 'node:crypto';
import { isDelineateError } from '@delineate/schema';
import { wrapUploadedPhotograph, type UploadedPhotograph } from './fundus-ingest';
import { ingestDicom, type IngestDeps, type IngestFileReport, type IngestOptions, type IngestReport } from './ingest';

/**
 * Ingests plain photographs (PNG or JPEG, each with the eye named on the upload form): each is
 * wrapped into an Ophthalmic Photography instance and taken through the same gate as DICOM
 * (de-identification, the IOD check, duplicate and conflict rules), becoming a `photo` item.
 * A file that cannot be wrapped (not a photograph, unreadable, no eye given) is rejected with
 * its code and leaves nothing; the others go on.
 */
export async function ingestPhotographs(deps: IngestDeps, uploads: ReadonlyArray<Omit<UploadedPhotograph, 'sourceSha256'>>, options: IngestOptions): Promise<IngestReport> {
  const merged: IngestReport = { passed: 0, quarantined: 0, rejected: 0, duplicates: 0, files: [], records: [], items: [] };
  for (const [index, upload] of uploads.entries()) {
    const sourceSha256 = createHash('sha256').update(upload.bytes).digest('hex');
    let wrapped: Uint8Array;
    try {
      wrapped = wrapUploadedPhotograph({ ...upload, sourceSha256 }, deps.clock());
    } catch (error) {
      const file: IngestFileReport = {
        index,
        sourceSha256,
        status: 'rejected',
        code: isDelineateError(error) ? error.code : 'DLN_INTERNAL',
        reason: isDelineateError(error) ? error.message : 'The photograph could not be wrapped',
      };
      merged.files.push(file);
      merged.rejected += 1;
      continue;
    }
    const report = await ingestDicom(deps, [wrapped], { ...options, ...(upload.laterality ? { photoLaterality: upload.laterality } : {}) });
    // The report names the uploaded file (its hash and position), not the wrapped instance.
    merged.files.push(...report.files.map((f) => ({ ...f, index, sourceSha256 })));
    merged.records.push(...report.records);
    merged.items.push(...report.items);
    merged.passed += report.passed;
    merged.quarantined += report.quarantined;
    merged.rejected += report.rejected;
    merged.duplicates += report.duplicates;
  }
  return merged;
}
