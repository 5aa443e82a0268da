import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cutRle8, decodeRle8, encodeRle8, seededRandom, tileGridOf, tileOrdinal, type Tile, type TileGrid } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import { afterEach, expect, it } from 'vitest';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { decodeTileIndex } from '../masks/tiled-masks';
import { describeStore } from '../test/describe-store';
import { seedProject } from '../test/fixtures';
import { AnnotationRepository } from './annotations';

const COLUMNS = 700;
const ROWS = 600;
const SLICES = 3;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A box of `label` in each slice, offset by slice: every slice has tiles on both sides of x = 512. */
function volume(label = 1): Uint8Array {
  const v = new Uint8Array(COLUMNS * ROWS * SLICES);
  for (let z = 0; z < SLICES; z++) {
    for (let y = 100 + z * 10; y < 560; y++) v.fill(label, z * COLUMNS * ROWS + y * COLUMNS + 400, z * COLUMNS * ROWS + y * COLUMNS + 650);
  }
  return v;
}

/** One tile of `v`, as a client sends it. */
function tileOf(grid: TileGrid, v: Uint8Array, slice: number, tileRow: number, tileColumn: number): Tile {
  const cut = cutRle8(grid, encodeRle8(v));
  if (!cut.ok) throw new Error(cut.reason);
  const found = cut.tiles.find((t) => t.position.slice === slice && t.position.tileRow === tileRow && t.position.tileColumn === tileColumn);
  return found ?? { position: { slice, tileRow, tileColumn }, runs: encodeRle8(new Uint8Array((tileColumn === 0 ? 512 : COLUMNS - 512) * (tileRow === 0 ? 512 : ROWS - 512))) };
}

