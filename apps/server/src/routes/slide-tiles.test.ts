import ZipFileStore from '@zarrita/storage/zip';
import * as zarr from 'zarrita';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTileSet, encodeRle8, encodeTileSet } from '@delineate/core';
import { testing } from '@delineate/store';
import { asUser } from '../test/auth';
import { startHarness, type Harness } from '../test/harness';

const kinds = testing.testDatabaseKinds();

describe.each(kinds.run)('a 100,000 × 100,000 mask (196 × 196 tiles) through the API on %s', (kind) => {
  let h: Harness;
  let annotationId: string;
  let headers: Record<string, string>;
  const size = 100_000;
  // The far corner tile is cut short: 100,000 − 195 × 512 = 160 voxels each way.
  const corner = new Uint8Array(160 * 160);
  for (let y = 0; y < 160; y++) corner.fill(1, y * 160 + y, y * 160 + 160);
  const middle = new Uint8Array(512 * 512).fill(1, 200 * 512, 300 * 512);

  beforeAll(async () => {
    h = await startHarness(kind);
    const item = await h.database.db.selectFrom('items').select('series_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
    await h.database.db.updateTable('series').set({ rows: size, columns: size, slices: 1 }).where('id', '=', item.series_id!).execute();
    headers = await asUser(h, h.seeded.userId);
    const created = await h.server.app.inject({ method: 'POST', url: `/api/items/${h.seeded.itemId}/annotations`, headers, payload: { labelSchema: h.seeded.labelSchema } });
    annotationId = created.json().id;
  });
  afterAll(async () => h?.close());

  it('saves tiles anywhere on the grid, serves a viewport of them and exports them to OME-Zarr', async () => {
    const saved = await h.server.app.inject({
      method: 'PUT',
      url: `/api/annotations/${annotationId}/tiles`,
      headers: { ...headers, 'content-type': 'application/vnd.delineate.tiles', 'if-match': '0' },
      payload: Buffer.from(
        encodeTileSet([
          { position: { slice: 0, tileRow: 100, tileColumn: 101 }, runs: encodeRle8(middle) },
          { position: { slice: 0, tileRow: 195, tileColumn: 195 }, runs: encodeRle8(corner) },
        ]),
      ),
    });
    expect(saved.statusCode).toBe(201);
    const off = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/tiles?tiles=0/196/0`, headers });
    expect(off.statusCode).toBe(400);

    // A viewport of 2 × 2 tiles around the corner: only the stored one comes back.
    const viewport = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/tiles?tiles=0/194/194,0/194/195,0/195/194,0/195/195`, headers });
    expect(viewport.statusCode).toBe(200);
    expect(viewport.headers['x-tile-grid']).toBe(`${size},${size},1,512`);
    const decoded = decodeTileSet(new Uint8Array(viewport.rawPayload));
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.tiles.map((t) => t.position)).toEqual([{ slice: 0, tileRow: 195, tileColumn: 195 }]);
    expect([...decoded.tiles[0]!.runs]).toEqual([...encodeRle8(corner)]);

    const exported = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/ome-zarr?codec=zstd`, headers });
    expect(exported.statusCode).toBe(200);
    expect(exported.rawPayload.length).toBeLessThan(100_000);
    const store = ZipFileStore.fromBlob(new Blob([new Uint8Array(exported.rawPayload)]));
    const level = await zarr.open(zarr.root(store).resolve('0'), { kind: 'array' });
    expect(level.shape).toEqual([1, size, size]);
    const region = await zarr.get(level, [0, zarr.slice(size - 200, size), zarr.slice(size - 200, size)]);
    const want = new Uint8Array(200 * 200);
    for (let y = 0; y < 160; y++) want.set(corner.subarray(y * 160, (y + 1) * 160), (y + 40) * 200 + 40);
    expect(Buffer.compare(Buffer.from(region.data as Uint8Array), Buffer.from(want))).toBe(0);
    const band = await zarr.get(level, [0, zarr.slice(100 * 512 + 199, 100 * 512 + 201), zarr.slice(101 * 512 - 1, 101 * 512 + 1)]);
    expect([...(band.data as Uint8Array)]).toEqual([0, 0, 0, 1]);
  }, 180_000);
});
