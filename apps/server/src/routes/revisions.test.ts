import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle8 } from '@delineate/core';
import { testing } from '@delineate/store';
import { startHarness, type Harness } from '../test/harness';
import { asUser } from '../test/auth';

const kinds = testing.testDatabaseKinds();

function maskWith(h: Harness, fill: (i: number) => number): Buffer {
  const { rows, columns, slices } = h.seeded.grid;
  const v = new Uint8Array(rows * columns * slices);
  for (let i = 0; i < v.length; i++) v[i] = fill(i);
  return Buffer.from(encodeRle8(v));
}

describe.each(kinds.run)('revisions API on %s', (kind) => {
  let h: Harness;
  let annotationId: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness(kind);
    headers = await asUser(h, h.seeded.userId);
    const created = await h.server.app.inject({
      method: 'POST',
      url: `/api/items/${h.seeded.itemId}/annotations`,
      headers,
      payload: { labelSchema: h.seeded.labelSchema },
    });
    expect(created.statusCode).toBe(201);
    annotationId = created.json().id;
  });
  afterAll(async () => h?.close());

  const save = (body: Buffer, ifMatch: string | undefined, extra: Record<string, string> = {}) =>
    h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/revisions`,
      headers: { ...headers, 'content-type': 'application/octet-stream', ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }), ...extra },
      payload: body,
    });

  it('saves a first revision and serves the same mask bytes back', async () => {
    const mask = maskWith(h, (i) => (i % 50 < 10 ? 1 : 0));
    const res = await save(mask, '"0"');
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    const body = res.json();
    expect(body.revision).toMatchObject({ version: 1, parentVersion: null, source: 'human', maskEncoding: 'rle' });
    // A tiled revision's identity is its tile index hash, recomputed here from the stored tiles.
    expect(body.revision.maskHash).toBe(await h.server.context.annotations.recomputeMaskHash(annotationId, 1));
    const got = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/mask`, headers });
    expect(got.statusCode).toBe(200);
    expect(got.headers['x-mask-encoding']).toBe('rle');
    expect(Buffer.compare(got.rawPayload, mask)).toBe(0);
  });

  it('refuses a stale If-Match with 412 and the current version', async () => {
    const res = await save(maskWith(h, () => 2), '"0"');
    expect(res.statusCode).toBe(412);
    expect(res.json()).toMatchObject({ code: 'DLN_REVISION_STALE', currentVersion: 1 });
  });

  it('requires If-Match (428) and a well-formed one (400)', async () => {
    const missing = await save(maskWith(h, () => 2), undefined);
    expect(missing.statusCode).toBe(428);
    expect(missing.json().code).toBe('DLN_REVISION_PRECONDITION_REQUIRED');
    const bad = await save(maskWith(h, () => 2), 'abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('DLN_REQUEST_INVALID');
  });

  it('answers a retried save with the same revision, never a second one', async () => {
    const mask = maskWith(h, (i) => (i % 7 === 0 ? 2 : 0));
    const first = await save(mask, '1', { 'idempotency-key': 'retry-1' });
    expect(first.statusCode).toBe(201);
    const again = await save(mask, '1', { 'idempotency-key': 'retry-1' });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().revision).toEqual(first.json().revision);
    const history = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions`, headers });
    expect(history.json().map((r: { version: number }) => r.version)).toEqual([1, 2]);
    const misuse = await save(maskWith(h, () => 1), '2', { 'idempotency-key': 'retry-1' });
    expect(misuse.statusCode).toBe(422);
    expect(misuse.json().code).toBe('DLN_IDEMPOTENCY_MISMATCH');
  });

  it('refuses a mask that is not a volume of the item grid, writing nothing', async () => {
    const before = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}`, headers });
    const short = Buffer.from(encodeRle8(new Uint8Array(10)));
    const res = await save(short, '2');
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('DLN_REVISION_MASK_INVALID');
    const garbage = await save(Buffer.from([1, 0x80]), '2');
    expect(garbage.statusCode).toBe(422);
    const after = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}`, headers });
    expect(after.json().headVersion).toBe(before.json().headVersion);
  });

  it('reverts by appending a new revision with the earlier mask', async () => {
    const v1 = (await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1`, headers })).json();
    const res = await h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/revert`,
      headers: { ...headers, 'if-match': '"2"', 'idempotency-key': 'revert-1' },
      payload: { toVersion: 1 },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().revision).toMatchObject({ version: 3, parentVersion: 2, source: 'revert', maskHash: v1.maskHash });
  });

  it('lets exactly one of several concurrent writers of the same version win', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, k) => save(maskWith(h, (i) => (i % (k + 3) === 0 ? 1 : 0)), '3')));
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(7);
    const history = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions`, headers });
    expect(history.json().map((r: { version: number }) => r.version)).toEqual([1, 2, 3, 4]);
  });

  it('returns 404 with a stable code for an unknown annotation', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${crypto.randomUUID()}`, headers });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('DLN_NOT_FOUND');
  });
});
