import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrEngine, type OcrEngine } from '@delineate/deid';
import { BlobKey, LocalBlobStore, ProjectRepository, testing, videoForItem, videoFrameTable, type Database } from '@delineate/store';
import { projectDeidSettings } from '../project-deid';
import { ffprobeDecodedFrames, runTool } from './ffmpeg';
import { ingestVideo } from './ingest-video';
import { ingestUploadedVideo } from './upload-video';
import { writeSyntheticClip } from './synthetic-clip';

describe('video ingest', { timeout: 600_000 }, () => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  let projectId: string;
  let ocr: OcrEngine;
  const clock = () => new Date();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-video-ingest-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    projectId = await testing.createDemoProject(database);
    await new ProjectRepository(database.db).setAcceptedModalities(projectId, ['ES']);
    ocr = createOcrEngine();
    await writeSyntheticClip({ path: join(dir, 'clean.mp4') });
  });
  afterAll(async () => {
    await ocr?.close();
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function ingest(path: string) {
    const settings = await projectDeidSettings({ database, blobs, clock }, projectId);
    return ingestVideo({ database, blobs, clock }, path, { projectId, ...settings, ocr });
  }

  async function counts() {
    const records = await database.db.selectFrom('deid_records').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const videos = await database.db.selectFrom('videos').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return { records: Number(records.n), videos: Number(videos.n) };
  }

  it('decodes a clean clip once into a frame table whose count equals ffprobe -count_frames, with a playable proxy and thumbnails', async () => {
    const source = join(dir, 'clean.mp4');
    const report = await ingest(source);
    expect(report.files[0]).toMatchObject({ status: 'passed' });
    const itemId = report.files[0]!.itemId!;
    const video = await videoForItem(database.db, itemId);
    const frames = await videoFrameTable(database.db, video.id);
    expect(frames.length).toBe(await ffprobeDecodedFrames(source));
    expect(video.frameCount).toBe(frames.length);
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i));
    // Key-frame flags agree with ffprobe's decoded frames (several, not every frame); timestamps strictly increase.
    const decodedKeys = (await runTool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=key_frame', '-of', 'csv=p=0', source])).stdout.split('\n').filter((l) => l.trim()).map((l) => l.startsWith('1'));
    expect(frames.map((f) => f.keyFrame)).toEqual(decodedKeys);
    expect(frames.filter((f) => f.keyFrame).length).toBeGreaterThan(3);
    expect(frames.filter((f) => f.keyFrame).length).toBeLessThan(frames.length / 4);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.pts).toBeGreaterThan(frames[i - 1]!.pts);
    expect(frames[25]!.timeSeconds).toBeCloseTo(1, 6);
    // The hash is of the decoded frame: ffmpeg's own framehash of the source agrees.
    await runTool('ffmpeg', ['-v', 'error', '-i', source, '-f', 'framehash', '-hash', 'sha256', join(dir, 'reference.txt')]);
    const reference = (await readFile(join(dir, 'reference.txt'), 'utf8')).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',')[5]!.trim());
    expect(frames.map((f) => f.sha256)).toEqual(reference);
    // The proxy: H.264 in MP4 with the moov atom first, the same frames, no container metadata.
    const proxy = await blobs.get(video.blobHash);
    await writeFile(join(dir, 'proxy.mp4'), proxy);
    expect(Buffer.from(proxy.subarray(0, 64)).includes('moov') || Buffer.from(proxy.subarray(0, 4096)).indexOf('moov') < Buffer.from(proxy).indexOf('mdat')).toBe(true);
    expect(await ffprobeDecodedFrames(join(dir, 'proxy.mp4'))).toBe(frames.length);
    const tags = (await runTool('ffprobe', ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', join(dir, 'proxy.mp4')])).stdout;
    expect(tags).not.toContain('4711');
    expect(tags).not.toContain('synthetic endoscopy');
    expect(video.thumbnails.map((t) => t.frameIndex)).toEqual([0, 25, 50]);
    expect((await blobs.get(video.thumbnails[0]!.hash)).subarray(0, 2)).toEqual(new Uint8Array([0xff, 0xd8]));
  });

  it('keeps a clip whose overlay carries a patient ID in quarantine, with the frame and box of the text', async () => {
    const source = join(dir, 'overlay.mov');
    await writeSyntheticClip({ path: source, overlay: 'ID 83746251 2024-03-01', container: 'mov' });
    const before = await counts();
    const report = await ingest(source);
    expect(report.files[0]).toMatchObject({ status: 'quarantined', code: 'DLN_DEID_QUARANTINED' });
    const record = await database.db.selectFrom('deid_records').selectAll().where('id', '=', report.files[0]!.recordId!).executeTakeFirstOrThrow();
    const findings = record.findings as { kind: string; frame?: number; region?: { x: number; y: number } }[];
    expect(findings.some((f) => f.kind === 'burned-in-text' && f.frame === 0 && f.region!.y < 40)).toBe(true);
    expect(JSON.stringify(findings)).not.toContain('83746251');
    expect(await counts()).toEqual({ records: before.records + 1, videos: before.videos });
  });

  it('refuses a truncated clip and a file that is not a video, keeping nothing', async () => {
    const before = await counts();
    const cut = join(dir, 'cut.mp4');
    await runTool('ffmpeg', ['-v', 'error', '-i', join(dir, 'clean.mp4'), '-c', 'copy', '-movflags', '+faststart', cut]);
    const size = (await readFile(cut)).length;
    await truncate(cut, Math.floor(size * 0.6));
    expect((await ingest(cut)).files[0]).toMatchObject({ status: 'rejected', code: 'DLN_VIDEO_TRUNCATED' });
    const noMoov = join(dir, 'no-moov.mp4');
    await copyFile(join(dir, 'clean.mp4'), noMoov);
    await truncate(noMoov, Math.floor(size * 0.6));
    expect((await ingest(noMoov)).files[0]).toMatchObject({ status: 'rejected', code: 'DLN_VIDEO_UNREADABLE' });
    const text = join(dir, 'notes.mp4');
    await writeFile(text, 'not a video at all');
    expect((await ingest(text)).files[0]).toMatchObject({ status: 'rejected' });
    expect(await counts()).toEqual(before);
  });

  it('takes an uploaded clip through the same gate and answers the uploader in words', async () => {
    const source = join(dir, 'upload.mp4');
    await writeSyntheticClip({ path: source, seconds: 1 });
    const answer = await ingestUploadedVideo({ database, blobs, clock }, projectId, new Uint8Array(await readFile(source)));
    expect(answer).toMatchObject({ state: 'passed', code: null, outcome: { passed: 1 } });
    expect(answer.reason).toBe(`Passed the video gate: ${await ffprobeDecodedFrames(source)} decoded frames`);
  });
});
