import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  cutRle8,
  isEmptyTile,
  joinTilesRle8,
  tileAtOrdinal,
  tileCount,
  tileGridOf,
  tileOrdinal,
  type Tile,
  type TileGrid,
  type TilePosition,
} from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import type { BlobStore } from '../blob/types';
import type { TileIndexDelta } from './index-delta';

/**
 * Where one stored tile is: its hash (SHA-256 of its deflated `rle` payload, so equal tiles are
 * shared between revisions) and its place in the pack blob of the save that first wrote it.
 */
export interface TileIndexEntry {
  readonly ordinal: number;
  readonly tileHash: string;
  readonly pack: string;
  readonly offset: number;
  readonly length: number;
}

/** A revision's mask: its grid and, for each non-empty tile, where the tile is (by ordinal). */
export interface TileIndex {
  readonly grid: TileGrid;
  readonly entries: ReadonlyMap<number, TileIndexEntry>;
}

/** Decoded indexes kept by a reader (a 2,000-tile slide index is about 150 kB). */
const INDEX_CACHE_ENTRIES = 64;
const INDEX_MAGIC = 0x49544c44; // "DLTI" little-endian
const INDEX_VERSION = 1;
const HEADER_BYTES = 25;
/** One index entry's bytes: u32 ordinal, tile hash, pack hash (32 bytes each), u32 offset, u32 length. */
export const TILE_INDEX_ENTRY_BYTES = 4 + 32 + 32 + 4 + 4;
const ENTRY_BYTES = TILE_INDEX_ENTRY_BYTES;

/**
 * Writes one entry at `o` (full indexes and index deltas store entries alike). The hashes are
 * written straight from hex into `out`: a save encodes its whole index (2,000 entries on a slide),
 * and two temporary buffers per entry made most of its garbage.
 */
export function writeTileIndexEntry(out: Buffer, view: DataView, o: number, e: TileIndexEntry): void {
  view.setUint32(o, e.ordinal, true);
  out.write(e.tileHash, o + 4, 32, 'hex');
  out.write(e.pack, o + 36, 32, 'hex');
  view.setUint32(o + 68, e.offset, true);
  view.setUint32(o + 72, e.length, true);
}

/** Reads the entry at `o`; DLN_REVISION_MASK_INVALID when its ordinal is off a grid of `tiles` tiles. */
export function readTileIndexEntry(bytes: Uint8Array, view: DataView, o: number, tiles: number): TileIndexEntry {
  const ordinal = view.getUint32(o, true);
  if (ordinal >= tiles) throw new DelineateError('DLN_REVISION_MASK_INVALID', 'A stored tile index is damaged');
  const hex = (from: number) => Buffer.from(bytes.buffer, bytes.byteOffset + from, 32).toString('hex');
  return { ordinal, tileHash: hex(o + 4), pack: hex(o + 36), offset: view.getUint32(o + 68, true), length: view.getUint32(o + 72, true) };
}

/**
 * The index as stored with its revision: "DLTI", version byte, u32 tile size, columns, rows,
 * slices, entry count; then per entry (in volume order) u32 ordinal, tile hash, pack hash (32 bytes
 * each), u32 offset and length. Little-endian.
 */
export function encodeTileIndex(index: TileIndex): Uint8Array {
  const entries = [...index.entries.values()].sort((a, b) => a.ordinal - b.ordinal);
  const out = Buffer.alloc(HEADER_BYTES + entries.length * ENTRY_BYTES);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, INDEX_MAGIC, true);
  out[4] = INDEX_VERSION;
  view.setUint32(5, index.grid.tileSize, true);
  view.setUint32(9, index.grid.columns, true);
  view.setUint32(13, index.grid.rows, true);
  view.setUint32(17, index.grid.slices, true);
  view.setUint32(21, entries.length, true);
  let o = HEADER_BYTES;
  for (const e of entries) {
    writeTileIndexEntry(out, view, o, e);
    o += ENTRY_BYTES;
  }
  return out;
}

