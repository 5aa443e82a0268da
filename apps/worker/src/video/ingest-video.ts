import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchReport, type AttributeAction, type DeidFinding, type DeidOption, type DeidRecord, type OcrEngine, type PseudonymMap } from '@delineate/deid';
import { DelineateError, isDelineateError, type Modality } from '@delineate/schema';
import { ItemRepository, recordQuarantinedVideo, recordVideo } from '@delineate/store';
import { insertRecord, type IngestDeps, type IngestFileReport, type IngestReport } from '../ingest';
import { decodeVideo, type BlackedRegion } from './decode';
import { probeVideo } from './probe';
import { burnedInTextFindings, proxyMetadataFindings } from './video-gate';

export interface VideoIngestOptions {
  projectId: string;
  options: ReadonlySet<DeidOption>;
  pseudonyms: PseudonymMap;
  acceptedModalities?: readonly Modality[];
  /** The OCR engine of the pixel stage: every sampled frame is read. */
  ocr: OcrEngine;
  /** A steward's rectangles, blacked out before the frames are hashed, read or encoded. */
  regions?: readonly BlackedRegion[];
  batchId?: string;
  /** Largest source kept, in bytes (default 2 GiB: a blob is written whole). */
  maxBytes?: number;
  /** Where the stream came from when it is not a plain MP4 or MOV file (a DICOM video's Pixel Data). */
  origin?: VideoOrigin;
}

/** A stream taken out of another file (a DICOM video): what is kept, recorded and decoded instead of the plain file's. */
export interface VideoOrigin {
  /** The file a quarantine keeps for the steward's redaction, and the record's source hash. */
  readonly keptSource: Uint8Array;
  readonly sourceSha256: string;
  /** Recorded on a quarantined video so its redaction knows how to start again (`dicom-h264`, `dicom-mp4`). */
  readonly format: string;
  /** ffmpeg input options for the stream (a bare H.264 stream's format and frame rate). */
  readonly input: readonly string[];
  /** The DICOM attribute gate's actions and findings, joined to the video gate's. */
  readonly actions: readonly AttributeAction[];
  readonly findings: readonly DeidFinding[];
  readonly subjectPseudonym?: string;
}

const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Ingests one endoscopy clip (MP4 or MOV) as a `frame_range` item. ffprobe reads the container,
 * then ffmpeg decodes it once into the frame table (pts, key-frame flag, SHA-256 per decoded
 * frame), thumbnails, full-size grey samples for OCR and an H.264 proxy without the container's
 * metadata. The gate: OCR on the samples (about one a second, and the last frame) and a check
 * that the proxy carries no metadata beyond the allowed names. Text found → quarantined (proxy
 * and source kept encrypted for a steward, whose rectangles are blacked out on the next run);
 * otherwise the video, its frame table and its item are recorded with a passed record in one
 * transaction. A refused clip leaves nothing: no blob, no record. A DICOM video comes here with
 * its `origin` (`ingestDicomVideo`): the stream taken out of its Pixel Data, the attribute gate's
 * actions and findings, and the DICOM file kept in place of the stream while it is held.
 */
