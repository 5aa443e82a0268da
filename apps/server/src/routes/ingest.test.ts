import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRepository } from '@delineate/store';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';
import { decodeFileBatch, encodeFileBatch } from './ingest';

describe('the ingest batch wire format', () => {
  it('round-trips files, empty ones included', () => {
    const files = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.of(9)];
    expect(decodeFileBatch(encodeFileBatch(files)).map((f) => Array.from(f))).toEqual([[1, 2, 3], [], [9]]);
  });

  it('refuses a batch that ends inside a length or a file, or holds nothing', () => {
    const whole = encodeFileBatch([Uint8Array.of(1, 2, 3)]);
    expect(() => decodeFileBatch(whole.subarray(0, 2))).toThrow(/inside a length/);
    expect(() => decodeFileBatch(whole.subarray(0, 6))).toThrow(/inside a file/);
    expect(() => decodeFileBatch(new Uint8Array(0))).toThrow(/no file/);
  });
});

describe('POST /api/projects/:projectId/ingest', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('pglite');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('answers 503 with a code on a server started without the gate, and refuses annotators', async () => {
    const url = `/api/projects/${h.seeded.projectId}/ingest`;
    const payload = Buffer.from(encodeFileBatch([Uint8Array.of(1)]));
    const steward = await openTestSession(h.server.app.accessRuntime, h.seeded.userId, { grant: { projectId: h.seeded.projectId, roles: ['data_steward'] } });
    const res = await h.server.app.inject({ method: 'POST', url, headers: { ...steward.headers, 'content-type': 'application/octet-stream' }, payload });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'DLN_INGEST_UNAVAILABLE' });
    const other = await new AccessRepository(h.database.db).createUser({ username: `annotator-${crypto.randomUUID()}`, displayName: 'Annotator', now: new Date() });
    const annotator = await openTestSession(h.server.app.accessRuntime, other.id, { grant: { projectId: h.seeded.projectId, roles: ['annotator'] } });
    const refused = await h.server.app.inject({ method: 'POST', url, headers: { ...annotator.headers, 'content-type': 'application/octet-stream' }, payload });
    expect(refused.statusCode).toBe(403);
  });
});
