import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskOfRuns, runsOfMask } from '@delineate/core';
import type { TrackSaveRequest } from '@delineate/schema';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { decompressCocoCounts } from '../pathology/coco-rle';
import { ItemRepository } from '../repositories/items';
import type { Database } from '../sql/database';
import { createDemoProject } from '../test/gate-bed';
import { createTestDatabase } from '../test/databases';
import { videoAgreement } from './agreement';
import { exportVideoAnnotations } from './exports';
import { VideoTrackStore } from './tracks';
import { recordVideo } from './videos';

const W = 64;
const H = 48;
const FRAMES = 30;

function disc(cx: number, cy: number, r: number): number[] {
  const mask = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - cx, y - cy) <= r) mask[y * W + x] = 1;
  return runsOfMask(mask);
}

describe('video tracks', () => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  let itemId: string;
  let readers: [string, string];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-video-tracks-'));
    database = await createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    const projectId = await createDemoProject(database);
    const db = database.db;
    const proxyHash = 'ab'.repeat(32);
    await db
      .insertInto('deid_records')
      .values({ project_id: projectId, source_hash: 'cd'.repeat(32), output_hash: proxyHash, profile: 'basic', options: '[]', actions: '[]', pixel_regions: '[]', findings: '[]', status: 'passed', created_at: new Date() })
      .execute();
    const repo = new ItemRepository(db);
    const subject = await repo.createSubject({ projectId, pseudonym: 'video-subject', ageBand: 'unknown', sex: 'unknown' });
    const frames = Array.from({ length: FRAMES }, (_, i) => ({ index: i, pts: i * 512, timeSeconds: i / 25, keyFrame: i % 12 === 0, sha256: i.toString(16).padStart(64, '0') }));
    const videoId = await recordVideo(db, { subjectId: subject.id, width: W, height: H, framesPerSecond: 25, timeBase: [1, 12800], proxyHash, proxyWidth: W, proxyHeight: H, sourceFormat: 'mp4', thumbnails: [], frames }, new Date());
    itemId = (await repo.createItem({ projectId, subjectId: subject.id, target: { kind: 'frame_range', videoId, firstFrame: 0, lastFrame: FRAMES - 1 } })).id;
    const users = await db.insertInto('users').values([{ username: 'reader-a', display_name: 'A' }, { username: 'reader-b', display_name: 'B' }]).returning('id').execute();
    readers = [users[0]!.id, users[1]!.id];
  });
  afterAll(async () => {
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const polyp = (shift: number): TrackSaveRequest => ({
    labelValue: 1,
    name: 'Polyp 1',
    parentVersion: 0,
    frames: [
      { frame: 0, status: { state: 'outside' } },
      { frame: 2, status: { state: 'keyframe' }, runs: disc(20 + shift, 20, 6) },
      { frame: 3, status: { state: 'interpolated' }, runs: disc(22 + shift, 21, 7) },
      { frame: 4, status: { state: 'propagated', method: 'copy', confidence: 0.8 }, runs: disc(24 + shift, 22, 8) },
    ],
  });

  it('keeps each save as a version whose per-frame states and masks read back exactly, moving the head by compare-and-set', async () => {
    const store = new VideoTrackStore(database.db, blobs);
    const saved = await store.save(itemId, undefined, polyp(0), readers[0]);
    expect(saved.version).toBe(1);
    expect(saved.frames.map((f) => [f.frame, f.status.state])).toEqual([[0, 'outside'], [2, 'keyframe'], [3, 'interpolated'], [4, 'propagated']]);
    expect(saved.frames[1]!.runs).toEqual(disc(20, 20, 6));
    expect(saved.frames[3]!.status).toEqual({ state: 'propagated', method: 'copy', confidence: 0.8 });
    const second = await store.save(itemId, saved.id, { ...polyp(0), parentVersion: 1, frames: polyp(0).frames.slice(0, 2) }, readers[0]);
    expect(second.version).toBe(2);
    await expect(store.save(itemId, saved.id, { ...polyp(0), parentVersion: 1 }, readers[0])).rejects.toMatchObject({ code: 'DLN_REVISION_STALE' });
    const versions = await database.db.withTables<{ video_track_versions: { track_id: string } }>().selectFrom('video_track_versions').selectAll().where('track_id', '=', saved.id).execute();
    expect(versions).toHaveLength(2);
    await store.save(itemId, saved.id, { ...polyp(0), parentVersion: 2 }, readers[0]);
  });

  it('refuses frames past the end, masks that do not fit the frame and a mask on a frame marked not in view', async () => {
    const store = new VideoTrackStore(database.db, blobs);
    await expect(store.save(itemId, undefined, { ...polyp(0), frames: [{ frame: FRAMES, status: { state: 'keyframe' }, runs: disc(5, 5, 2) }] }, null)).rejects.toMatchObject({ code: 'DLN_VIDEO_FRAME_OUT_OF_RANGE' });
    await expect(store.save(itemId, undefined, { ...polyp(0), frames: [{ frame: 1, status: { state: 'keyframe' }, runs: [10, 5] }] }, null)).rejects.toMatchObject({ code: 'DLN_VIDEO_TRACK_INVALID' });
    await expect(store.save(itemId, undefined, { ...polyp(0), frames: [{ frame: 1, status: { state: 'outside' }, runs: disc(5, 5, 2) }] }, null)).rejects.toMatchObject({ code: 'DLN_VIDEO_TRACK_INVALID' });
  });

  it('exports per-frame COCO RLE with each frame timestamp and tracks as JSON, and measures agreement between readers', async () => {
    const store = new VideoTrackStore(database.db, blobs);
    await store.save(itemId, undefined, polyp(2), readers[1]);
    await store.setFlags(itemId, 3, ['blur', 'bubbles'], readers[0]);
    expect(await store.flags(itemId)).toEqual([{ frame: 3, flags: ['blur', 'bubbles'] }]);
    const { coco, tracks } = await exportVideoAnnotations(database.db, blobs, itemId, new Map([[1, 'Polyp']]));
    expect(coco.images).toHaveLength(FRAMES);
    const first = coco.annotations.find((a) => a.image_id === 3)!;
    expect(first.timestamp).toBeCloseTo(2 / 25);
    expect(first.segmentation.size).toEqual([H, W]);
    // The COCO counts decode (column-major) to the same pixels as the stored mask.
    const counts = decompressCocoCounts(first.segmentation.counts);
    const columnMajor = new Uint8Array(W * H);
    let at = 0;
    counts.forEach((n, i) => {
      if (i % 2) columnMajor.fill(1, at, at + n);
      at += n;
    });
    const stored = maskOfRuns(disc(20, 20, 6), W * H);
    let same = true;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((stored.ok ? stored.mask[y * W + x] : -1) !== columnMajor[x * H + y]) same = false;
    expect(same).toBe(true);
    expect(JSON.stringify(tracks)).toContain('"state":"propagated"');
    const agreement = await videoAgreement(database.db, blobs, itemId, readers[0], readers[1]);
    expect(agreement.sampledFrames).toEqual([0, 25]);
    expect(agreement.tracks[0]!.presenceIou).toBe(1);
    expect(agreement.detection.f1).toBe(1);
    expect(agreement.temporal.find((t) => t.reader === 'a')!.meanIou).toBeGreaterThan(0.4);
  });
});
