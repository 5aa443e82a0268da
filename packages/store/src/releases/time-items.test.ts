import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCineNifti, readSegmentation } from '@delineate/formats';
import { isManifestV2, type ReleaseManifestV2 } from '@delineate/schema';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { decompressCocoCounts } from '../pathology/coco-rle';
import type { Database } from '../sql/database';
import { createTestDatabase } from '../test/databases';
import { buildTimeReleaseScenario, VIDEO, type TimeReleaseScenario } from '../test/time-release-scenario';
import { ReleaseBuilder } from './build';
import { enqueueReleaseExport, releaseExportArchive, runReleaseExport } from './export/exports';
import { readTarArchive } from './export/tar';
import { freezeRelease } from './freeze';
import { verifyRelease } from './verify';

/** A COCO RLE (column-major counts, starting with background) as a row-major 0/1 mask. */
function cocoMask(counts: string, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  let at = 0;
  for (const [k, run] of decompressCocoCounts(counts).entries()) {
    if (k % 2 === 1) for (let j = at; j < at + run; j++) mask[(j % height) * width + Math.floor(j / height)] = 1;
    at += run;
  }
  return mask;
}

// One release built once and read by every test (building it is the slow part), on PGlite.
describe('releases of cine and video items', () => {
  let database: Database;
  const getDb = () => database;
  let dir: string;
  let blobs: LocalBlobStore;
  let scenario: TimeReleaseScenario;
  let releaseId: string;
  let manifest: ReleaseManifestV2;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-time-release-'));
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
    database = await createTestDatabase('pglite');
    const { db } = getDb();
    scenario = await buildTimeReleaseScenario(db, blobs);
    const draft = await new ReleaseBuilder(db, blobs).build(scenario.projectId, { name: 'Cine and video v1', defaultSplit: 'train' });
    const frozen = await freezeRelease(db, blobs, draft.id, () => new Date('2026-06-30T12:00:00Z'));
    releaseId = frozen.id;
    if (!isManifestV2(frozen.manifest)) throw new Error('expected a format-2 manifest');
    manifest = frozen.manifest;
  }, 120_000);
  afterAll(async () => {
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function exported(format: string): Promise<Map<string, Uint8Array>> {
    const { db } = getDb();
    const queued = await enqueueReleaseExport(db, { releaseId, format, userId: null });
    await runReleaseExport(db, blobs, queued.id);
    const { bytes } = await releaseExportArchive(db, blobs, releaseId, queued.id);
    return new Map(readTarArchive(bytes).map((f) => [f.path, f.bytes]));
  }

  it('selects the cine with its slices × phases and the map, and the video with its decoded frame table and released tracks', () => {
    const { phantom } = scenario;
    const cine = manifest.items.find((i) => i.itemId === scenario.cineItemId)!;
    expect(cine.cine).toEqual({ slices: 4, phases: 4, triggerTimes: [...phantom.triggerTimes], labelMap: 'mnms' });
    expect(cine.geometry.dims).toEqual([40, 40, 16]);
    expect(cine.readings.map((r) => r.annotationId).sort()).toEqual([...scenario.cineAnnotations].sort());
    expect(cine.instances).toHaveLength(16);
    expect(cine.consensus?.inputs).toHaveLength(2);
    const video = manifest.items.find((i) => i.itemId === scenario.videoItemId)!;
    expect(video.modality).toBe('ES');
    expect(video.video).toMatchObject({ width: VIDEO.width, height: VIDEO.height, decodedFrames: VIDEO.frames, framesPerSecond: VIDEO.fps });
    expect(video.video!.frameTableHash).toMatch(/^[0-9a-f]{64}$/);
    expect(video.video!.tracks.map((t) => [t.authorId, t.version, t.labelValue])).toEqual(scenario.readers.map((r) => [r, 1, 4]));
    expect(video.labelKeys).toEqual(['polyp']);
  });

  it('verifies, and finds a video frame table changed after the freeze', async () => {
    const { db } = getDb();
    expect(await verifyRelease(db, blobs, releaseId)).toMatchObject({ ok: true, problems: [] });
    const video = manifest.items.find((i) => i.itemId === scenario.videoItemId)!.video!;
    await db.updateTable('video_frames' as never).set({ key_frame: true } as never).where('video_id' as never, '=', video.videoId as never).where('frame_index' as never, '=', 5 as never).execute();
    const report = await verifyRelease(db, blobs, releaseId);
    expect(report.problems).toEqual([{ what: `item ${scenario.videoItemId} frame table`, hash: video.frameTableHash, problem: 'differs' }]);
    await db.updateTable('video_frames' as never).set({ key_frame: false } as never).where('video_id' as never, '=', video.videoId as never).where('frame_index' as never, '=', 5 as never).execute();
  });

  it('exports the cine as 4-D NIfTI in the named map, equal to the released consensus of the stored revisions', async () => {
    const files = await exported('cine-nifti');
    const bytes = files.get(`train/${scenario.cineItemId}/cine-mnms.nii.gz`)!;
    expect(bytes).toBeDefined();
    const decoded = decodeCineNifti(bytes, 'mnms', 'mnms');
    expect(decoded.fileMap).toBe('mnms');
    expect([decoded.stack.slices, decoded.stack.phases]).toEqual([4, 4]);
    // Two readers who agree everywhere but reader B's wider LV at ED: STAPLE keeps what both drew
    // outside that rim; inside it, the decoded labels are one of the two readers'.
    const [a, b] = scenario.cineLabels;
    let differ = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) expect(decoded.stack.data[i]).toBe(a[i]);
      else differ++;
    }
    expect(differ).toBeGreaterThan(0);
    // Nothing of the video goes into a cine format: its folder holds its provenance only.
    expect([...files.keys()].filter((p) => p.includes(scenario.videoItemId))).toEqual([`train/${scenario.videoItemId}/provenance.json`]);
  });

  it('exports the cine as one DICOM SEG whose frames reference the image of their slice and phase', async () => {
    const files = await exported('cine-seg');
    const read = readSegmentation(files.get(`train/${scenario.cineItemId}/cine-seg-mnms.dcm`)!);
    expect(read.segments.map((s) => [s.number, s.label])).toEqual([[1, 'LV blood pool'], [2, 'LV myocardium'], [3, 'RV blood pool']]);
    const { phantom } = scenario;
    const [columns, rows, slices] = phantom.dims;
    const a = scenario.cineLabels[0];
    // A plane both readers agree on (end-systole) compared pixel for pixel.
    const es = phantom.known.esPhase;
    const byUid = new Map<string, number>();
    const { cineClassicInstances } = await import('@delineate/formats');
    for (const f of cineClassicInstances(phantom)) byUid.set(f.sopInstanceUid, f.phase * slices + f.slice);
    let compared = 0;
    for (let f = 0; f < read.frames.length; f++) {
      const frame = read.frames[f]!;
      const plane = byUid.get(frame.referencedSopInstanceUids[0]!)!;
      if (Math.floor(plane / slices) !== es) continue;
      const pixels = read.framePixels(f);
      for (let i = 0; i < columns * rows; i++) expect(pixels[i] ? 1 : 0).toBe(a[plane * columns * rows + i] === frame.segmentNumber ? 1 : 0);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('exports the video as COCO RLE with each frame’s timestamp and as tracks JSON, equal to the released tracks', async () => {
    const coco = JSON.parse(new TextDecoder().decode((await exported('video-coco')).get(`train/${scenario.videoItemId}/coco.json`)!));
    expect(coco.images).toHaveLength(VIDEO.frames);
    expect(coco.images[6]).toMatchObject({ frame_index: 6, timestamp: 6 / VIDEO.fps });
    const trackIds = manifest.items.find((i) => i.itemId === scenario.videoItemId)!.video!.tracks.map((t) => t.trackId);
    for (const [k, masks] of scenario.videoMasks.entries()) {
      const own = coco.annotations.filter((x: { track_id: string }) => x.track_id === trackIds[k]);
      expect(own.map((x: { image_id: number }) => x.image_id - 1)).toEqual([...masks.keys()]);
      for (const x of own) {
        expect(x.timestamp).toBe((x.image_id - 1) / VIDEO.fps);
        expect(cocoMask(x.segmentation.counts, VIDEO.width, VIDEO.height)).toEqual(masks.get(x.image_id - 1));
      }
    }
    const tracks = JSON.parse(new TextDecoder().decode((await exported('video-tracks')).get(`train/${scenario.videoItemId}/tracks.json`)!));
    expect(tracks.frameCount).toBe(VIDEO.frames);
    expect(tracks.tracks.map((t: { id: string; label: string; version: number }) => [t.id, t.label, t.version])).toEqual(trackIds.map((id) => [id, 'Polyp', 1]));
    expect(tracks.tracks[0].frames[0]).toMatchObject({ frame: 2, timestamp: 2 / VIDEO.fps, state: 'keyframe' });
  });
});