export function decodeTileIndex(bytes: Uint8Array): TileIndex {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = () => new DelineateError('DLN_REVISION_MASK_INVALID', 'A stored tile index is damaged');
  if (bytes.length < HEADER_BYTES || view.getUint32(0, true) !== INDEX_MAGIC || bytes[4] !== INDEX_VERSION) throw corrupt();
  const grid = tileGridOf(view.getUint32(9, true), view.getUint32(13, true), view.getUint32(17, true), view.getUint32(5, true));
  const count = view.getUint32(21, true);
  if (bytes.length !== HEADER_BYTES + count * ENTRY_BYTES) throw corrupt();
  const entries = new Map<number, TileIndexEntry>();
  const tiles = tileCount(grid);
  for (let k = 0, o = HEADER_BYTES; k < count; k++, o += ENTRY_BYTES) {
    const entry = readTileIndexEntry(bytes, view, o, tiles);
    entries.set(entry.ordinal, entry);
  }
  return { grid, entries };
}

/**
 * The full encoding of `parent` with `delta` applied, made by copying the parent's bytes around
 * the changed entries (entries are stored in ordinal order): a save costs its edit, not one
 * encoding step per entry of a 2,000-tile slide index. Equal to `encodeTileIndex` of the result.
 */
export function patchTileIndexBytes(parent: Uint8Array, delta: TileIndexDelta): Buffer {
  const view = new DataView(parent.buffer, parent.byteOffset, parent.byteLength);
  const count = view.getUint32(21, true);
  const ordinalAt = (i: number) => view.getUint32(HEADER_BYTES + i * ENTRY_BYTES, true);
  const changes = [...delta.set.map((e) => ({ ordinal: e.ordinal, entry: e as TileIndexEntry | undefined })), ...delta.removed.map((ordinal) => ({ ordinal, entry: undefined }))].sort(
    (a, b) => a.ordinal - b.ordinal,
  );
  const parts: Uint8Array[] = [];
  let from = 0;
  let next = 0;
  let entries = count;
  for (const change of changes) {
    // The first stored entry at or after the changed ordinal (binary search from the last one).
    let lo = next;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ordinalAt(mid) < change.ordinal) lo = mid + 1;
      else hi = mid;
    }
    const at = HEADER_BYTES + lo * ENTRY_BYTES;
    const present = lo < count && ordinalAt(lo) === change.ordinal;
    parts.push(parent.subarray(from, at));
    if (change.entry) {
      const one = Buffer.alloc(ENTRY_BYTES);
      writeTileIndexEntry(one, new DataView(one.buffer, one.byteOffset, ENTRY_BYTES), 0, change.entry);
      parts.push(one);
      if (!present) entries++;
    } else if (present) {
      entries--;
    }
    from = present ? at + ENTRY_BYTES : at;
    next = present ? lo + 1 : lo;
  }
  parts.push(parent.subarray(from));
  const out = Buffer.concat(parts);
  out.writeUInt32LE(entries, 21);
  return out;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What one save writes: at most one pack blob (its new tiles) and the index committed with the revision. */
export interface PreparedTiledSave {
  readonly index: TileIndex;
  readonly indexBytes: Uint8Array;
  /**
   * SHA-256 of the full index: the revision's identity (`mask_hash` of a tiled save). The index
   * names every tile by the SHA-256 of its payload, so it verifies the mask as a whole-volume hash
   * would, without joining the volume on every save.
   */
  readonly indexHash: string;
  /** The new tiles concatenated, or undefined when every tile of the result was stored before. */
  readonly pack: Uint8Array | undefined;
  readonly packHash: string | undefined;
  readonly newTiles: number;
  /** What changed from an indexed parent (a tile save knows the tiles it touched); undefined for whole masks. */
  readonly delta: TileIndexDelta | undefined;
}

/** The parent a save builds on: a stored index, or the tiles of a revision kept whole (before migration). */
export type TiledParent = { kind: 'index'; index: TileIndex; bytes?: Uint8Array } | { kind: 'tiles'; grid: TileGrid; tiles: readonly Tile[] } | undefined;

