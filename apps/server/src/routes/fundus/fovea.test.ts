import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundaryIndex, emptyBoundarySet, encodeBoundarySet, setHeight } from '@delineate/core';
import { OctRepository } from '@delineate/store';
import { asUser } from '../../test/auth';
import { startHarness, type Harness } from '../../test/harness';
import { seedFundusProject, type FundusBed } from './fundus-bed';

describe('the fovea route', () => {
  let h: Harness;
  let bed: FundusBed;
  beforeAll(async () => {
    h = await startHarness('pglite');
    bed = await seedFundusProject(h, { laterality: 'OS' });
  }, 120_000);
  afterAll(async () => h?.close());

  const call = (headers: Record<string, string>, method: 'GET' | 'PUT', itemId: string, body?: unknown, ifMatch?: string) =>
    h.server.app.inject({
      method,
      url: `/api/items/${itemId}/fovea`,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(ifMatch !== undefined ? { 'if-match': ifMatch } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  const auditOf = async (itemId: string) => (await sql<{ action: string; outcome: string }>`select action, outcome from audit_events where object_id = ${itemId} and action = 'item.fovea.set' order by sequence`.execute(h.database.db)).rows;

  it('sets a photograph’s fovea with If-Match, refuses a stale version and a point off the image, and audits each attempt', async () => {
    expect((await call(bed.headers, 'GET', bed.itemId)).json()).toEqual({ itemId: bed.itemId, kind: 'photo', fovea: null, version: 0 });
    expect((await call(bed.headers, 'PUT', bed.itemId, { fovea: { x: 40, y: 80 } })).json().code).toBe('DLN_REVISION_PRECONDITION_REQUIRED');
    const set = await call(bed.headers, 'PUT', bed.itemId, { fovea: { x: 40.5, y: 80 } }, '"0"');
    expect(set.statusCode, set.body).toBe(200);
    expect(set.headers.etag).toBe('"1"');
    expect(set.json()).toEqual({ itemId: bed.itemId, kind: 'photo', fovea: { x: 40.5, y: 80 }, version: 1 });
    const stale = await call(bed.headers, 'PUT', bed.itemId, { fovea: { x: 10, y: 10 } }, '"0"');
    expect([stale.statusCode, stale.json().code, stale.json().currentVersion]).toEqual([412, 'DLN_FOVEA_STALE', 1]);
    const outside = await call(bed.headers, 'PUT', bed.itemId, { fovea: { x: 500, y: 10 } }, '"1"');
    expect([outside.statusCode, outside.json().code]).toEqual([422, 'DLN_FOVEA_OUTSIDE_IMAGE']);
    expect((await call(bed.headers, 'GET', bed.itemId)).json()).toMatchObject({ fovea: { x: 40.5, y: 80 }, version: 1 });
    const cleared = await call(bed.headers, 'PUT', bed.itemId, { fovea: null }, '"1"');
    expect(cleared.json()).toMatchObject({ fovea: null, version: 2 });
    expect((await auditOf(bed.itemId)).map((e) => e.outcome)).toEqual(['error', 'success', 'error', 'error', 'success']);
  });

  it('centres the OCT’s ETDRS grid on the fovea set for its volume', async () => {
    const geometry = { bscans: 4, ascans: 16, rows: 16, ascanSpacingUm: 12, bscanSpacingUm: 120, axialUmPerPixel: 3.9, laterality: 'OD' as const };
    const item = await h.database.db.selectFrom('items').select('series_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
    await new OctRepository(h.database.db, h.server.context.blobs, () => new Date()).registerVolume(item.series_id!, geometry, 'dicom');
    const headers = await asUser(h, h.seeded.userId);
    expect((await call(headers, 'PUT', h.seeded.itemId, { fovea: { x: 1, y: 1 } }, '"0"')).json().code).toBe('DLN_REQUEST_INVALID');
    expect((await call(headers, 'PUT', h.seeded.itemId, { fovea: { bscan: 4, ascan: 0 } }, '"0"')).json().code).toBe('DLN_FOVEA_OUTSIDE_IMAGE');
    const set = await call(headers, 'PUT', h.seeded.itemId, { fovea: { bscan: 2, ascan: 11 } }, '"0"');
    expect(set.json()).toEqual({ itemId: h.seeded.itemId, kind: 'oct', fovea: { bscan: 2, ascan: 11 }, version: 1 });
    const annotationId = (await h.server.app.inject({ method: 'POST', url: `/api/items/${h.seeded.itemId}/annotations`, headers, payload: { labelSchema: h.seeded.labelSchema } })).json().id as string;
    const boundaries = emptyBoundarySet(geometry.bscans, geometry.ascans);
    for (let s = 0; s < geometry.bscans; s++) {
      for (let a = 0; a < geometry.ascans; a++) {
        setHeight(boundaries, boundaryIndex('ILM'), s, a, 2);
        setHeight(boundaries, boundaryIndex('BM'), s, a, 13);
      }
    }
    const saved = await h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/oct/boundaries`,
      headers: { ...headers, 'content-type': 'application/octet-stream', 'if-match': '"0"' },
      payload: Buffer.from(encodeBoundarySet(boundaries)),
    });
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json().measures).toMatchObject({ fovea: { bscan: 2, ascan: 11 }, foveaFrom: 'set' });
    // A CT-like item that is neither photo nor OCT has no fovea.
    const none = await call(bed.headers, 'GET', '00000000-0000-4000-8000-000000000000');
    expect(none.statusCode).not.toBe(200);
  });
});
