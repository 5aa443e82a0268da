import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQuarantinedVideo, testing } from '@delineate/store';
import { tinyCtPhantom } from '@delineate/testkit';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';

/**
 * The held-video side of the steward's routes (issue 21), on a record made directly in the store
 * (the worker's video tests make real ones with ffmpeg): its frame times, its playable copy with
 * byte ranges, and the checks on its rectangles (inside the clip, frame ranges only for videos).
 */
describe.each(testing.testDatabaseKinds().run)('a held video for its steward on %s', (kind) => {
  let h: Harness;
  let steward: Record<string, string>;
  let annotator: Record<string, string>;
  // Stands for the held proxy: the routes pass its bytes through, they never decode them.
  const proxy = new Uint8Array(Array.from({ length: 1000 }, (_, i) => i % 251));

  async function held(outputBytes: Uint8Array, video: boolean): Promise<string> {
    const { hash } = await h.server.context.blobs.put(outputBytes);
    const row = await h.database.db
      .insertInto('deid_records')
      .values({
        project_id: h.seeded.projectId,
        source_hash: crypto.randomUUID().replaceAll('-', '').padEnd(64, '0'),
        output_hash: hash,
        profile: 'basic',
        options: '[]',
        actions: '[]',
        pixel_regions: '[]',
        findings: JSON.stringify([{ stage: 'pixel', kind: 'burned-in-text', frame: 25, region: { x: 6, y: 6, width: 80, height: 12, source: 'ocr' } }]),
        status: 'quarantined',
        created_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (video) await recordQuarantinedVideo(h.database.db, row.id, { format: 'dicom-h264', width: 320, height: 240, frameTimes: Array.from({ length: 50 }, (_, i) => i * 0.04), framesPerSecond: 25 });
    return row.id;
  }
  const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown) =>
    h.server.app.inject({ method, url, headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' }, ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    h = await startHarness(kind);
    const runtime = h.server.app.accessRuntime;
    steward = (await openTestSession(runtime, h.seeded.userId, { grant: { projectId: h.seeded.projectId, roles: ['data_steward'] } })).headers;
    const other = await runtime.repo.createUser({ username: `annotator-${crypto.randomUUID()}`, displayName: 'A', now: new Date() });
    annotator = (await openTestSession(runtime, other.id, { grant: { projectId: h.seeded.projectId, roles: ['annotator'] } })).headers;
  });
  afterAll(async () => h?.close());

  it('shows a held video by its decoded frames and plays its copy in byte ranges to stewards only, never cached', async () => {
    const id = await held(proxy, true);
    const record = await inject('GET', `/api/deid-records/${id}`, steward);
    expect(record.statusCode).toBe(200);
    expect(record.json()).toMatchObject({ image: { columns: 320, rows: 240, frames: 50 }, video: { width: 320, height: 240, frames: 50, framesPerSecond: 25, source: 'dicom' } });
    expect(record.json().video.frameTimes[25]).toBeCloseTo(1, 9);
    const whole = await inject('GET', `/api/deid-records/${id}/video.mp4`, steward);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['cache-control']).toBe('no-store');
    expect([...whole.rawPayload]).toEqual([...proxy]);
    const part = await h.server.app.inject({ method: 'GET', url: `/api/deid-records/${id}/video.mp4`, headers: { ...steward, range: 'bytes=100-199' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 100-199/1000');
    expect([...part.rawPayload]).toEqual([...proxy.subarray(100, 200)]);
    expect((await inject('GET', `/api/deid-records/${id}/video.mp4`, annotator)).statusCode).toBe(403);
    // A video is not read as DICOM frames.
    expect((await inject('GET', `/api/deid-records/${id}/frames/0`, steward)).json().code).toBe('DLN_REQUEST_INVALID');
  });

  it('checks a video’s rectangles against its size and decoded frames, and takes frame ranges only from videos', async () => {
    const id = await held(proxy, true);
    const trial = (recordId: string, regions: unknown[]) => inject('POST', `/api/deid-records/${recordId}/gate-checks`, steward, { regions });
    expect((await trial(id, [{ x: 0, y: 0, width: 321, height: 30 }])).json().code).toBe('DLN_DEID_REGION_OUTSIDE');
    expect((await trial(id, [{ x: 0, y: 0, width: 320, height: 30, frame: 40, lastFrame: 50 }])).json().code).toBe('DLN_DEID_REGION_OUTSIDE');
    expect((await trial(id, [{ x: 0, y: 0, width: 320, height: 30, frame: 40, lastFrame: 30 }])).json().code).toBe('DLN_DEID_REGION_OUTSIDE');
    expect((await trial(id, [{ x: 0, y: 0, width: 320, height: 30, frame: 0, lastFrame: 49 }])).statusCode).toBe(202);
    const image = await held(tinyCtPhantom({ slices: 1, rows: 32, columns: 48 }).slices[0]!.bytes, false);
    const ranged = await trial(image, [{ x: 0, y: 0, width: 10, height: 10, frame: 0, lastFrame: 0 }]);
    expect(ranged.statusCode).toBe(422);
    expect(ranged.json().code).toBe('DLN_DEID_REGION_OUTSIDE');
    expect((await inject('GET', `/api/deid-records/${image}/video.mp4`, steward)).json().code).toBe('DLN_DEID_NOT_QUARANTINED');
  });
});