/** The blob store as masks use it: readers need only `get`, and read tiles alone when the store has `getParts`. */
export type MaskBlobs = Pick<BlobStore, 'get'> & Partial<Pick<BlobStore, 'put' | 'getParts'>>;

/**
 * Reads and writes tiled masks through the blob store. Inflated tiles are kept in a bounded
 * cache by hash: tiles are content-addressed, so a cached tile can never be stale.
 */
export class TiledMasks {
  readonly blobs: MaskBlobs;
  readonly #cache = new Map<string, Uint8Array>();
  #cachedBytes = 0;
  readonly #cacheLimit: number;
  readonly #indexes = new Map<string, TileIndex>();

  constructor(blobs: MaskBlobs, options: { cacheBytes?: number } = {}) {
    this.blobs = blobs;
    this.#cacheLimit = options.cacheBytes ?? 64 * 1024 * 1024;
  }

  /**
   * The next revision's tiles: the parent's, with `tiles` replacing theirs (a tile of label 0 only
   * removes one). With `whole`, `tiles` is the complete mask and every other tile is empty. Tiles
   * already stored (by hash, anywhere in the parent) are pointed at, never written again.
   */
  async prepare(grid: TileGrid, parent: TiledParent, tiles: readonly Tile[], whole: boolean): Promise<PreparedTiledSave> {
    const runs = new Map<number, Uint8Array>();
    const entries = new Map<number, TileIndexEntry>();
    const stored = new Map<string, TileIndexEntry>();
    if (parent?.kind === 'index') {
      if (!sameTileGrid(parent.index.grid, grid)) throw new DelineateError('DLN_CONFLICT', "The parent revision's tile grid differs from the item's");
      for (const e of parent.index.entries.values()) stored.set(e.tileHash, e);
      if (!whole) for (const [ordinal, e] of parent.index.entries) entries.set(ordinal, e);
    } else if (parent?.kind === 'tiles' && !whole) {
      for (const t of parent.tiles) runs.set(tileOrdinal(grid, t.position), t.runs);
    }
    for (const t of tiles) {
      const ordinal = tileOrdinal(grid, t.position);
      entries.delete(ordinal);
      runs.delete(ordinal);
      if (!isEmptyTile(t.runs)) runs.set(ordinal, t.runs);
    }
    // Deflate and address the tiles given in this save; pack those not stored before.
    const packParts: Uint8Array[] = [];
    const pending: { ordinal: number; tileHash: string; offset: number; length: number }[] = [];
    const inPack = new Map<string, { offset: number; length: number }>();
    let packLength = 0;
    for (const [ordinal, r] of runs) {
      const payload = deflateRawSync(r);
      const tileHash = sha256Hex(payload);
      this.#remember(tileHash, r);
      const earlier = stored.get(tileHash);
      if (earlier) {
        entries.set(ordinal, { ...earlier, ordinal });
        continue;
      }
      let place = inPack.get(tileHash);
      if (!place) {
        place = { offset: packLength, length: payload.length };
        inPack.set(tileHash, place);
        packParts.push(payload);
        packLength += payload.length;
      }
      pending.push({ ordinal, tileHash, ...place });
    }
    let pack: Uint8Array | undefined;
    let packHash: string | undefined;
    if (packParts.length > 0) {
      pack = Buffer.concat(packParts, packLength);
      packHash = sha256Hex(pack);
      for (const p of pending) entries.set(p.ordinal, { ...p, pack: packHash });
    }
    // The save costs its edit: the other tiles are only pointed at, never read or joined, and
    // the parent's encoded index is patched where the edit changed it.
    const index: TileIndex = { grid, entries };
    const delta = parent?.kind === 'index' && !whole ? deltaOf(parent.index, index, tiles.map((t) => tileOrdinal(grid, t.position))) : undefined;
    const indexBytes = delta && parent?.kind === 'index' && parent.bytes ? patchTileIndexBytes(parent.bytes, delta) : encodeTileIndex(index);
    return {
      index,
      indexBytes,
      indexHash: sha256Hex(indexBytes),
      pack,
      packHash,
      newTiles: inPack.size,
      delta,
    };
  }

