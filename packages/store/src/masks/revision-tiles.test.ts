import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  agreementOfVotes,
  countTiledLabelPatterns,
  cutRle8,
  encodeRle8,
  gridOf,
  labelAgreement,
  labelMap,
  mapAlignedTiles,
  overlapCounts,
  selectLabel,
  staple,
  staplePatterns,
  tiledOverlapCounts,
  tiledStaplePatterns,
  tiledVoteHistogram,
  tileOrdinal,
  type TileGrid,
} from '@delineate/core';
import { generateCtPhantom } from '@delineate/formats';
import { isDelineateError } from '@delineate/schema';
import { afterEach, expect, it } from 'vitest';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import type { BlobPart } from '../blob/parts';
import { AnnotationRepository } from '../repositories/annotations';
import { describeStore } from '../test/describe-store';
import { seedProject } from '../test/fixtures';
import { RevisionTileReader } from './revision-tiles';
import { decodeTileIndex, TiledMasks } from './tiled-masks';

// The demo's synthetic CT phantom (liver 1, lesions 2), with two in-plane tiles each way.
const COLUMNS = 600;
const ROWS = 560;
const SLICES = 8;
const SPACING = [0.7, 0.7, 4] as const;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The phantom's labels moved `shift` voxels along x (a reader who drew a little to the side). */
function shifted(labels: Uint8Array, shift: number): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let row = 0; row < ROWS * SLICES; row++) out.set(labels.subarray(row * COLUMNS, (row + 1) * COLUMNS - shift), row * COLUMNS + shift);
  return out;
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

