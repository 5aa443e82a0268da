import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsOfMask } from '@delineate/core';
import { DeidRecordRepository, ItemRepository, recordVideo, testing } from '@delineate/store';
import { asUser } from '../../test/auth';
import { startHarness, type Harness } from '../../test/harness';

const W = 64;
const H = 48;

function disc(cx: number, cy: number, r: number): number[] {
  const mask = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - cx, y - cy) <= r) mask[y * W + x] = 1;
  return runsOfMask(mask);
}

describe.each(testing.testDatabaseKinds().run)('video routes on %s', (kind) => {
  let h: Harness;
  let dir: string;
  let itemId: string;
  let proxy: Uint8Array;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dln-video-routes-'));
    const path = join(dir, 'proxy.mp4');
    const run = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=${W}x${H}:r=10:d=1`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', path], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.stderr}`);
    h = await startHarness(kind);
    const db = h.database.db;
    const { subject_id: subjectId } = await db.selectFrom('items').select('subject_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
    proxy = new Uint8Array(readFileSync(path));
    const { hash } = await h.server.context.blobs.put(proxy);
    await new DeidRecordRepository(db).record({ projectId: h.seeded.projectId, sourceHash: createHash('sha256').update('source').digest('hex'), outputHash: hash, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    const frames = Array.from({ length: 10 }, (_, i) => ({ index: i, pts: i * 1280, timeSeconds: i / 10, keyFrame: i === 0, sha256: createHash('sha256').update(String(i)).digest('hex') }));
    const videoId = await recordVideo(db, { subjectId, width: W, height: H, framesPerSecond: 10, timeBase: [1, 12800], proxyHash: hash, proxyWidth: W, proxyHeight: H, sourceFormat: 'mov,mp4,m4a,3gp,3g2,mj2', thumbnails: [], frames }, new Date());
    itemId = (await new ItemRepository(db).createItem({ projectId: h.seeded.projectId, subjectId, target: { kind: 'frame_range', videoId, firstFrame: 0, lastFrame: 9 } })).id;
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    h.server.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: { ...(await asUser(h, h.seeded.userId)), ...headers } });

  it('serves the video, its frame table and its proxy with byte ranges', async () => {
    const video = await call('GET', `/api/videos/${itemId}`);
    expect(video.statusCode, video.body).toBe(200);
    expect(video.json()).toMatchObject({ itemId, width: W, height: H, frameCount: 10, framesPerSecond: 10 });
    expect(video.json()).not.toHaveProperty('blobHash');
    // The workspace opens a video as its frames stacked: one slice per decoded frame.
    const opened = await call('GET', `/api/items/${itemId}`);
    expect(opened.statusCode, opened.body).toBe(200);
    expect(opened.json()).toMatchObject({ kind: 'frame_range', grid: { rows: H, columns: W, slices: 10 } });
    const frames = await call('GET', `/api/videos/${itemId}/frames`);
    expect(frames.json().map((f: { index: number }) => f.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const whole = await call('GET', `/api/videos/${itemId}/proxy.mp4`);
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.equals(Buffer.from(proxy))).toBe(true);
    const part = await call('GET', `/api/videos/${itemId}/proxy.mp4`, undefined, { range: 'bytes=10-19' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${proxy.length}`);
    expect(part.rawPayload.equals(Buffer.from(proxy.subarray(10, 20)))).toBe(true);
  });

  it('saves tracks by version, refuses a stale save, keeps frame flags and exports COCO with timestamps', async () => {
    const body = { labelValue: 1, name: 'Polyp 1', parentVersion: 0, frames: [{ frame: 2, status: { state: 'keyframe' }, runs: disc(20, 20, 5) }, { frame: 3, status: { state: 'interpolated' }, runs: disc(22, 20, 6) }] };
    const created = await call('POST', `/api/videos/${itemId}/tracks`, body);
    expect(created.statusCode, created.body).toBe(201);
    const track = created.json();
    expect(track.version).toBe(1);
    expect((await call('PUT', `/api/videos/${itemId}/tracks/${track.id}`, { ...body, parentVersion: 1 })).json().version).toBe(2);
    const stale = await call('PUT', `/api/videos/${itemId}/tracks/${track.id}`, { ...body, parentVersion: 1 });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().code).toBe('DLN_REVISION_STALE');
    const outOfRange = await call('POST', `/api/videos/${itemId}/tracks`, { ...body, frames: [{ frame: 10, status: { state: 'keyframe' }, runs: disc(20, 20, 5) }] });
    expect(outOfRange.json().code).toBe('DLN_VIDEO_FRAME_OUT_OF_RANGE');
    expect((await call('PUT', `/api/videos/${itemId}/flags`, { frame: 4, flags: ['out_of_body'] })).json()).toEqual([{ frame: 4, flags: ['out_of_body'] }]);
    const listed = await call('GET', `/api/videos/${itemId}/tracks`);
    expect(listed.json()).toHaveLength(1);
    const exported = (await call('GET', `/api/videos/${itemId}/export/coco.json`)).json();
    expect(exported.coco.annotations.map((a: { image_id: number; timestamp: number }) => [a.image_id, a.timestamp])).toEqual([[3, 0.2], [4, 0.3]]);
    expect(exported.tracks.tracks[0].frames[0]).toMatchObject({ frame: 2, state: 'keyframe', timestamp: 0.2 });
  });

  it('interpolates between two keyframes: the middle frame lies between them; refuses without a later keyframe', async () => {
    const centroidX = (runs: number[]) => {
      let sx = 0;
      let n = 0;
      let at = 0;
      runs.forEach((len, i) => {
        if (i % 2 === 1)
          for (let p = at; p < at + len; p++) {
            sx += p % W;
            n++;
          }
        at += len;
      });
      return sx / n;
    };
    const body = { labelValue: 1, name: 'Polyp 2', parentVersion: 0, frames: [{ frame: 1, status: { state: 'keyframe' }, runs: disc(12, 24, 5) }, { frame: 5, status: { state: 'keyframe' }, runs: disc(44, 24, 7) }] };
    const track = (await call('POST', `/api/videos/${itemId}/tracks`, body)).json();
    const filled = await call('POST', `/api/videos/${itemId}/tracks/${track.id}/interpolate`, { fromFrame: 1, parentVersion: 1 });
    expect(filled.statusCode, filled.body).toBe(200);
    const frames = filled.json().frames as { frame: number; status: { state: string }; runs: number[] }[];
    expect(frames.map((f) => [f.frame, f.status.state])).toEqual([[1, 'keyframe'], [2, 'interpolated'], [3, 'interpolated'], [4, 'interpolated'], [5, 'keyframe']]);
    const middle = centroidX(frames[2]!.runs);
    expect(middle).toBeGreaterThan(12 + 8);
    expect(middle).toBeLessThan(44 - 8);
    const refused = await call('POST', `/api/videos/${itemId}/tracks/${track.id}/interpolate`, { fromFrame: 5, parentVersion: 2 });
    expect(refused.json().code).toBe('DLN_VIDEO_TRACK_INVALID');
    const stale = await call('POST', `/api/videos/${itemId}/tracks/${track.id}/interpolate`, { fromFrame: 1, parentVersion: 1 });
    expect(stale.json().code).toBe('DLN_REVISION_STALE');
  });
});
