import ZipFileStore from '@zarrita/storage/zip';
import * as zarr from 'zarrita';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle8, encodeTileSet } from '@delineate/core';
import { testing } from '@delineate/store';
import { openTestSession } from '../access';
import { asUser } from '../test/auth';
import { startHarness, type Harness } from '../test/harness';

const kinds = testing.testDatabaseKinds();

describe.each(kinds.run)('OME-Zarr export of a revision on %s', (kind) => {
  let h: Harness;
  let annotationId: string;
  let headers: Record<string, string>;
  // Two tiles across and down per slice; the right and bottom ones cut short.
  const columns = 700;
  const rows = 520;
  const slices = 3;
  const volume = new Uint8Array(columns * rows * slices);
  for (let z = 0; z < slices; z++) for (let y = 10 + z; y < 515; y++) volume.fill(1, (z * rows + y) * columns + 480 - z * 7, (z * rows + y) * columns + 690);
  // Revision 2 paints label 2 into one tile of slice 2 (a tile delta over revision 1).
  const edited = volume.slice();
  const tile = new Uint8Array(512 * 512);
  for (let y = 0; y < 512; y++) tile.set(volume.subarray((2 * rows + y) * columns, (2 * rows + y) * columns + 512), y * 512);
  tile.fill(2, 40 * 512 + 500, 40 * 512 + 512);
  for (let y = 0; y < 512; y++) edited.set(tile.subarray(y * 512, (y + 1) * 512), (2 * rows + y) * columns);

  beforeAll(async () => {
    h = await startHarness(kind);
    const item = await h.database.db.selectFrom('items').select('series_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
    await h.database.db.updateTable('series').set({ rows, columns, slices }).where('id', '=', item.series_id!).execute();
    headers = await asUser(h, h.seeded.userId);
    const created = await h.server.app.inject({ method: 'POST', url: `/api/items/${h.seeded.itemId}/annotations`, headers, payload: { labelSchema: h.seeded.labelSchema } });
    annotationId = created.json().id;
    const first = await h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/revisions`,
      headers: { ...headers, 'content-type': 'application/octet-stream', 'if-match': '0' },
      payload: Buffer.from(encodeRle8(volume)),
    });
    expect(first.statusCode).toBe(201);
    const second = await h.server.app.inject({
      method: 'PUT',
      url: `/api/annotations/${annotationId}/tiles`,
      headers: { ...headers, 'content-type': 'application/vnd.delineate.tiles', 'if-match': '1' },
      payload: Buffer.from(encodeTileSet([{ position: { slice: 2, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(tile) }])),
    });
    expect(second.statusCode).toBe(201);
  });
  afterAll(async () => h?.close());

  async function readBack(payload: Buffer): Promise<{ shape: number[]; data: Uint8Array; label: Record<string, unknown> }> {
    const store = ZipFileStore.fromBlob(new Blob([new Uint8Array(payload)]));
    const group = await zarr.open(zarr.root(store), { kind: 'group' });
    const level = await zarr.open(zarr.root(store).resolve('0'), { kind: 'array' });
    const got = await zarr.get(level);
    return { shape: level.shape, data: got.data as Uint8Array, label: (group.attrs as { ome: { 'image-label': Record<string, unknown> } }).ome['image-label'] };
  }

  it('serves each revision as a zipped zarr v3 store that zarrita reads voxel for voxel', async () => {
    for (const [version, want, codec] of [[1, volume, 'gzip'], [2, edited, 'zstd']] as const) {
      const res = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/${version}/ome-zarr?codec=${codec}`, headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      const { shape, data, label } = await readBack(res.rawPayload);
      expect(shape).toEqual([slices, rows, columns]);
      expect(Buffer.compare(Buffer.from(data), Buffer.from(want))).toBe(0);
      expect(JSON.stringify(label)).toContain('liver');
    }
  });

  it('is audited as a mask read, and refused as the tiles route refuses a user without access to the project', async () => {
    const runtime = h.server.app.accessRuntime;
    const before = new Date();
    expect((await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/ome-zarr`, headers })).statusCode).toBe(200);
    await runtime.auditSettled();
    const events = await runtime.audit.range(before, new Date(Date.now() + 60_000));
    expect(events.filter((e) => e.action === 'mask.read' && e.outcome === 'success').length).toBeGreaterThanOrEqual(1);

    const stranger = await runtime.repo.createUser({ username: `stranger-${crypto.randomUUID()}`, displayName: 'Stranger', now: runtime.now() });
    const { headers: strangerHeaders } = await openTestSession(runtime, stranger.id);
    const refused = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/ome-zarr`, headers: strangerHeaders });
    // As for the tiles route: outside the project the annotation does not exist for them.
    const tiles = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/tiles`, headers: strangerHeaders });
    expect([refused.statusCode, refused.json().code]).toEqual([tiles.statusCode, tiles.json().code]);
    expect(refused.statusCode).toBe(404);
    expect(refused.headers['content-type']).not.toBe('application/zip');
    const missing = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/9/ome-zarr`, headers });
    expect(missing.statusCode).toBe(404);
  });
});
