import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTileSet, encodeRle8, encodeTileSet, type Tile } from '@delineate/core';
import { testing } from '@delineate/store';
import { startHarness, type Harness } from '../test/harness';
import { asUser } from '../test/auth';

const kinds = testing.testDatabaseKinds();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.each(kinds.run)('tiled revisions API on %s', (kind) => {
  let h: Harness;
  let annotationId: string;
  let headers: Record<string, string>;
  const columns = 700;
  const rows = 520;
  const slices = 3;

  beforeAll(async () => {
    h = await startHarness(kind);
    // A grid of 2 × 2 tiles per slice, the right and bottom ones cut short (188 × 8).
    const item = await h.database.db.selectFrom('items').select('series_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
    await h.database.db.updateTable('series').set({ rows, columns, slices }).where('id', '=', item.series_id!).execute();
    headers = await asUser(h, h.seeded.userId);
    const created = await h.server.app.inject({ method: 'POST', url: `/api/items/${h.seeded.itemId}/annotations`, headers, payload: { labelSchema: h.seeded.labelSchema } });
    annotationId = created.json().id;
  });
  afterAll(async () => h?.close());

  /** A box of label 1 in every slice, across the tile boundary at x = 512. */
  const first = new Uint8Array(columns * rows * slices);
  for (let z = 0; z < slices; z++) for (let y = 10; y < 500; y++) first.fill(1, (z * rows + y) * columns + 480, (z * rows + y) * columns + 560);

  const putTiles = (body: Uint8Array, ifMatch: string, extra: Record<string, string> = {}) =>
    h.server.app.inject({
      method: 'PUT',
      url: `/api/annotations/${annotationId}/tiles`,
      headers: { ...headers, 'content-type': 'application/vnd.delineate.tiles', 'if-match': ifMatch, ...extra },
      payload: Buffer.from(body),
    });
  const head = async () => (await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}`, headers })).json().headVersion as number;

  it('saves the tiles an edit changed and serves the whole mask joined from tiles', async () => {
    const whole = await h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/revisions`,
      headers: { ...headers, 'content-type': 'application/octet-stream', 'if-match': '0' },
      payload: Buffer.from(encodeRle8(first)),
    });
    expect(whole.statusCode).toBe(201);

    // Erase slice 1's left tile (0..511 × 0..511) and paint label 2 in it: one tile, 512 × 512.
    const edited = first.slice();
    const tileVoxels = new Uint8Array(512 * 512);
    tileVoxels.fill(2, 100 * 512, 120 * 512);
    for (let y = 0; y < 512; y++) edited.set(tileVoxels.subarray(y * 512, (y + 1) * 512), (1 * rows + y) * columns);
    const tile: Tile = { position: { slice: 1, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(tileVoxels) };
    const saved = await putTiles(encodeTileSet([tile]), '"1"', { 'idempotency-key': 'tiles-1' });
    expect(saved.statusCode).toBe(201);
    expect(saved.json().revision).toMatchObject({ version: 2, parentVersion: 1, maskHash: await h.server.context.annotations.recomputeMaskHash(annotationId, 2) });
    const again = await putTiles(encodeTileSet([tile]), '"1"', { 'idempotency-key': 'tiles-1' });
    expect(again.statusCode).toBe(200);

    const mask = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/2/mask`, headers });
    expect(mask.statusCode).toBe(200);
    expect(Buffer.compare(mask.rawPayload, Buffer.from(encodeRle8(edited)))).toBe(0);
    expect(mask.headers.etag).toBe(`"sha256:${sha256(encodeRle8(edited))}"`);

    const read = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/2/tiles?tiles=1/0/0,1/1/1`, headers });
    expect(read.statusCode).toBe(200);
    expect(read.headers['content-type']).toContain('application/vnd.delineate.tiles');
    expect(read.headers['x-tile-grid']).toBe(`${columns},${rows},${slices},512`);
    // 1/1/1 (the bottom-right corner) is empty, so only the edited tile comes back.
    expect(decodeTileSet(new Uint8Array(read.rawPayload))).toEqual({ ok: true, tiles: [tile] });
    const all = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/tiles`, headers });
    const allTiles = decodeTileSet(new Uint8Array(all.rawPayload));
    expect(allTiles.ok && allTiles.tiles.map((t) => [t.position.slice, t.position.tileRow, t.position.tileColumn])).toEqual([
      [0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 0, 1], [2, 0, 0], [2, 0, 1],
    ]);
  });

  it('refuses tiles off the grid, of the wrong size, or with labels the schema lacks, writing nothing', async () => {
    const version = await head();
    const tileOf = (slice: number, tileRow: number, tileColumn: number, voxels: number, label = 1) => ({ position: { slice, tileRow, tileColumn }, runs: encodeRle8(new Uint8Array(voxels).fill(label)) });
    const cases: [Uint8Array, number, string][] = [
      [encodeTileSet([tileOf(3, 0, 0, 512 * 512)]), 422, 'DLN_REVISION_MASK_INVALID'],
      [encodeTileSet([tileOf(0, 1, 0, 512 * 512)]), 422, 'DLN_REVISION_MASK_INVALID'],
      [encodeTileSet([tileOf(0, 1, 1, 188 * 8 + 1)]), 422, 'DLN_REVISION_MASK_INVALID'],
      [encodeTileSet([tileOf(0, 1, 1, 188 * 8), tileOf(0, 1, 1, 188 * 8)]), 422, 'DLN_REVISION_MASK_INVALID'],
      [encodeTileSet([]), 422, 'DLN_REVISION_MASK_INVALID'],
      [encodeTileSet([tileOf(0, 1, 1, 188 * 8, 77)]), 422, 'DLN_REVISION_LABEL_UNDEFINED'],
      [new Uint8Array([1, 2, 3]), 422, 'DLN_REVISION_MASK_INVALID'],
    ];
    for (const [body, status, code] of cases) {
      const res = await putTiles(body, String(version));
      expect([res.statusCode, res.json().code]).toEqual([status, code]);
    }
    const wrongType = await h.server.app.inject({
      method: 'PUT',
      url: `/api/annotations/${annotationId}/tiles`,
      headers: { ...headers, 'content-type': 'application/octet-stream', 'if-match': String(version) },
      payload: Buffer.from(encodeTileSet([tileOf(0, 1, 1, 188 * 8)])),
    });
    expect(wrongType.statusCode).toBe(415);
    // Nor is a tile set taken as a whole mask.
    const crossed = await h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/revisions`,
      headers: { ...headers, 'content-type': 'application/vnd.delineate.tiles', 'if-match': String(version) },
      payload: Buffer.from(encodeTileSet([tileOf(0, 1, 1, 188 * 8)])),
    });
    expect([crossed.statusCode, crossed.json().code]).toEqual([415, 'DLN_REQUEST_UNSUPPORTED_MEDIA']);
    expect(await head()).toBe(version);
    // The bottom-right edge tile is 188 × 8: a valid one is accepted.
    expect((await putTiles(encodeTileSet([tileOf(0, 1, 1, 188 * 8)]), String(version))).statusCode).toBe(201);
    const stale = await putTiles(encodeTileSet([tileOf(0, 1, 1, 188 * 8, 0)]), String(version));
    expect([stale.statusCode, stale.json().code, stale.json().currentVersion]).toEqual([412, 'DLN_REVISION_STALE', version + 1]);
  });

  it('refuses a tile read off the grid', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/tiles?tiles=0/2/0`, headers });
    expect([res.statusCode, res.json().code]).toEqual([400, 'DLN_REQUEST_INVALID']);
    const bad = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/tiles?tiles=a`, headers });
    expect(bad.statusCode).toBe(400);
  });
});
