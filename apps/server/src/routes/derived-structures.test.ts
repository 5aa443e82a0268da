import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle8, encodeRle8 } from '@delineate/core';
import { startHarness, type Harness } from '../test/harness';
import { asUser } from '../test/auth';

describe('derived structures API', () => {
  let h: Harness;
  let annotationId: string;
  let headers: Record<string, string>;
  // The harness item: 16 × 16 × 4 at 0.8 × 0.8 × 2 mm; the demo schema (1 liver, 2 liver lesion).
  const voxels = 16 * 16 * 4;

  beforeAll(async () => {
    h = await startHarness('pglite');
    headers = await asUser(h, h.seeded.userId);
    const created = await h.server.app.inject({ method: 'POST', url: `/api/items/${h.seeded.itemId}/annotations`, headers, payload: { labelSchema: h.seeded.labelSchema } });
    annotationId = created.json().id;
  }, 120_000);
  afterAll(async () => h?.close());

  it('derives a structure by a margin as a revision, lists its recipe, and refreshes it after its source changes', async () => {
    const mask = new Uint8Array(voxels);
    mask[16 * 16 + 8 * 16 + 8] = 2; // one lesion voxel on slice 1
    const saved = await h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/revisions`,
      headers: { ...headers, 'content-type': 'application/octet-stream', 'if-match': '"0"' },
      payload: Buffer.from(encodeRle8(mask)),
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const recipe = { kind: 'margin', sources: ['liver_lesion'], margin: { minusX: 1.6, plusX: 1.6, minusY: 0, plusY: 0, minusZ: 0, plusZ: 0 }, clips: [] };
    const derive = (ifMatch: string, body: unknown) =>
      h.server.app.inject({ method: 'POST', url: `/api/annotations/${annotationId}/derived-structures`, headers: { ...headers, 'content-type': 'application/json', 'if-match': ifMatch }, payload: body as object });
    const derived = await derive('1', { target: 'liver', recipe });
    expect(derived.statusCode, derived.body).toBe(201);
    expect(derived.json().revision).toMatchObject({ version: 2, source: 'human' });
    expect(derived.json().structure).toMatchObject({ target: 'liver', computedVersion: 2, editedVersion: null });

    const read = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/2/mask`, headers });
    expect(read.statusCode, read.body).toBe(200);
    const decoded = decodeRle8(new Uint8Array(read.rawPayload), voxels);
    if (!decoded.ok) throw new Error(decoded.reason);
    // Two voxels of 0.8 mm each side along x (1.6 mm), nothing along y.
    const row = Array.from(decoded.voxels.subarray(16 * 16 + 8 * 16, 16 * 16 + 9 * 16));
    expect(row).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 2, 1, 1, 0, 0, 0, 0, 0]);

    const listed = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/derived-structures`, headers });
    expect(listed.json().structures.map((s: { target: string; recipe: { kind: string } }) => [s.target, s.recipe.kind])).toEqual([['liver', 'margin']]);

    const fresh = await h.server.app.inject({ method: 'POST', url: `/api/annotations/${annotationId}/derived-structures/refresh`, headers: { ...headers, 'if-match': '2' } });
    expect(fresh.json()).toEqual({ revision: null, structures: [{ target: 'liver', state: 'current' }] });

    const bad = await derive('2', { target: 'liver', recipe: { ...recipe, sources: ['liver'] } });
    expect([bad.statusCode, bad.json().code]).toEqual([422, 'DLN_RT_RECIPE_INVALID']);
    const stale = await derive('1', { target: 'liver', recipe });
    expect(stale.statusCode).toBe(412);
  });

  it('recomputes derived structures in the save request, and leaves a detached one alone', async () => {
    const head = (await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}`, headers })).json().headVersion as number;
    const save = (version: number, mask: Uint8Array) =>
      h.server.app.inject({
        method: 'POST',
        url: `/api/annotations/${annotationId}/revisions`,
        headers: { ...headers, 'content-type': 'application/octet-stream', 'if-match': `"${version}"` },
        payload: Buffer.from(encodeRle8(mask)),
      });
    // The lesion moves two voxels to the left over its liver ring: the ring follows in the next revision.
    const stored = decodeRle8(new Uint8Array((await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/${head}/mask`, headers })).rawPayload), voxels);
    if (!stored.ok) throw new Error(stored.reason);
    const mask = stored.voxels.slice();
    mask[16 * 16 + 8 * 16 + 8] = 0;
    mask[16 * 16 + 8 * 16 + 6] = 2;
    const saved = await save(head, mask);
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json().revision.version).toBe(head + 1);
    expect(saved.json().derived).toMatchObject({ revision: { version: head + 2, source: 'human' }, structures: [{ target: 'liver', state: 'recomputed' }] });
    expect(saved.headers.etag).toBe(`"${head + 2}"`);
    const read = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/${head + 2}/mask`, headers });
    const decoded = decodeRle8(new Uint8Array(read.rawPayload), voxels);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(Array.from(decoded.voxels.subarray(16 * 16 + 8 * 16, 16 * 16 + 9 * 16))).toEqual([0, 0, 0, 0, 1, 1, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0]);

    const detached = await h.server.app.inject({ method: 'POST', url: `/api/annotations/${annotationId}/derived-structures/liver/detach`, headers });
    expect(detached.statusCode, detached.body).toBe(200);
    expect(detached.json().structure).toMatchObject({ target: 'liver', detachedVersion: head + 2, recipeVersion: 1 });
    mask.set(decoded.voxels);
    mask[16 * 16 + 8 * 16 + 12] = 2;
    const after = await save(head + 2, mask);
    expect(after.statusCode, after.body).toBe(201);
    expect(after.json().derived).toBeUndefined();
    const unknown = await h.server.app.inject({ method: 'POST', url: `/api/annotations/${annotationId}/derived-structures/ptv/detach`, headers });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'DLN_RT_DERIVED_NOT_FOUND']);
  });
});