let dirs: string[] = [];
// Stores are closed before their folders go: their open pack files are closed with them.
let stores: LocalBlobStore[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

describeStore('tiled revisions', (getDb) => {
  async function setup(slices = SLICES) {
    const { db } = getDb();
    const seed = await seedProject(db);
    const item = await db.selectFrom('items').select('series_id').where('id', '=', seed.itemId).executeTakeFirstOrThrow();
    await db.updateTable('series').set({ rows: ROWS, columns: COLUMNS, slices }).where('id', '=', item.series_id!).execute();
    const dir = await mkdtemp(join(tmpdir(), 'dln-tiles-'));
    dirs.push(dir);
    const blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
    stores.push(blobs);
    const repo = new AnnotationRepository(db, { blobs });
    const annotation = await repo.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 } });
    const author = { kind: 'user' as const, userId: seed.userId };
    const grid = await repo.tileGrid(annotation.id);
    const blobCount = async () => {
      let n = 0;
      for await (const _ of blobs.list()) n++;
      return n;
    };
    return { db, repo, annotation, author, grid, blobs, dir, blobCount, coldReader: () => new AnnotationRepository(db, { blobs }) };
  }

  it('saves whole masks and tile deltas, writing only the tiles that changed', async () => {
    const { repo, annotation, author, grid, blobs, blobCount } = await setup();
    expect(grid).toEqual(tileGridOf(COLUMNS, ROWS, SLICES));
    const v1 = volume();
    const cut = cutRle8(grid, encodeRle8(v1));
    if (!cut.ok) throw new Error(cut.reason);
    const base = { annotationId: annotation.id, author, source: 'human' as const, grid };
    const r1 = await repo.saveTiledRevision({ ...base, expectedVersion: 0, tiles: cut.tiles, whole: true });
    expect(r1.revision.maskHash).toBe((await tileIndexOf(repo, annotation.id, 1)).hash);
    expect(await repo.readMask(annotation.id, 1)).toEqual(encodeRle8(v1));
    expect(await blobCount()).toBe(1);

    // Paint label 2 into slice 1's bottom-right tile only.
    const v2 = v1.slice();
    for (let y = 520; y < 590; y++) v2.fill(2, COLUMNS * ROWS + y * COLUMNS + 600, COLUMNS * ROWS + y * COLUMNS + 690);
    const edited = tileOf(grid, v2, 1, 1, 1);
    const r2 = await repo.saveTiledRevision({ ...base, expectedVersion: 1, idempotencyKey: 'k2', tiles: [edited], whole: false });
    expect(r2.revision.maskHash).toBe((await tileIndexOf(repo, annotation.id, 2)).hash);
    expect(await repo.readMask(annotation.id, 2)).toEqual(encodeRle8(v2));
    expect(await blobCount()).toBe(2);
    const packs = new Set([...decodeTileIndex((await tileIndexOf(repo, annotation.id, 2)).bytes).entries.values()].map((e) => e.pack));
    expect(packs.size).toBe(2);
    // The new pack holds the one edited tile, nothing else.
    const firstPacks = new Set([...decodeTileIndex((await tileIndexOf(repo, annotation.id, 1)).bytes).entries.values()].map((e) => e.pack));
    const newPack = [...packs].find((p) => !firstPacks.has(p))!;
    expect((await blobs.stat(newPack)).size).toBeLessThan(200);

    // A retry of the same save replays and writes nothing.
    expect(await repo.saveTiledRevision({ ...base, expectedVersion: 1, idempotencyKey: 'k2', tiles: [edited], whole: false })).toMatchObject({ replayed: true, revision: { version: 2 } });
    expect(await blobCount()).toBe(2);

    // A whole upload equal to v2 but for one erased tile writes no tile at all (erasing stores nothing).
    const v3 = v2.slice();
    v3.fill(0, 2 * COLUMNS * ROWS, 3 * COLUMNS * ROWS);
    const cut3 = cutRle8(grid, encodeRle8(v3));
    if (!cut3.ok) throw new Error(cut3.reason);
    const r3 = await repo.saveTiledRevision({ ...base, expectedVersion: 2, tiles: cut3.tiles, whole: true });
    expect(r3.revision.maskHash).toBe((await tileIndexOf(repo, annotation.id, 3)).hash);
    expect(await repo.readMask(annotation.id, 3)).toEqual(encodeRle8(v3));
    expect(await blobCount()).toBe(2);

    // Revert is an index operation: the same index, no new blob.
    const r4 = await repo.revert({ annotationId: annotation.id, toVersion: 1, expectedVersion: 3, idempotencyKey: 'back', author });
    expect(r4.revision.maskHash).toBe(r1.revision.maskHash);
    expect((await tileIndexOf(repo, annotation.id, 4)).hash).toBe((await tileIndexOf(repo, annotation.id, 1)).hash);
    expect(await repo.readMask(annotation.id, 4)).toEqual(encodeRle8(v1));
    expect(await blobCount()).toBe(2);

    // Reading a few tiles, in volume order; erased (empty) tiles are left out.
    const read = await repo.readTiles(annotation.id, 2, [edited.position, { slice: 0, tileRow: 0, tileColumn: 0 }]);
    expect(read.tiles).toEqual([tileOf(grid, v2, 0, 0, 0), edited]);
    expect((await repo.readTiles(annotation.id, 3, [{ slice: 2, tileRow: 0, tileColumn: 0 }])).tiles).toEqual([]);
  });

  it('refuses a delta on a version that is not the head, and writes nothing', async () => {
    const { repo, annotation, author, grid, blobCount } = await setup();
    const v1 = volume();
    const base = { annotationId: annotation.id, author, source: 'human' as const, grid };
    await repo.saveTiledRevision({ ...base, expectedVersion: 0, tiles: [tileOf(grid, v1, 0, 0, 0)], whole: false });
    await repo.saveTiledRevision({ ...base, expectedVersion: 1, tiles: [tileOf(grid, v1, 0, 0, 1)], whole: false });
    const before = await blobCount();
    const error = await repo.saveTiledRevision({ ...base, expectedVersion: 1, tiles: [tileOf(grid, volume(3), 0, 1, 1)], whole: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelineateError);
    expect(error).toMatchObject({ code: 'DLN_REVISION_STALE', details: { currentVersion: 2 } });
    const late = await repo.saveTiledRevision({ ...base, expectedVersion: 5, tiles: [tileOf(grid, v1, 0, 1, 1)], whole: false }).catch((e: unknown) => e);
    expect(late).toMatchObject({ code: 'DLN_REVISION_STALE' });
    expect(await blobCount()).toBe(before);
  });

  it('answers concurrent retries of one tiled save with one revision, the others replayed', async () => {
    const { repo, annotation, author, grid, blobCount } = await setup();
    const v1 = volume();
    const base = { annotationId: annotation.id, author, source: 'human' as const, grid };
    await repo.saveTiledRevision({ ...base, expectedVersion: 0, tiles: [tileOf(grid, v1, 0, 0, 0)], whole: false });
    const tiles = [tileOf(grid, v1, 1, 0, 1)];
    const results = await Promise.all(Array.from({ length: 6 }, () => repo.saveTiledRevision({ ...base, expectedVersion: 1, idempotencyKey: 'same', tiles, whole: false })));
    expect(results.map((r) => r.revision.version)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect((await repo.history(annotation.id)).length).toBe(2);
    expect(await blobCount()).toBe(2);
  });

  it('detects a tampered tile: the index hash verifies every tile it names', async () => {
    const { repo, annotation, author, grid, dir, coldReader } = await setup();
    const v1 = volume();
    const cut = cutRle8(grid, encodeRle8(v1));
    if (!cut.ok) throw new Error(cut.reason);
    const base = { annotationId: annotation.id, author, source: 'human' as const, grid };
    await repo.saveTiledRevision({ ...base, expectedVersion: 0, tiles: cut.tiles, whole: true });
    const v2 = v1.slice();
    for (let y = 520; y < 590; y++) v2.fill(2, COLUMNS * ROWS + y * COLUMNS + 600, COLUMNS * ROWS + y * COLUMNS + 690);
    const r2 = await repo.saveTiledRevision({ ...base, expectedVersion: 1, tiles: [tileOf(grid, v2, 1, 1, 1)], whole: false });
    expect(await coldReader().recomputeMaskHash(annotation.id, 2)).toBe(r2.revision.maskHash);
    // Flip one byte of the edited tile inside its pack on disk (counter-mode ciphertext: the same plaintext byte flips).
    const edited = decodeTileIndex((await tileIndexOf(repo, annotation.id, 2)).bytes).entries.get(tileOrdinal(grid, { slice: 1, tileRow: 1, tileColumn: 1 }))!;
    const file = (await readdir(dir, { recursive: true, withFileTypes: true })).find((e) => e.isFile() && e.name === edited.pack)!;
    const path = join(file.parentPath, file.name);
    const stored = await readFile(path);
    stored[25 + edited.offset + Math.floor(edited.length / 2)]! ^= 0x01;
    await writeFile(path, stored);
    await expect(coldReader().recomputeMaskHash(annotation.id, 2)).rejects.toMatchObject({ code: 'DLN_BLOB_CORRUPT' });
    // The first revision's tiles sit in another pack and still verify.
    expect(await coldReader().recomputeMaskHash(annotation.id, 1)).toBe((await tileIndexOf(repo, annotation.id, 1)).hash);
  });

  it('builds a delta on a revision kept as one whole blob (saved before tiling)', async () => {
    const { repo, annotation, author, grid, coldReader } = await setup();
    const v1 = volume();
    const whole = encodeRle8(v1);
    await repo.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash: sha256(whole), maskEncoding: 'rle', maskBytes: whole });
    expect(await repo.readMask(annotation.id, 1)).toEqual(whole);
    expect((await repo.readTiles(annotation.id, 1)).tiles.length).toBe(4 * SLICES);
    const v2 = v1.slice();
    v2.fill(0, 0, COLUMNS * ROWS);
    const r2 = await repo.saveTiledRevision({ annotationId: annotation.id, author, source: 'human', grid, expectedVersion: 1, tiles: [tileOf(grid, v2, 0, 0, 0), tileOf(grid, v2, 0, 0, 1), tileOf(grid, v2, 0, 1, 0), tileOf(grid, v2, 0, 1, 1)], whole: false });
    expect(r2.revision.maskHash).toBe((await tileIndexOf(repo, annotation.id, 2)).hash);
    expect(await repo.readMask(annotation.id, 2)).toEqual(encodeRle8(v2));
    // Both identities stay verifiable: the whole-volume hash of the revision kept whole, the index hash of the tiled one.
    expect(await coldReader().recomputeMaskHash(annotation.id, 1)).toBe(sha256(whole));
    expect(await coldReader().recomputeMaskHash(annotation.id, 2)).toBe(r2.revision.maskHash);
  });
});

