import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stewardFinding, withOcrEngine, type DeidFinding, type OcrEngine } from '@delineate/deid';
import { readDicomFile } from '@delineate/formats';
import { DelineateError, type GateCheckJobPayload } from '@delineate/schema';
import { quarantinedVideo, QuarantineReviewRepository, type GateCheckOutcome } from '@delineate/store';
import type { IngestDeps } from '../ingest';
import { decodeVideo } from './decode';
import { videoStreamOf } from './dicom-video';
import { probeVideo } from './probe';
import { burnedInTextFindings, proxyMetadataFindings } from './video-gate';

/**
 * A steward's trial of the video gate: the kept source (a clip, or the stream inside a DICOM
 * video) is decoded again with the rectangles blacked out and read by the same OCR stage and
 * metadata check as at ingest; only the outcome and the findings (places, never text) are kept
 * on the check. A DICOM video's attribute findings do not depend on rectangles, so they carry
 * over from its record. The release then runs the same rectangles through the real ingest.
 */
export async function checkQuarantinedVideoGate(deps: IngestDeps, payload: GateCheckJobPayload, ocr?: OcrEngine): Promise<{ outcome: GateCheckOutcome; findings: ReturnType<typeof stewardFinding>[] }> {
  const record = await deps.database.db.selectFrom('deid_records').select(['project_id', 'source_hash', 'status', 'findings']).where('id', '=', payload.recordId).executeTakeFirst();
  if (!record || record.project_id !== payload.projectId) throw new DelineateError('DLN_NOT_FOUND', 'De-identification record not found');
  if (record.status !== 'quarantined') throw new DelineateError('DLN_DEID_NOT_QUARANTINED', 'Only a quarantined file can be checked again');
  const held = await quarantinedVideo(deps.database.db, payload.recordId);
  if (!held) throw new DelineateError('DLN_NOT_FOUND', 'The record is not a video');
  const work = await mkdtemp(join(tmpdir(), 'delineate-video-check-'));
  try {
    const kept = await deps.blobs.get(record.source_hash);
    const dicom = held.format.startsWith('dicom');
    const { stream, input } = dicom ? videoStreamOf(readDicomFile(kept)) : { stream: kept, input: [] };
    const path = join(work, 'source');
    await writeFile(path, stream, { mode: 0o600 });
    const probe = await probeVideo(path, input);
    const decoded = await decodeVideo(path, work, probe, payload.regions);
    const attributeFindings = dicom ? (record.findings as DeidFinding[]).filter((f) => f.stage !== 'pixel') : [];
    const text = await withOcrEngine(ocr, (engine) => burnedInTextFindings(engine, decoded.samples));
    const findings = [...attributeFindings, ...(await proxyMetadataFindings(decoded.proxyPath)), ...text].map(stewardFinding);
    const outcome: GateCheckOutcome = findings.length === 0 ? 'passes' : 'fails';
    await new QuarantineReviewRepository(deps.database.db).finishCheck(payload.checkId, outcome, findings, deps.clock());
    return { outcome, findings };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
