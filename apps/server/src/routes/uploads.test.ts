import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRepository, BlobKey } from '@delineate/store';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Bytes that read as a DICOM file's preamble and prefix; the gate is not run by these tests. */
function fileBytes(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  bytes.set(new TextEncoder().encode('DICM'), 128);
  return bytes;
}

describe('browser upload routes', () => {
  let h: Harness;
  let steward: Record<string, string>;
  let annotator: Record<string, string>;
  const project = () => h.seeded.projectId;

  beforeAll(async () => {
    h = await startHarness('pglite', {}, { uploadKey: BlobKey.generate() });
    steward = (await openTestSession(h.server.app.accessRuntime, h.seeded.userId, { grant: { projectId: project(), roles: ['data_steward'] } })).headers;
    const other = await new AccessRepository(h.database.db).createUser({ username: `annotator-${crypto.randomUUID()}`, displayName: 'Annotator', now: new Date() });
    annotator = (await openTestSession(h.server.app.accessRuntime, other.id, { grant: { projectId: project(), roles: ['annotator'] } })).headers;
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const call = async (headers: Record<string, string>, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
    const binary = body instanceof Uint8Array;
    const res = await h.server.app.inject({
      method,
      url,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': binary ? 'application/octet-stream' : 'application/json' } : {}) },
      ...(body !== undefined ? { payload: binary ? Buffer.from(body) : JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: res.body ? res.json() : {}, headers: res.headers };
  };
  const newBatch = async () => (await call(steward, 'POST', `/api/projects/${project()}/uploads`)).body.id as string;
  const newFile = async (batch: string, bytes: Uint8Array, extra: { name?: string; sha256?: string } = {}) => {
    const res = await call(steward, 'POST', `/api/upload-batches/${batch}/files`, { name: extra.name ?? 'SMITH_JOHN/IM0001.dcm', size: bytes.length, ...(extra.sha256 ? { sha256: extra.sha256 } : {}) });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const staged = async (fileId: string) => {
    const rows = await h.database.db.selectFrom('upload_chunks' as never).select(['sealed' as never]).where('file_id' as never, '=', fileId as never).execute();
    return rows as unknown as Array<{ sealed: Uint8Array }>;
  };

  const auditOf = async (objectId: string) => (await sql<{ action: string; outcome: string }>`select action, outcome from audit_events where object_id = ${objectId}`.execute(h.database.db)).rows;
  const countsOf = async (objectId: string) =>
    (await sql<{ action: string; outcome: string; count: number }>`select action, outcome, count from audit_events where object_id = ${objectId} order by sequence`.execute(h.database.db)).rows;

  it('takes a file in chunks, tells where to resume, and queues one gate job when the batch closes', async () => {
    const bytes = fileBytes(5000, 1);
    const batch = await newBatch();
    const file = await newFile(batch, bytes, { sha256: sha256(bytes) });
    expect((await call(steward, 'PATCH', `/api/upload-files/${file}?offset=0`, bytes.subarray(0, 2000))).body).toEqual({ received: 2000 });
    // After an interruption the client asks where to resume; HEAD gives the same offset.
    expect((await call(steward, 'GET', `/api/upload-files/${file}`)).body).toMatchObject({ received: 2000, size: 5000, state: 'uploading' });
    const head = await h.server.app.inject({ method: 'HEAD', url: `/api/upload-files/${file}`, headers: steward });
    expect(head.headers['upload-offset']).toBe('2000');
    expect((await call(steward, 'PATCH', `/api/upload-files/${file}?offset=2000`, bytes.subarray(2000))).body).toEqual({ received: 5000 });
    expect((await call(steward, 'POST', `/api/upload-files/${file}/complete`)).body).toMatchObject({ state: 'waiting', stateWords: 'waiting for the gate', name: 'SMITH_JOHN/IM0001.dcm' });

    // Sealed at rest: neither the bytes nor the name are in the database in the clear.
    const chunks = await staged(file);
    expect(chunks).toHaveLength(2);
    for (const chunk of chunks) expect(Buffer.from(chunk.sealed).includes(Buffer.from('DICM'))).toBe(false);
    const names = await h.database.db.selectFrom('upload_files' as never).select(['sealed_name' as never]).where('id' as never, '=', file as never).execute();
    expect(Buffer.from((names[0] as unknown as { sealed_name: Uint8Array }).sealed_name).includes(Buffer.from('SMITH'))).toBe(false);

    const closed = await call(steward, 'POST', `/api/upload-batches/${batch}/close`);
    expect(closed.status).toBe(202);
    expect(closed.body.counts).toMatchObject({ files: 1, waiting: 1 });
    const jobs = await h.database.db.selectFrom('jobs').select(['kind', 'payload']).where('kind', '=', 'ingest.upload').execute();
    expect(jobs.filter((j) => (j.payload as { batchId: string }).batchId === batch)).toHaveLength(1);
    expect((await call(steward, 'POST', `/api/upload-batches/${batch}/files`, { name: 'late.dcm', size: 10 })).body.code).toBe('DLN_UPLOAD_CLOSED');
    // Audited per file, not per chunk: completing it is one event, its two chunks one counted event.
    await h.server.app.accessRuntime.tiles.flush();
    const audited = await countsOf(file);
    expect(audited.filter((a) => a.action === 'upload.write')).toEqual([{ action: 'upload.write', outcome: 'success', count: 1 }]);
    expect(audited.filter((a) => a.action === 'upload.append')).toEqual([{ action: 'upload.append', outcome: 'success', count: 2 }]);
    expect(audited.map((a) => a.action)).toContain('upload.read');
  });

  it('ends a file with its last chunk when asked, audited as a completion, and refuses a wrong SHA-256 there too', async () => {
    const bytes = fileBytes(3000, 9);
    const file = await newFile(await newBatch(), bytes, { sha256: sha256(bytes) });
    const answer = await call(steward, 'PATCH', `/api/upload-files/${file}?offset=0&complete=true`, bytes);
    expect(answer.body).toMatchObject({ received: 3000, file: { id: file, state: 'waiting', stateWords: 'waiting for the gate' } });
    // Completing again is harmless: the complete route answers the state it has.
    expect((await call(steward, 'POST', `/api/upload-files/${file}/complete`)).body.state).toBe('waiting');
    await h.server.app.accessRuntime.tiles.flush();
    const audited = await countsOf(file);
    expect(audited.filter((a) => a.action === 'upload.write').map((a) => a.outcome)).toEqual(['success', 'success']);
    expect(audited.filter((a) => a.action === 'upload.append')).toEqual([{ action: 'upload.append', outcome: 'success', count: 1 }]);

    const other = fileBytes(1000, 10);
    const wrong = await newFile(await newBatch(), other, { sha256: sha256(bytes) });
    expect(await call(steward, 'PATCH', `/api/upload-files/${wrong}?offset=0&complete=true`, other)).toMatchObject({ status: 422, body: { code: 'DLN_UPLOAD_HASH_MISMATCH' } });
    expect(await staged(wrong)).toHaveLength(0);
    expect((await call(steward, 'GET', `/api/upload-files/${wrong}`)).body.state).toBe('rejected');
    expect((await countsOf(wrong)).filter((a) => a.action === 'upload.write').map((a) => a.outcome)).toEqual(['error']);
  });

  it('refuses a chunk at the wrong offset, keeping nothing of it', async () => {
    const bytes = fileBytes(3000, 2);
    const file = await newFile(await newBatch(), bytes);
    const res = await call(steward, 'PATCH', `/api/upload-files/${file}?offset=1000`, bytes.subarray(1000, 2000));
    expect(res).toMatchObject({ status: 409, body: { code: 'DLN_UPLOAD_OFFSET', received: 0 } });
    expect(await staged(file)).toHaveLength(0);
    // A chunk sent twice (a retry after a lost answer) is refused the same way.
    await call(steward, 'PATCH', `/api/upload-files/${file}?offset=0`, bytes.subarray(0, 1000));
    expect((await call(steward, 'PATCH', `/api/upload-files/${file}?offset=0`, bytes.subarray(0, 1000))).body).toMatchObject({ code: 'DLN_UPLOAD_OFFSET', received: 1000 });
    expect(await staged(file)).toHaveLength(1);
  });

  it('refuses a chunk that ends past the declared size', async () => {
    const bytes = fileBytes(1000, 3);
    const file = await newFile(await newBatch(), bytes);
    const res = await call(steward, 'PATCH', `/api/upload-files/${file}?offset=0`, fileBytes(1001, 3));
    expect(res).toMatchObject({ status: 422, body: { code: 'DLN_UPLOAD_PAST_END' } });
    expect(await staged(file)).toHaveLength(0);
    expect((await call(steward, 'GET', `/api/upload-files/${file}`)).body.received).toBe(0);
  });

  it('refuses to complete a file before all its bytes are there, then completes it once they are', async () => {
    const bytes = fileBytes(2000, 4);
    const batch = await newBatch();
    const file = await newFile(batch, bytes);
    await call(steward, 'PATCH', `/api/upload-files/${file}?offset=0`, bytes.subarray(0, 1500));
    expect(await call(steward, 'POST', `/api/upload-files/${file}/complete`)).toMatchObject({ status: 409, body: { code: 'DLN_UPLOAD_INCOMPLETE', received: 1500 } });
    expect(await call(steward, 'POST', `/api/upload-batches/${batch}/close`)).toMatchObject({ status: 409, body: { code: 'DLN_UPLOAD_INCOMPLETE' } });
    await call(steward, 'PATCH', `/api/upload-files/${file}?offset=1500`, bytes.subarray(1500));
    expect((await call(steward, 'POST', `/api/upload-files/${file}/complete`)).body.state).toBe('waiting');
    expect((await call(steward, 'PATCH', `/api/upload-files/${file}?offset=2000`, bytes.subarray(0, 1))).body.code).toBe('DLN_UPLOAD_CLOSED');
  });

  it('refuses a file whose bytes do not match its SHA-256 and deletes what it received', async () => {
    const bytes = fileBytes(2000, 5);
    const file = await newFile(await newBatch(), bytes, { sha256: sha256(fileBytes(2000, 6)) });
    await call(steward, 'PATCH', `/api/upload-files/${file}?offset=0`, bytes);
    expect(await call(steward, 'POST', `/api/upload-files/${file}/complete`)).toMatchObject({ status: 422, body: { code: 'DLN_UPLOAD_HASH_MISMATCH' } });
    expect(await staged(file)).toHaveLength(0);
    expect((await call(steward, 'GET', `/api/upload-files/${file}`)).body.state).toBe('rejected');
  });

  it('stores a file uploaded twice once and reports the second as a duplicate', async () => {
    const bytes = fileBytes(1200, 7);
    for (const expected of ['waiting', 'duplicate']) {
      const batch = await newBatch();
      const file = await newFile(batch, bytes);
      await call(steward, 'PATCH', `/api/upload-files/${file}?offset=0`, bytes);
      const done = await call(steward, 'POST', `/api/upload-files/${file}/complete`);
      expect(done.body.state).toBe(expected);
      if (expected === 'duplicate') {
        expect(done.body).toMatchObject({ code: 'DLN_INGEST_DUPLICATE', reason: expect.stringMatching(/already in this project/) });
        expect(await staged(file)).toHaveLength(0);
        // A batch of duplicates only needs no gate job; its status counts the duplicate.
        const closed = await call(steward, 'POST', `/api/upload-batches/${batch}/close`);
        expect(closed.body).toMatchObject({ finished: true, counts: { duplicates: 1 } });
      }
    }
  });

  it('refuses video other than MP4 and MOV in plain words, by name and by content, and stages a slide and a NIfTI file for the gate', async () => {
    const batch = await newBatch();
    expect((await call(steward, 'POST', `/api/upload-batches/${batch}/files`, { name: 'scope.avi', size: 100 })).body).toMatchObject({ code: 'DLN_UPLOAD_KIND_UNSUPPORTED', message: 'Only MP4 and MOV videos are accepted' });
    // A slide, by name and by its TIFF header, is staged like any file: the gate job sends it through the slide gate.
    const tiff = new Uint8Array(512);
    tiff.set([0x49, 0x49, 0x2a, 0x00]);
    const slide = await newFile(batch, tiff, { name: 'case/small.svs' });
    expect((await call(steward, 'PATCH', `/api/upload-files/${slide}?offset=0`, tiff)).status).toBeLessThan(300);
    expect(await staged(slide)).toHaveLength(1);
    // A NIfTI label map is staged too: the gate job matches it to a series of the batch.
    const nifti = new Uint8Array(512);
    nifti.set(new TextEncoder().encode('n+1\0'), 344);
    const labels = await newFile(batch, nifti, { name: 'labels.nii' });
    expect((await call(steward, 'PATCH', `/api/upload-files/${labels}?offset=0`, nifti)).status).toBeLessThan(300);
    const video = new Uint8Array(512);
    video.set(new TextEncoder().encode('RIFF'), 0);
    video.set(new TextEncoder().encode('AVI '), 8);
    const renamed = await newFile(batch, video, { name: 'renamed.dcm' });
    expect((await call(steward, 'PATCH', `/api/upload-files/${renamed}?offset=0`, video)).body).toMatchObject({ code: 'DLN_UPLOAD_KIND_UNSUPPORTED', message: 'Only MP4 and MOV videos are accepted' });
    expect(await staged(renamed)).toHaveLength(0);
    expect((await call(steward, 'GET', `/api/upload-batches/${batch}`)).body.files).toContainEqual(expect.objectContaining({ id: renamed, state: 'rejected', code: 'DLN_UPLOAD_KIND_UNSUPPORTED' }));
  });

  it('lets only project admins and data stewards upload', async () => {
    expect((await call(annotator, 'POST', `/api/projects/${project()}/uploads`)).status).toBe(403);
    const bytes = fileBytes(500, 8);
    const batch = await newBatch();
    const file = await newFile(batch, bytes);
    expect((await call(annotator, 'POST', `/api/upload-batches/${batch}/files`, { name: 'x.dcm', size: 10 })).status).toBe(403);
    expect((await call(annotator, 'PATCH', `/api/upload-files/${file}?offset=0`, bytes)).status).toBe(403);
    expect((await call(annotator, 'GET', `/api/upload-batches/${batch}`)).status).toBe(403);
    expect(await staged(file)).toHaveLength(0);
    await h.server.app.accessRuntime.tiles.flush();
    const refused = await auditOf(file);
    expect(refused).toContainEqual({ action: 'upload.append', outcome: 'denied' });
  });
});