export async function ingestVideo(deps: IngestDeps, sourcePath: string, options: VideoIngestOptions): Promise<IngestReport> {
  const report: IngestFileReport = { index: 0, sourceSha256: '', status: 'rejected' };
  const result: IngestReport = { passed: 0, quarantined: 0, rejected: 0, duplicates: 0, files: [report], records: [], items: [] };
  const work = await mkdtemp(join(tmpdir(), 'delineate-video-'));
  const batchId = options.batchId ?? crypto.randomUUID();
  try {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if ((await stat(sourcePath)).size > maxBytes) throw new DelineateError('DLN_VIDEO_TOO_LARGE', `The video is larger than the ${Math.round(maxBytes / 1024 ** 2)} MiB this store keeps in one blob`);
    const origin = options.origin;
    report.sourceSha256 = origin?.sourceSha256 ?? (await fileSha256(sourcePath));
    // A DICOM video's Modality was checked against the project by its caller.
    if (!origin && options.acceptedModalities && !options.acceptedModalities.includes('ES')) {
      throw new DelineateError('DLN_INGEST_MODALITY', `This project accepts ${options.acceptedModalities.join(', ')} images; this file is an endoscopy video (ES)`, { modality: 'ES' });
    }
    const probe = await probeVideo(sourcePath, origin?.input ?? []);
    const regions = options.regions ?? [];
    const decoded = await decodeVideo(sourcePath, work, probe, regions);
    const findings = [...(origin?.findings ?? []), ...(await proxyMetadataFindings(decoded.proxyPath)), ...(await burnedInTextFindings(options.ocr, decoded.samples))];
    const status = findings.length > 0 ? 'quarantined' : 'passed';
    const record: DeidRecord = {
      sourceSha256: report.sourceSha256,
      profile: 'dicom-ps3.15-e1-basic',
      options: [...options.options].sort(),
      actions: [
        ...(origin?.actions ?? probe.tagNames.map((name) => ({ path: `container tag ${name}`, action: 'X' }))),
        { path: 'video', action: `decoded ${decoded.frames.length} frames; re-encoded as H.264 proxy` },
      ],
      pixelRegions: regions.map((r) => ({ ...r, source: 'steward' })),
      findings,
      status,
      kind: 'image',
      ...(origin?.subjectPseudonym ? { subjectPseudonym: origin.subjectPseudonym } : {}),
    };
    const proxy = new Uint8Array(await readFile(decoded.proxyPath));
    if (status === 'quarantined') {
      // Blobs first, record last, as DICOM quarantine keeps a file for a steward.
      const { hash } = await deps.blobs.put(proxy);
      await deps.blobs.put(origin?.keptSource ?? new Uint8Array(await readFile(sourcePath)), { expectedHash: report.sourceSha256 });
      const recordId = await deps.database.db.transaction().execute(async (tx) => {
        const id = await insertRecord(tx, options.projectId, batchId, record, hash, 'quarantined', deps.clock());
        await recordQuarantinedVideo(tx, id, { format: origin?.format ?? probe.container, width: probe.width, height: probe.height, frameTimes: decoded.frames.map((f) => f.timeSeconds), framesPerSecond: probe.framesPerSecond });
        return id;
      });
      Object.assign(report, { status: 'quarantined', recordId, code: 'DLN_DEID_QUARANTINED', reason: batchReport([record], record.options).files[0]?.reasons.join('; ') ?? '' });
      result.quarantined = 1;
      result.records.push({ recordId, status: 'quarantined' });
      return result;
    }
    const { hash: proxyHash } = await deps.blobs.put(proxy);
    const thumbnails: { frameIndex: number; hash: string }[] = [];
    for (const t of decoded.thumbnails) thumbnails.push({ frameIndex: t.frameIndex, hash: (await deps.blobs.put(new Uint8Array(await readFile(t.path)))).hash });
    const pseudonym = origin?.subjectPseudonym ?? (await options.pseudonyms.pseudonymFor({ patientId: `video:${report.sourceSha256}` }));
    const stored = await deps.database.db.transaction().execute(async (tx) => {
      const recordId = await insertRecord(tx, options.projectId, batchId, { ...record, outputSha256: proxyHash }, proxyHash, 'passed', deps.clock());
      const repo = new ItemRepository(tx);
      const existing = await tx.selectFrom('subjects').select('id').where('project_id', '=', options.projectId).where('pseudonym', '=', pseudonym).executeTakeFirst();
      const subjectId = existing?.id ?? (await repo.createSubject({ projectId: options.projectId, pseudonym, ageBand: 'unknown', sex: 'unknown' })).id;
      const videoId = await recordVideo(
        tx,
        { subjectId, width: probe.width, height: probe.height, framesPerSecond: probe.framesPerSecond, timeBase: probe.timeBase, proxyHash, proxyWidth: decoded.proxyWidth, proxyHeight: decoded.proxyHeight, sourceFormat: origin?.format ?? probe.container, thumbnails, frames: decoded.frames },
        deps.clock(),
      );
      const item = await repo.createItem({ projectId: options.projectId, subjectId, target: { kind: 'frame_range', videoId, firstFrame: 0, lastFrame: decoded.frames.length - 1 } });
      return { recordId, itemId: item.id, videoId };
    });
    Object.assign(report, { status: 'passed', recordId: stored.recordId, itemId: stored.itemId });
    result.passed = 1;
    result.records.push({ recordId: stored.recordId, status: 'passed' });
    result.videos = [{ itemId: stored.itemId, videoId: stored.videoId, frameCount: decoded.frames.length }];
    return result;
  } catch (error) {
    report.code = isDelineateError(error) ? error.code : 'DLN_VIDEO_UNREADABLE';
    report.reason = isDelineateError(error) ? error.message : 'The video could not be ingested';
    result.rejected = 1;
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
