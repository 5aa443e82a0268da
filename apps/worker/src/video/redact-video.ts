import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withOcrEngine, type IodValidator, type OcrEngine } from '@delineate/deid';
import { DelineateError, type RedactionJobPayload } from '@delineate/schema';
import { quarantinedVideo } from '@delineate/store';
import type { IngestDeps, IngestReport } from '../ingest';
import { projectDeidSettings } from '../project-deid';
import { ingestDicomVideo } from './dicom-video';
import { ingestVideo } from './ingest-video';

/** Whether a quarantined record is a video's (its redaction re-encodes the clip). */
export async function isQuarantinedVideo(deps: IngestDeps, recordId: string): Promise<boolean> {
  return (await quarantinedVideo(deps.database.db, recordId)) !== undefined;
}

/**
 * A steward's redaction of a quarantined clip: the kept source is decoded again with the
 * rectangles blacked out (a rectangle without a frame covers the whole clip) before anything is
 * hashed, read or encoded, so the frame table, the OCR samples and the proxy are all of the
 * redacted frames. The OCR stage then reads the samples again; only a clean result passes.
 */
export async function redactQuarantinedVideo(deps: IngestDeps, payload: RedactionJobPayload, ocr?: OcrEngine, validator?: IodValidator | null): Promise<IngestReport> {
  const record = await deps.database.db.selectFrom('deid_records').select(['project_id', 'source_hash', 'status']).where('id', '=', payload.recordId).executeTakeFirst();
  if (!record || record.project_id !== payload.projectId) throw new DelineateError('DLN_NOT_FOUND', 'De-identification record not found');
  if (record.status !== 'quarantined') throw new DelineateError('DLN_CONFLICT', 'Only a quarantined file can be redacted');
  const source = await quarantinedVideo(deps.database.db, payload.recordId);
  if (!source) throw new DelineateError('DLN_NOT_FOUND', 'The record is not a video');
  for (const r of payload.regions) {
    if (r.x + r.width > source.width || r.y + r.height > source.height) throw new DelineateError('DLN_REQUEST_INVALID', 'A rectangle reaches past the edge of the video');
  }
  const work = await mkdtemp(join(tmpdir(), 'delineate-video-redact-'));
  try {
    return await withOcrEngine(ocr, async (engine) => {
      const settings = await projectDeidSettings(deps, payload.projectId);
      const kept = await deps.blobs.get(record.source_hash);
      // A DICOM video starts again from the DICOM file: its attributes go through the DICOM gate again too.
      if (source.format.startsWith('dicom')) return await ingestDicomVideo(deps, kept, { projectId: payload.projectId, ...settings, ocr: engine, regions: payload.regions, validator: validator ?? null });
      const path = join(work, 'source');
      await writeFile(path, kept, { mode: 0o600 });
      return await ingestVideo(deps, path, { projectId: payload.projectId, ...settings, ocr: engine, regions: payload.regions });
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