describeStore('revision tiles', (getDb) => {
  async function setup() {
    const { db } = getDb();
    const seed = await seedProject(db);
    const item = await db.selectFrom('items').select('series_id').where('id', '=', seed.itemId).executeTakeFirstOrThrow();
    await db.updateTable('series').set({ rows: ROWS, columns: COLUMNS, slices: SLICES }).where('id', '=', item.series_id!).execute();
    const dir = await mkdtemp(join(tmpdir(), 'dln-revision-tiles-'));
    dirs.push(dir);
    const blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
    stores.push(blobs);
    const repo = new AnnotationRepository(db, { blobs });
    const author = { kind: 'user' as const, userId: seed.userId };
    const newAnnotation = () => repo.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 } });
    return { db, dir, blobs, repo, author, newAnnotation };
  }

  it('gives metrics, kappa, STAPLE and votes over tiled revisions equal to those over the whole volumes', async () => {
    const { db, blobs, repo, author, newAnnotation } = await setup();
    const phantom = generateCtPhantom({ columns: COLUMNS, rows: ROWS, slices: SLICES, spacing: SPACING, noiseSigmaHu: 0 });
    const volumes = [phantom.labels, shifted(phantom.labels, 4), shifted(phantom.labels, 9)];
    const refs = [];
    for (const [k, v] of volumes.entries()) {
      const annotation = await newAnnotation();
      const whole = encodeRle8(v);
      if (k === 1) {
        // A revision kept as one whole blob (saved before tiling) is read through the same iterator.
        await repo.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash: sha256(whole), maskEncoding: 'rle', maskBytes: whole });
      } else {
        const grid = await repo.tileGrid(annotation.id);
        const cut = cutRle8(grid, whole);
        if (!cut.ok) throw new Error(cut.reason);
        await repo.saveTiledRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', grid, tiles: cut.tiles, whole: true });
      }
      refs.push({ annotationId: annotation.id, version: 1 });
    }
    const reader = new RevisionTileReader(db, blobs);
    const aligned = await reader.aligned(refs);
    expect(aligned.grid).toMatchObject({ columns: COLUMNS, rows: ROWS, slices: SLICES, tileSize: 512 });
    const counts = await countTiledLabelPatterns(aligned.grid, 3, aligned.tiles(), [1, 2]);
    const grid = gridOf([COLUMNS, ROWS, SLICES], [...SPACING]);
    for (const label of [1, 2]) {
      const masks = volumes.map((v) => selectLabel(labelMap(grid, v), label));
      expect(masks[0]!.data.some((x) => x === 1)).toBe(true);
      for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) expect(tiledOverlapCounts(counts, label, a, b)).toEqual(overlapCounts(masks[a]!, masks[b]!));
      const whole = labelAgreement(volumes.map((v) => labelMap(grid, v)), label, { kind: 'image' });
      expect(agreementOfVotes(tiledVoteHistogram(counts, label))).toEqual({ fleissKappa: whole.fleissKappa, krippendorffAlpha: whole.krippendorffAlpha });
      const st = staple(volumes, { foregroundValue: label });
      const patterns = tiledStaplePatterns(counts, label);
      const tiled = staplePatterns(patterns);
      expect([tiled.sensitivity, tiled.specificity, tiled.iterations]).toEqual([st.sensitivity, st.specificity, st.iterations]);
      // The consensus made tile by tile is the whole-volume consensus, byte for byte.
      const posterior = new Map([...patterns.codes].map((code, k) => [code, Math.fround(tiled.posterior[k]!)]));
      const consensus = await mapAlignedTiles(aligned.grid, 3, aligned.tiles(), (v) => {
        let code = 0;
        for (let m = 0; m < 3; m++) if (v[m] === label) code |= 1 << m;
        return posterior.get(code)! >= 0.5 ? label : 0;
      });
      expect(sha256(consensus)).toBe(sha256(encodeRle8(st.probability.map((p) => (p >= 0.5 ? label : 0)) as unknown as Uint8Array)));
    }
    expect(await reader.labelsPresent(refs[1]!)).toEqual(new Set([1, 2]));
  }, 120_000);

  it('reads a viewport by ranged reads of its tiles alone, and refuses a damaged tile as DLN_BLOB_CORRUPT', async () => {
    const { db, dir, blobs, repo, author, newAnnotation } = await setup();
    const phantom = generateCtPhantom({ columns: COLUMNS, rows: ROWS, slices: SLICES, spacing: SPACING, noiseSigmaHu: 0 });
    const annotation = await newAnnotation();
    const grid: TileGrid = await repo.tileGrid(annotation.id);
    const cut = cutRle8(grid, encodeRle8(phantom.labels));
    if (!cut.ok) throw new Error(cut.reason);
    await repo.saveTiledRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', grid, tiles: cut.tiles, whole: true });

    // A store that records what is read: whole blobs, or parts (and their bytes).
    const wholeReads: string[] = [];
    const partReads: BlobPart[][] = [];
    const watched = {
      get: (hash: string) => (wholeReads.push(hash), blobs.get(hash)),
      getParts: (hash: string, parts: readonly BlobPart[]) => (partReads.push([...parts]), blobs.getParts(hash, parts)),
    };
    const reader = new AnnotationRepository(db, { blobs: watched, masks: new TiledMasks(watched, { cacheBytes: 0 }) });
    expect(cut.tiles.length).toBeGreaterThan(4);
    const wanted = cut.tiles[Math.floor(cut.tiles.length / 2)]!;
    const { tiles } = await reader.readTiles(annotation.id, 1, [wanted.position]);
    expect(tiles).toEqual([wanted]);
    expect(wholeReads).toEqual([]);
    expect(partReads).toHaveLength(1);
    expect(partReads[0]!.map((p) => p.length)).toHaveLength(1);

    // Damage that tile's bytes in the stored pack: it fails verification, its neighbours still read.
    const stored = await repo.storedTileIndex(annotation.id, 1);
    const entries = [...decodeTileIndex(stored!.bytes).entries.values()];
    const target = entries.find((e) => e.ordinal === tileOrdinal(grid, wanted.position))!;
    const path = join(dir, target.pack.slice(0, 2), target.pack.slice(2, 4), target.pack);
    const bytes = await readFile(path);
    bytes[25 + target.offset + 1]! ^= 0x40;
    await writeFile(path, bytes);
    const error = await reader.readTiles(annotation.id, 1, [wanted.position]).catch((e: unknown) => e);
    expect(isDelineateError(error) && error.code).toBe('DLN_BLOB_CORRUPT');
    const other = cut.tiles.find((t) => t.position.slice !== wanted.position.slice)!;
    expect((await reader.readTiles(annotation.id, 1, [other.position])).tiles).toEqual([other]);
  }, 60_000);

  it('keeps a 100,000 × 100,000 slide on a grid of 196 × 196 tiles, its index and tiles read by position', async () => {
    const { db, blobs, repo, author, newAnnotation } = await setup();
    const item = await db.selectFrom('items').select('series_id').executeTakeFirstOrThrow();
    await db.updateTable('series').set({ rows: 100_000, columns: 100_000, slices: 1 }).where('id', '=', item.series_id!).execute();
    const annotation = await newAnnotation();
    const grid = await repo.tileGrid(annotation.id);
    expect([Math.ceil(grid.columns / grid.tileSize), Math.ceil(grid.rows / grid.tileSize), grid.slices]).toEqual([196, 196, 1]);
    // The far corner tile is cut short (100,000 − 195 × 512 = 160 voxels each way).
    const corner = { position: { slice: 0, tileRow: 195, tileColumn: 195 }, runs: encodeRle8(new Uint8Array(160 * 160).fill(1)) };
    const first = { position: { slice: 0, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(new Uint8Array(512 * 512).fill(1, 0, 1000)) };
    await repo.saveTiledRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', grid, tiles: [corner, first], whole: false });
    expect((await repo.readTiles(annotation.id, 1, [corner.position])).tiles).toEqual([corner]);
    const source = await new RevisionTileReader(db, blobs).source({ annotationId: annotation.id, version: 1 });
    const ordinals: number[] = [];
    for await (const t of source.tiles()) ordinals.push(t.ordinal);
    expect(ordinals).toEqual([0, 196 * 196 - 1]);
  }, 120_000);
});
