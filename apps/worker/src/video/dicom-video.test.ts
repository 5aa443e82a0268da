import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDciodvfyValidator, createOcrEngine, defaultPixelPolicy, findBurnedInWords, type OcrEngine } from '@delineate/deid';
import { getNumber, getString, readDicomFile } from '@delineate/formats';
import { AccessRepository, BlobKey, LocalBlobStore, ProjectRepository, QuarantineReviewRepository, testing, videoForItem, videoFrameTable, type Database } from '@delineate/store';
import type { RedactionRegion } from '@delineate/schema';
import { ingestBatch } from '../ingest-batch';
import { projectDeidSettings } from '../project-deid';
import { isDicomVideo, videoStreamOf } from './dicom-video';
import { ffprobeDecodedFrames, runTool } from './ffmpeg';
import { redactQuarantinedVideo } from './redact-video';
import { syntheticVideoEndoscopic } from './synthetic-endoscopic';
import { checkQuarantinedVideoGate } from './video-gate-check';

/** Words the OCR stage reads on a released frame, whatever their contrast: stricter than the gate, which also asks for glyph contrast. */
const anyContrast = { ...defaultPixelPolicy, minGlyphContrast: 0 };

describe('DICOM Video Endoscopic', { timeout: 600_000 }, () => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  let projectId: string;
  let ocr: OcrEngine;
  const clock = () => new Date();
  const deps = () => ({ database, blobs, clock });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-dicom-video-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    projectId = await testing.createDemoProject(database);
    await new ProjectRepository(database.db).setAcceptedModalities(projectId, ['ES']);
    ocr = createOcrEngine();
  });
  afterAll(async () => {
    await ocr?.close();
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function ingest(bytes: Uint8Array) {
    return ingestBatch(deps(), [bytes], { projectId, ...(await projectDeidSettings(deps(), projectId)), validator: null });
  }

  /** Frames of the stored proxy the OCR stage would count words on. */
  async function wordsOnProxy(hash: string, frames: readonly number[]): Promise<number> {
    await writeFile(join(dir, 'released.mp4'), await blobs.get(hash));
    let words = 0;
    for (const frame of frames) {
      const out = join(dir, `frame-${frame}.gray`);
      await runTool('ffmpeg', ['-v', 'error', '-y', '-i', join(dir, 'released.mp4'), '-vf', `select=eq(n\\,${frame}),format=gray`, '-frames:v', '1', '-f', 'rawvideo', out]);
      words += (await findBurnedInWords(ocr, { width: 320, height: 240, data: new Uint8Array(await readFile(out)) }, anyContrast)).length;
    }
    return words;
  }

  it('writes an instance dciodvfy accepts: H.264 in one fragment after an empty offset table, with the cine attributes', async () => {
    const made = await syntheticVideoEndoscopic({ overlay: 'ID 83746251 2024-03-01' });
    const validate = createDciodvfyValidator();
    try {
      expect(await validate(made.bytes)).toEqual([]);
    } finally {
      validate.close();
    }
    const file = readDicomFile(made.bytes);
    expect(getString(file.dataset, 0x00080016)).toBe('1.2.840.10008.5.1.4.1.1.77.1.1.1');
    expect(getString(file.meta, 0x00020010)).toBe('1.2.840.10008.1.2.4.102');
    expect(getNumber(file.dataset, 0x00280008)).toBe(made.decodedFrames);
    expect(getNumber(file.dataset, 0x00181063)).toBe(40);
    expect(getString(file.dataset, 0x00282110)).toBe('01');
    const fragments = file.dataset.get(0x7fe00010)!.fragments!;
    expect(fragments.map((f) => f.length > 0)).toEqual([false, true]);
    // The fragment is an Annex B stream (a start code first) that ffmpeg decodes to the clip's frames.
    const { stream, input } = videoStreamOf(file);
    expect([...stream.subarray(0, 4)]).toEqual([0, 0, 0, 1]);
    await writeFile(join(dir, 'stream.h264'), stream);
    const counted = await runTool('ffprobe', ['-v', 'error', ...input, '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', join(dir, 'stream.h264')]);
    expect(Number(counted.stdout.trim())).toBe(made.decodedFrames);
    expect(isDicomVideo(made.bytes)).toBe(true);
  });

  it('takes a clean instance through the attribute gate and the video gate, addressing frames by the decoded table even when Number of Frames lies', async () => {
    const made = await syntheticVideoEndoscopic({ claimedFrames: 999, seed: 'lying-header' });
    const report = await ingest(made.bytes);
    expect(report.files[0]).toMatchObject({ status: 'passed' });
    const itemId = report.videos![0]!.itemId;
    const video = await videoForItem(database.db, itemId);
    const frames = await videoFrameTable(database.db, video.id);
    expect(frames.length).toBe(made.decodedFrames);
    expect(frames.length).not.toBe(999);
    expect(video.frameCount).toBe(made.decodedFrames);
    expect(frames[25]!.timeSeconds).toBeCloseTo(1, 6);
    expect(frames[0]!.keyFrame).toBe(true);
    expect(frames.filter((f) => f.keyFrame).length).toBeGreaterThan(2);
    await writeFile(join(dir, 'proxy.mp4'), await blobs.get(video.blobHash));
    expect(await ffprobeDecodedFrames(join(dir, 'proxy.mp4'))).toBe(made.decodedFrames);
    // The record carries the attribute gate's actions (names and actions, never values).
    const record = await database.db.selectFrom('deid_records').selectAll().where('id', '=', report.files[0]!.recordId!).executeTakeFirstOrThrow();
    const actions = record.actions as { path: string; action: string }[];
    expect(actions.find((a) => a.path === '00100020')?.action).toBe('pseudonym');
    expect(actions.find((a) => a.path === '0020000d')?.action).toBe('U');
    expect(actions.find((a) => a.path === '00080020')?.action).toBe('Z');
    expect(actions.at(-1)).toEqual({ path: 'video', action: `decoded ${made.decodedFrames} frames; re-encoded as H.264 proxy` });
    expect(JSON.stringify(record)).not.toContain('SYN-ENDO-0001');
    expect(JSON.stringify(record)).not.toContain('Synthetic^Endoscopy');
  });

  it('takes a whole MP4 stored in the Pixel Data through the same path, its container metadata left behind', async () => {
    // The embedded MP4 carries a title and a comment naming a patient; only the re-encoded proxy is kept.
    const made = await syntheticVideoEndoscopic({ payload: 'mp4', seconds: 1, seed: 'mp4-inside' });
    const report = await ingest(made.bytes);
    expect(report.files[0]).toMatchObject({ status: 'passed' });
    expect(report.videos![0]!.frameCount).toBe(made.decodedFrames);
    const video = await videoForItem(database.db, report.videos![0]!.itemId);
    await writeFile(join(dir, 'inside.mp4'), await blobs.get(video.blobHash));
    const tags = (await runTool('ffprobe', ['-v', 'error', '-show_entries', 'format_tags:stream_tags', '-of', 'json', join(dir, 'inside.mp4')])).stdout;
    expect(tags).not.toContain('4711');
    expect(tags).not.toContain('synthetic endoscopy');
  });

  it('holds an instance whose overlay carries a patient ID, and releases it only once a steward blacks the overlay out', async () => {
    const made = await syntheticVideoEndoscopic({ overlay: 'ID 83746251 2024-03-01', seed: 'overlay' });
    const held = await ingest(made.bytes);
    expect(held.files[0], JSON.stringify(held.files[0])).toMatchObject({ status: 'quarantined', code: 'DLN_DEID_QUARANTINED' });
    const recordId = held.files[0]!.recordId!;
    const record = await database.db.selectFrom('deid_records').selectAll().where('id', '=', recordId).executeTakeFirstOrThrow();
    const findings = record.findings as { kind: string; frame?: number }[];
    expect(findings.some((f) => f.kind === 'burned-in-text' && f.frame === 0)).toBe(true);
    expect(JSON.stringify(findings)).not.toContain('83746251');
    // The kept source is the DICOM file itself, so the redaction starts again from it.
    expect(isDicomVideo(await blobs.get(record.source_hash))).toBe(true);

    // The steward's trials: the band over frames 1 to 31 only leaves the text on the last sampled
    // frame; over the whole clip the gate passes. A trial records nothing but its outcome.
    const videosBefore = (await database.db.selectFrom('videos').selectAll().execute()).length;
    const steward = (await new AccessRepository(database.db).createUser({ username: 'steward', displayName: 'S', now: new Date() })).id;
    const reviews = new QuarantineReviewRepository(database.db);
    const trial = async (regions: RedactionRegion[]) => {
      const checkId = await reviews.createCheck({ recordId, regions, requestedBy: steward, now: new Date() });
      return checkQuarantinedVideoGate(deps(), { projectId, recordId, checkId, regions }, ocr);
    };
    const partial = await trial([{ x: 0, y: 0, width: 320, height: 34, frame: 0, lastFrame: 30 }]);
    expect(partial.outcome).toBe('fails');
    expect(new Set(partial.findings.map((f) => f.frame ?? f.region?.frame))).toEqual(new Set([made.decodedFrames - 1]));
    expect((await trial([{ x: 0, y: 0, width: 320, height: 34 }])).outcome).toBe('passes');
    expect(await database.db.selectFrom('videos').selectAll().execute()).toHaveLength(videosBefore);

    const released = await redactQuarantinedVideo(deps(), { projectId, recordId, regions: [{ x: 0, y: 0, width: 320, height: 34 }] }, ocr);
    expect(released.files[0]).toMatchObject({ status: 'passed' });
    const video = await videoForItem(database.db, released.files[0]!.itemId!);
    expect(video.frameCount).toBe(made.decodedFrames);
    expect(await wordsOnProxy(video.blobHash, [0, 25, video.frameCount - 1])).toBe(0);
  });

  it('refuses an instance of a modality the project does not accept, keeping nothing', async () => {
    const other = await testing.createDemoProject(database, 'ct-only', ['CT']);
    const made = await syntheticVideoEndoscopic({ seconds: 1, seed: 'modality' });
    const report = await ingestBatch(deps(), [made.bytes], { projectId: other, ...(await projectDeidSettings(deps(), other)), acceptedModalities: ['CT'], validator: null });
    expect(report.files[0]).toMatchObject({ status: 'rejected', code: 'DLN_INGEST_MODALITY' });
  });
});
