import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrEngine, defaultPixelPolicy, findBurnedInWords, type OcrEngine } from '@delineate/deid';
import { decodePixels, loadWasmCodecs, readPixelSource } from '@delineate/formats';
import { BlobKey, LocalBlobStore, ProjectRepository, testing, videoForItem, type Database } from '@delineate/store';
import { requireTestData } from '@delineate/testkit';
import { projectDeidSettings } from '../project-deid';
import { runTool } from './ffmpeg';
import { ingestVideo } from './ingest-video';
import { redactQuarantinedVideo } from './redact-video';
import { writeSyntheticClip } from './synthetic-clip';

/** Words the OCR stage reads on a released frame, whatever their contrast: stricter than the gate, which also asks for glyph contrast. */
const anyContrast = { ...defaultPixelPolicy, minGlyphContrast: 0 };

describe('video redaction by a steward', { timeout: 600_000 }, () => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  let projectId: string;
  let ocr: OcrEngine;
  const clock = () => new Date();
  const deps = () => ({ database, blobs, clock });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-video-redact-'));
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

  async function ingest(path: string) {
    return ingestVideo(deps(), path, { projectId, ...(await projectDeidSettings(deps(), projectId)), ocr });
  }

  /** Words the OCR stage would count, on decoded frames of a stored proxy. */
  async function wordsOnProxy(hash: string, frames: readonly number[]): Promise<number> {
    await writeFile(join(dir, 'released.mp4'), await blobs.get(hash));
    let words = 0;
    for (const frame of frames) {
      const out = join(dir, `frame-${frame}.gray`);
      await runTool('ffmpeg', ['-v', 'error', '-y', '-i', join(dir, 'released.mp4'), '-vf', `select=eq(n\\,${frame}),format=gray`, '-frames:v', '1', '-f', 'rawvideo', out]);
      const data = new Uint8Array(await readFile(out));
      words += (await findBurnedInWords(ocr, { width: 320, height: 240, data }, anyContrast)).length;
    }
    return words;
  }

  it('holds a clip whose overlay carries a patient ID until a region over the whole clip is blacked out, then releases it with no readable text', async () => {
    const source = join(dir, 'overlay.mp4');
    await writeSyntheticClip({ path: source, overlay: 'ID 83746251 2024-03-01' });
    const held = await ingest(source);
    expect(held.files[0]).toMatchObject({ status: 'quarantined' });
    const recordId = held.files[0]!.recordId!;
    expect(await database.db.selectFrom('videos').selectAll().execute()).toEqual([]);

    // A rectangle too small leaves text: the clip stays held.
    const partial = await redactQuarantinedVideo(deps(), { projectId, recordId, regions: [{ x: 0, y: 0, width: 60, height: 34 }] }, ocr);
    expect(partial.files[0]).toMatchObject({ status: 'quarantined' });
    expect(await database.db.selectFrom('videos').selectAll().execute()).toEqual([]);

    const released = await redactQuarantinedVideo(deps(), { projectId, recordId, regions: [{ x: 0, y: 0, width: 320, height: 34 }] }, ocr);
    expect(released.files[0]).toMatchObject({ status: 'passed' });
    const video = await videoForItem(database.db, released.files[0]!.itemId!);
    const record = await database.db.selectFrom('deid_records').selectAll().where('output_hash', '=', video.blobHash).executeTakeFirstOrThrow();
    expect(record.status).toBe('passed');
    expect(record.pixel_regions).toEqual([{ x: 0, y: 0, width: 320, height: 34, source: 'steward' }]);
    expect(await wordsOnProxy(video.blobHash, [0, 30, video.frameCount - 1])).toBe(0);
  });

  it('refuses a rectangle past the edge of the clip', async () => {
    const source = join(dir, 'overlay2.mp4');
    await writeSyntheticClip({ path: source, overlay: 'DOB 1950-01-02', seconds: 1 });
    const recordId = (await ingest(source)).files[0]!.recordId!;
    await expect(redactQuarantinedVideo(deps(), { projectId, recordId, regions: [{ x: 300, y: 0, width: 40, height: 20 }] }, ocr)).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
  });

  it.each(['dicom/wg04/VL1_endoscopy_esophagus.dcm', 'dicom/wg04/VL2_endoscopy.dcm'])('holds the real endoscopy still %s, shown as a clip, by the same OCR rule', async (file) => {
    await loadWasmCodecs();
    const pixels = decodePixels(readPixelSource(new Uint8Array(await readFile(requireTestData(file))))!);
    const { rows, columns } = pixels.description;
    const raw = join(dir, 'still.rgb');
    await writeFile(raw, Buffer.concat(Array.from({ length: 5 }, () => pixels.frames[0]!)));
    const clip = join(dir, 'still.mp4');
    await runTool('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${columns}x${rows}`, '-framerate', '5', '-i', raw, '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);
    const report = await ingest(clip);
    expect(report.files[0]).toMatchObject({ status: 'quarantined' });
    const record = await database.db.selectFrom('deid_records').select('findings').where('id', '=', report.files[0]!.recordId!).executeTakeFirstOrThrow();
    expect((record.findings as { kind: string }[]).filter((f) => f.kind === 'burned-in-text').length).toBeGreaterThan(2);
  });
});