describeStore('tiled revisions: stored index deltas', (getDb) => {
  /** An annotation on an item of `slices` slices (the seeded project is made once per test). */
  async function setup(slices: number, seeded?: Awaited<ReturnType<typeof seedProject>>) {
    const { db } = getDb();
    const seed = seeded ?? (await seedProject(db));
    const item = await db.selectFrom('items').select('series_id').where('id', '=', seed.itemId).executeTakeFirstOrThrow();
    await db.updateTable('series').set({ rows: ROWS, columns: COLUMNS, slices }).where('id', '=', item.series_id!).execute();
    const dir = await mkdtemp(join(tmpdir(), 'dln-tiles-'));
    dirs.push(dir);
    const blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
    stores.push(blobs);
    const repo = new AnnotationRepository(db, { blobs });
    const annotation = await repo.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 } });
    const grid = await repo.tileGrid(annotation.id);
    const base = { annotationId: annotation.id, author: { kind: 'user' as const, userId: seed.userId }, source: 'human' as const, grid };
    const indexBytes = async (version: number) =>
      (await db.selectFrom('revisions').select(['tile_index', 'tile_index_base']).where('annotation_id', '=', annotation.id).where('version', '=', version).executeTakeFirstOrThrow());
    return { db, seed, repo, blobs, annotation, grid, base, indexBytes, coldReader: () => new AnnotationRepository(db, { blobs }) };
  }

  /** A volume of `slices` slices, each with a box of label 1 across all four tiles. */
  const boxes = (slices: number) => {
    const v = new Uint8Array(COLUMNS * ROWS * slices);
    for (let z = 0; z < slices; z++) for (let y = 100; y < 560; y++) v.fill(1, z * COLUMNS * ROWS + y * COLUMNS + 400, z * COLUMNS * ROWS + y * COLUMNS + 650);
    return v;
  };

  it('stores the same bytes for a one-tile save whatever the volume holds, and a cold reader resolves it', async () => {
    const sizes: { pack: number; index: number }[] = [];
    let seeded: Awaited<ReturnType<typeof seedProject>> | undefined;
    for (const slices of [2, 24]) {
      const { seed, repo, blobs, annotation, grid, base, indexBytes, coldReader } = await setup(slices, seeded);
      seeded = seed;
      const v1 = boxes(slices);
      const cut = cutRle8(grid, encodeRle8(v1));
      if (!cut.ok) throw new Error(cut.reason);
      await repo.saveTiledRevision({ ...base, expectedVersion: 0, tiles: cut.tiles, whole: true });
      const v2 = v1.slice();
      for (let y = 520; y < 590; y++) v2.fill(2, COLUMNS * ROWS + y * COLUMNS + 600, COLUMNS * ROWS + y * COLUMNS + 690);
      const r2 = await repo.saveTiledRevision({ ...base, expectedVersion: 1, tiles: [tileOf(grid, v2, 1, 1, 1)], whole: false });
      expect(r2.revision.maskHash).toBe((await tileIndexOf(coldReader(), annotation.id, 2)).hash);
      const row = await indexBytes(2);
      expect(row.tile_index_base).toBe(1);
      const packs = new Set([...decodeTileIndex((await tileIndexOf(coldReader(), annotation.id, 2)).bytes).entries.values()].map((e) => e.pack));
      const firstPacks = new Set([...decodeTileIndex((await tileIndexOf(coldReader(), annotation.id, 1)).bytes).entries.values()].map((e) => e.pack));
      const newPack = [...packs].find((p) => !firstPacks.has(p))!;
      sizes.push({ pack: (await blobs.stat(newPack)).size, index: row.tile_index!.length });
      // A repository that never saw the save reads the same mask from the stored chain.
      expect(await coldReader().readMask(annotation.id, 2)).toEqual(encodeRle8(v2));
    }
    expect(sizes[1]).toEqual(sizes[0]);
    expect(sizes[0]!.index).toBeLessThan(100);
   }, 180_000);

  it('reads back every one of 50 random saves (deltas, checkpoints, erasures, a revert) from a cold reader', async () => {
    const slices = 4;
    const { db, repo, annotation, grid, base, coldReader } = await setup(slices);
    const rnd = seededRandom(7);
    let model: Uint8Array = new Uint8Array(COLUMNS * ROWS * slices);
    const encoded: Uint8Array[] = [];
    for (let version = 1; version <= 50; version++) {
      const next = model.slice();
      const count = version === 1 ? 16 : 1 + Math.floor(rnd.next() * 2);
      const touched: [number, number, number][] = [];
      for (let k = 0; k < count; k++) {
        const slice = version === 1 ? k >> 2 : Math.floor(rnd.next() * slices);
        const tileRow = version === 1 ? (k >> 1) & 1 : Math.floor(rnd.next() * 2);
        const tileColumn = version === 1 ? k & 1 : Math.floor(rnd.next() * 2);
        if (touched.some(([s, r, c]) => s === slice && r === tileRow && c === tileColumn)) continue;
        touched.push([slice, tileRow, tileColumn]);
        const label = rnd.next() < 0.2 ? 0 : 1 + Math.floor(rnd.next() * 2);
        const x0 = tileColumn * 512 + Math.floor(rnd.next() * 80);
        const y0 = tileRow * 512 + Math.floor(rnd.next() * 40);
        const x1 = Math.min(COLUMNS, tileColumn * 512 + 512);
        const y1 = Math.min(ROWS, tileRow * 512 + 512);
        for (let y = tileRow * 512; y < y1; y++) next.fill(0, slice * COLUMNS * ROWS + y * COLUMNS + tileColumn * 512, slice * COLUMNS * ROWS + y * COLUMNS + x1);
        if (label !== 0) for (let y = y0; y < y1; y++) next.fill(label, slice * COLUMNS * ROWS + y * COLUMNS + x0, slice * COLUMNS * ROWS + y * COLUMNS + x1);
      }
      const tiles = touched.map(([s, r, c]) => tileOf(grid, next, s, r, c));
      if (version === 30) {
        const back = await repo.revert({ annotationId: annotation.id, toVersion: 12, expectedVersion: 29, idempotencyKey: 'back', author: base.author });
        expect(back.revision.version).toBe(30);
        encoded.push(encoded[11]!);
        model = decodeModel(encoded[11]!, COLUMNS * ROWS * slices);
        continue;
      }
      const saved = await repo.saveTiledRevision({ ...base, expectedVersion: version - 1, tiles, whole: false });
      expect(saved.revision.maskHash).toBe((await tileIndexOf(repo, annotation.id, version)).hash);
      model = next;
      encoded.push(encodeRle8(next));
    }
    const reader = coldReader();
    for (let version = 50; version >= 1; version--) expect(await reader.readMask(annotation.id, version)).toEqual(encoded[version - 1]);
    const forms = await db.selectFrom('revisions').select('tile_index_base').where('annotation_id', '=', annotation.id).execute();
    expect(forms.filter((f) => f.tile_index_base !== null).length).toBeGreaterThan(25);
    expect(forms.filter((f) => f.tile_index_base === null).length).toBeGreaterThan(1);
   }, 300_000);
});

function decodeModel(encoded: Uint8Array, voxels: number): Uint8Array {
  const decoded = decodeRle8(encoded, voxels);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.voxels;
}

async function tileIndexOf(repo: AnnotationRepository, annotationId: string, version: number): Promise<{ bytes: Uint8Array; hash: string }> {
  const stored = await repo.storedTileIndex(annotationId, version);
  if (!stored) throw new Error('no tile index');
  return stored;
}
