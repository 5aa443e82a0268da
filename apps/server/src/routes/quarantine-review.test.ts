import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, QuarantineReviewRepository, testing } from '@delineate/store';
import { tinyCtPhantom } from '@delineate/testkit';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';

const json = { 'content-type': 'application/json' };

describe.each(testing.testDatabaseKinds().run)('the steward review of held files on %s', (kind) => {
  let h: Harness;
  let steward: Record<string, string>;
  let annotator: Record<string, string>;
  const batchId = crypto.randomUUID();
  // A 48 × 32 one-frame image stands for the de-identified view of the held file.
  const view = tinyCtPhantom({ slices: 1, rows: 32, columns: 48 }).slices[0]!.bytes;

  async function held(findings: unknown[] = [{ stage: 'pixel', kind: 'burned-in-text', frame: 0, region: { x: 0, y: 0, width: 40, height: 6, frame: 0 }, detail: 'JOHN SMITH 1961' }]) {
    const { hash } = await h.server.context.blobs.put(view);
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
        findings: JSON.stringify(findings),
        status: 'quarantined',
        // One millisecond apart at least: the queue lists by time, then by id, so files held in
        // the same millisecond would come in the order of their random ids.
        created_at: new Date(Date.now() + ++heldTick),
        ingest_batch_id: batchId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }
  let heldTick = 0;
  const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown) =>
    h.server.app.inject({ method, url, headers: payload === undefined ? headers : { ...headers, ...json }, ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    h = await startHarness(kind);
    const runtime = h.server.app.accessRuntime;
    steward = (await openTestSession(runtime, h.seeded.userId, { grant: { projectId: h.seeded.projectId, roles: ['data_steward'] } })).headers;
    const other = await runtime.repo.createUser({ username: `annotator-${crypto.randomUUID()}`, displayName: 'A', now: new Date() });
    annotator = (await openTestSession(runtime, other.id, { grant: { projectId: h.seeded.projectId, roles: ['annotator'] } })).headers;
  });
  afterAll(async () => h?.close());

  it('lists held files of every project where the caller is a steward, with their batch, and none to others', async () => {
    const first = await held();
    const second = await held();
    const mine = await inject('GET', '/api/quarantine', steward);
    expect(mine.statusCode).toBe(200);
    const files = mine.json().files as Array<{ id: string; projectName: string; batch: { id: string; files: number }; state: string }>;
    expect(files.map((f) => f.id).slice(-2)).toEqual([first, second]);
    expect(files.at(-1)).toMatchObject({ projectName: expect.any(String), batch: { id: batchId, files: expect.any(Number) }, state: 'held' });
    expect(mine.body).not.toContain('SMITH');
    const theirs = await inject('GET', '/api/quarantine', annotator);
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json()).toEqual({ files: [], projects: 0 });
  });

  it('shows a held record (size, frames, reasons without values) and its frames as PNG to stewards only, auditing each view', async () => {
    const id = await held();
    const record = await inject('GET', `/api/deid-records/${id}`, steward);
    expect(record.statusCode).toBe(200);
    expect(record.json()).toMatchObject({ id, status: 'held', image: { rows: 32, columns: 48, frames: 1, modality: 'CT' }, latestCheck: null, decision: null, file: { id, state: 'held', batch: { id: batchId } } });
    expect(record.json().findings).toEqual([{ stage: 'pixel', kind: 'burned-in-text', where: '7fe00010 PixelData frame 0', frame: 0, region: { x: 0, y: 0, width: 40, height: 6, frame: 0 } }]);
    expect(record.body).not.toContain('SMITH');
    const frame = await inject('GET', `/api/deid-records/${id}/frames/0`, steward);
    expect(frame.statusCode).toBe(200);
    expect(frame.headers['content-type']).toBe('image/png');
    expect(frame.headers['cache-control']).toBe('no-store');
    expect([...frame.rawPayload.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect((await inject('GET', `/api/deid-records/${id}/frames/1`, steward)).json().code).toBe('DLN_NOT_FOUND');
    expect((await inject('GET', `/api/deid-records/${id}/frames/0`, annotator)).statusCode).toBe(403);
    expect((await inject('GET', `/api/deid-records/${id}`, annotator)).statusCode).toBe(403);
    const views = await h.database.db
      .selectFrom('audit_events' as never)
      .select(['outcome' as never])
      .where('action' as never, '=', 'deid.quarantine.read' as never)
      .where('object_id' as never, '=', id as never)
      .execute();
    expect(views.length).toBeGreaterThanOrEqual(5);
  });

  it('refuses rectangles outside the image or its frames, and a second trial while one runs', async () => {
    const id = await held();
    const outside = await inject('POST', `/api/deid-records/${id}/gate-checks`, steward, { regions: [{ x: 10, y: 0, width: 39, height: 4 }] });
    expect(outside.statusCode).toBe(422);
    expect(outside.json().code).toBe('DLN_DEID_REGION_OUTSIDE');
    const noFrame = await inject('POST', `/api/deid-records/${id}/gate-checks`, steward, { regions: [{ x: 0, y: 0, width: 4, height: 4, frame: 1 }] });
    expect(noFrame.json().code).toBe('DLN_DEID_REGION_OUTSIDE');
    expect((await inject('POST', `/api/deid-records/${id}/gate-checks`, annotator, { regions: [{ x: 0, y: 0, width: 4, height: 4 }] })).statusCode).toBe(403);
    const queued = await inject('POST', `/api/deid-records/${id}/gate-checks`, steward, { regions: [{ x: 0, y: 0, width: 48, height: 6 }] });
    expect(queued.statusCode, queued.body).toBe(202);
    const job = await new JobQueue(h.database.db).get(queued.json().jobId);
    expect(job).toMatchObject({ kind: 'deid.gate_check', region: 'local', payload: { projectId: h.seeded.projectId, recordId: id, checkId: queued.json().checkId, regions: [{ x: 0, y: 0, width: 48, height: 6 }] } });
    const again = await inject('POST', `/api/deid-records/${id}/gate-checks`, steward, { regions: [{ x: 0, y: 0, width: 48, height: 8 }] });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('DLN_DEID_GATE_CHECK_RUNNING');
    expect((await inject('GET', `/api/deid-records/${id}`, steward)).json().latestCheck).toMatchObject({ state: 'queued', regions: [{ x: 0, y: 0, width: 48, height: 6 }] });
  });

  it('releases only once the gate passes, with the checked rectangles, then refuses any further change', async () => {
    const id = await held();
    const reviews = new QuarantineReviewRepository(h.database.db);
    const early = await inject('POST', `/api/deid-records/${id}/release`, steward, {});
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('DLN_DEID_GATE_NOT_PASSED');
    const failing = await reviews.createCheck({ recordId: id, regions: [{ x: 0, y: 0, width: 8, height: 2 }], requestedBy: h.seeded.userId, now: new Date() });
    await reviews.finishCheck(failing, 'fails', [{ stage: 'pixel', kind: 'burned-in-text', where: '7fe00010 PixelData frame 0' }], new Date());
    expect((await inject('POST', `/api/deid-records/${id}/release`, steward, {})).json().code).toBe('DLN_DEID_GATE_NOT_PASSED');
    const passing = await reviews.createCheck({ recordId: id, regions: [{ x: 0, y: 0, width: 48, height: 6 }], requestedBy: h.seeded.userId, now: new Date(Date.now() + 1000) });
    await reviews.finishCheck(passing, 'passes', [], new Date());
    expect((await inject('POST', `/api/deid-records/${id}/release`, annotator, {})).statusCode).toBe(403);
    const released = await inject('POST', `/api/deid-records/${id}/release`, steward, { note: 'Banner blanked' });
    expect(released.statusCode).toBe(202);
    const job = await new JobQueue(h.database.db).get(released.json().jobId);
    expect(job).toMatchObject({ kind: 'deid.redact', payload: { recordId: id, regions: [{ x: 0, y: 0, width: 48, height: 6 }] } });
    expect(await reviews.decision(id)).toMatchObject({ decision: 'released', note: 'Banner blanked', checkId: passing });
    expect((await inject('GET', `/api/deid-records/${id}`, steward)).json()).toMatchObject({ status: 'releasing', decision: { decision: 'released', itemId: null } });
    expect((await inject('GET', '/api/quarantine', steward)).json().files.find((f: { id: string }) => f.id === id)).toMatchObject({ state: 'releasing' });
    const twice = await inject('POST', `/api/deid-records/${id}/release`, steward, {});
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('DLN_DEID_NOT_QUARANTINED');
  });

  it('rejects with a required note; a rejected or passed record takes no trial, release or second decision', async () => {
    const id = await held();
    for (const body of [{}, { note: '   ' }]) {
      const refused = await inject('POST', `/api/deid-records/${id}/reject`, steward, body);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().code).toBe('DLN_REQUEST_INVALID');
    }
    expect((await inject('POST', `/api/deid-records/${id}/reject`, annotator, { note: 'no' })).statusCode).toBe(403);
    const rejected = await inject('POST', `/api/deid-records/${id}/reject`, steward, { note: 'Face photograph, cannot be de-identified' });
    expect(rejected.json()).toEqual({ id, status: 'rejected' });
    expect((await inject('GET', '/api/quarantine', steward)).json().files.map((f: { id: string }) => f.id)).not.toContain(id);
    expect((await inject('GET', `/api/deid-records/${id}`, steward)).json()).toMatchObject({ status: 'rejected', file: null, decision: { decision: 'rejected', note: 'Face photograph, cannot be de-identified' } });
    for (const [path, body] of [['gate-checks', { regions: [{ x: 0, y: 0, width: 4, height: 4 }] }], ['release', {}], ['reject', { note: 'again' }]] as const) {
      const res = await inject('POST', `/api/deid-records/${id}/${path}`, steward, body);
      expect(res.statusCode, path).toBe(409);
      expect(res.json().code).toBe('DLN_DEID_NOT_QUARANTINED');
    }
    const passed = await h.database.db
      .insertInto('deid_records')
      .values({ project_id: h.seeded.projectId, source_hash: 'e'.repeat(64), output_hash: 'f'.repeat(64), profile: 'basic', options: '[]', actions: '[]', pixel_regions: '[]', findings: '[]', status: 'passed', created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const notHeld = await inject('POST', `/api/deid-records/${passed.id}/gate-checks`, steward, { regions: [{ x: 0, y: 0, width: 4, height: 4 }] });
    expect(notHeld.statusCode).toBe(409);
    expect(notHeld.json().code).toBe('DLN_DEID_NOT_QUARANTINED');
  });
});