  /** Writes the save's pack (one blob, durable before the index commits). */
  async writePack(prepared: PreparedTiledSave): Promise<void> {
    if (!prepared.pack) return;
    if (!this.blobs.put) throw new DelineateError('DLN_CONFIG_INVALID', 'No writable blob store configured for mask tiles');
    await this.blobs.put(prepared.pack, { expectedHash: prepared.packHash! });
  }

  /** The runs of the given tiles (absent = empty, left out), each pack read once. */
  async readRuns(index: TileIndex, ordinals: Iterable<number>): Promise<Map<number, Uint8Array>> {
    const out = new Map<number, Uint8Array>();
    const byPack = new Map<string, TileIndexEntry[]>();
    for (const ordinal of ordinals) {
      const e = index.entries.get(ordinal);
      if (!e) continue;
      const cached = this.#cache.get(e.tileHash);
      if (cached) {
        out.set(ordinal, cached);
        continue;
      }
      const list = byPack.get(e.pack) ?? [];
      list.push(e);
      byPack.set(e.pack, list);
    }
    // The packs are read side by side: a viewport over tiles of several saves waits for the slowest
    // pack's reads, not for their sum (on S3 each pack is its own ranged GETs).
    const read = await Promise.all([...byPack].map(([pack, list]) => this.#readPayloads(pack, list)));
    for (const payloads of read) {
      for (const [e, payload] of payloads) {
        const r = new Uint8Array(inflateRawSync(payload));
        this.#remember(e.tileHash, r);
        out.set(e.ordinal, r);
      }
    }
    return out;
  }

  /**
   * Reads every tile of an index from its pack, past the cache, checking each payload against its
   * hash: DLN_BLOB_CORRUPT when a tile was damaged, DLN_BLOB_NOT_FOUND when a pack is missing.
   * With the index checked against its own hash, this verifies the whole mask.
   */
  async verifyTiles(index: TileIndex, options: { batchTiles?: number } = {}): Promise<void> {
    const entries = [...index.entries.values()].sort((a, b) => a.ordinal - b.ordinal);
    const batch = options.batchTiles ?? 256;
    for (let from = 0; from < entries.length; from += batch) {
      const byPack = new Map<string, TileIndexEntry[]>();
      for (const e of entries.slice(from, from + batch)) byPack.set(e.pack, [...(byPack.get(e.pack) ?? []), e]);
      for (const [pack, list] of byPack) await this.#readPayloads(pack, list);
    }
  }

  /**
   * The deflated payloads of some tiles of one pack, each checked against its hash. With a store
   * that reads parts, only those tiles' bytes are read and decrypted (ranged reads on S3), so a
   * viewport costs its tiles, not the packs they sit in.
   */
  async #readPayloads(pack: string, entries: readonly TileIndexEntry[]): Promise<[TileIndexEntry, Uint8Array][]> {
    if (this.blobs.getParts) {
      const parts = await this.blobs.getParts(pack, entries.map((e) => ({ offset: e.offset, length: e.length, sha256: e.tileHash })));
      return entries.map((e, i) => [e, parts[i]!]);
    }
    const bytes = await this.blobs.get(pack);
    return entries.map((e) => {
      const payload = bytes.subarray(e.offset, e.offset + e.length);
      if (e.offset + e.length > bytes.length || sha256Hex(payload) !== e.tileHash) {
        throw new DelineateError('DLN_BLOB_CORRUPT', 'A stored mask tile does not match its hash');
      }
      return [e, payload];
    });
  }

  /**
   * A revision's decoded index, by its hash: `load` gives the stored bytes when it is not cached.
   * Revisions never change, so a viewer panning a slide decodes (and fetches) the index once.
   */
  async index(indexHash: string, load: () => Promise<Uint8Array>): Promise<TileIndex> {
    const cached = this.#indexes.get(indexHash);
    if (cached) return cached;
    const bytes = await load();
    if (sha256Hex(bytes) !== indexHash) throw new DelineateError('DLN_REVISION_MASK_INVALID', 'A stored tile index does not match its hash');
    const index = decodeTileIndex(bytes);
    this.#indexes.set(indexHash, index);
    if (this.#indexes.size > INDEX_CACHE_ENTRIES) this.#indexes.delete(this.#indexes.keys().next().value!);
    return index;
  }

  /**
   * Every non-empty tile of an index, in volume order, read `batchTiles` at a time: a consumer
   * holds one batch, never the whole mask (a 100,000² slide is 10 GB of voxels).
   */
  async *tiles(index: TileIndex, options: { batchTiles?: number } = {}): AsyncGenerator<Tile & { readonly ordinal: number }> {
    const ordinals = [...index.entries.keys()].sort((a, b) => a - b);
    const batch = options.batchTiles ?? 256;
    for (let from = 0; from < ordinals.length; from += batch) {
      const wanted = ordinals.slice(from, from + batch);
      const runs = await this.readRuns(index, wanted);
      for (const ordinal of wanted) yield { ordinal, position: tileAtOrdinal(index.grid, ordinal), runs: runs.get(ordinal)! };
    }
  }

  /** The whole-volume `rle` stream of an index (what the whole-mask routes serve). */
  async readWhole(index: TileIndex): Promise<Uint8Array> {
    const all = await this.readRuns(index, index.entries.keys());
    return joinTilesRle8(index.grid, (ordinal) => all.get(ordinal));
  }

  /** The non-empty tiles among `positions` (all of them when omitted), in volume order. */
  async readTiles(index: TileIndex, positions?: readonly TilePosition[]): Promise<Tile[]> {
    const ordinals = positions ? positions.map((p) => tileOrdinal(index.grid, p)) : [...index.entries.keys()];
    const runs = await this.readRuns(index, ordinals);
    return [...runs.keys()].sort((a, b) => a - b).map((ordinal) => ({ position: tileAtOrdinal(index.grid, ordinal), runs: runs.get(ordinal)! }));
  }

  #remember(tileHash: string, runs: Uint8Array): void {
    if (this.#cache.has(tileHash) || runs.length > this.#cacheLimit) return;
    this.#cache.set(tileHash, runs);
    this.#cachedBytes += runs.length;
    // Oldest first (Map keeps insertion order).
    for (const [hash, r] of this.#cache) {
      if (this.#cachedBytes <= this.#cacheLimit) break;
      this.#cache.delete(hash);
      this.#cachedBytes -= r.length;
    }
  }
}

/** Cuts a mask kept whole (a revision from before tiling) into its tiles. */
export function tilesOfWholeMask(grid: TileGrid, whole: Uint8Array): Tile[] {
  const cut = cutRle8(grid, whole);
  if (!cut.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `A stored mask does not decode on its item's grid (${cut.reason})`);
  return cut.tiles;
}

/** The delta between an index and the next one, looking only at the ordinals a save touched. */
function deltaOf(parent: TileIndex, next: TileIndex, touched: readonly number[]): TileIndexDelta {
  const set: TileIndexEntry[] = [];
  const removed: number[] = [];
  for (const ordinal of new Set(touched)) {
    const was = parent.entries.get(ordinal);
    const now = next.entries.get(ordinal);
    if (now && (!was || was.tileHash !== now.tileHash || was.pack !== now.pack || was.offset !== now.offset || was.length !== now.length)) set.push(now);
    else if (!now && was) removed.push(ordinal);
  }
  return { set: set.sort((a, b) => a.ordinal - b.ordinal), removed: removed.sort((a, b) => a - b) };
}

function sameTileGrid(a: TileGrid, b: TileGrid): boolean {
  return a.columns === b.columns && a.rows === b.rows && a.slices === b.slices && a.tileSize === b.tileSize;
}
