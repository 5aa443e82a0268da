/**
 * Tile index deltas: a revision row stores either its full tile index or only what changed since
 * its parent (entries set, ordinals removed), so a save that changes one tile stores one entry,
 * not the whole index. A chain of deltas starts at a full index (the row's `tile_index_base`);
 * a save writes a full index again once the chain's deltas would outweigh one, so the bytes
 * stored per save stay about twice the edit's and reading any revision's index is one range
 * query over at most twice a full index's bytes.
 */
import { tileCount, type TileGrid } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import { decodeTileIndex, encodeTileIndex, readTileIndexEntry, sha256Hex, TILE_INDEX_ENTRY_BYTES, writeTileIndexEntry, type TileIndex, type TileIndexEntry } from './tiled-masks';

/** What changed between two indexes of one grid. */
export interface TileIndexDelta {
  readonly set: readonly TileIndexEntry[];
  readonly removed: readonly number[];
}

const DELTA_MAGIC = 0x44544c44; // "DLTD" little-endian
const DELTA_VERSION = 1;
const DELTA_HEADER_BYTES = 13;
const ENTRY_BYTES = TILE_INDEX_ENTRY_BYTES;
const FULL_HEADER_BYTES = 25;

/** Bytes of a full index of `entries` entries (see `encodeTileIndex`). */
export function fullIndexBytes(entries: number): number {
  return FULL_HEADER_BYTES + entries * ENTRY_BYTES;
}

export function diffTileIndex(parent: TileIndex, next: TileIndex): TileIndexDelta {
  const set: TileIndexEntry[] = [];
  const removed: number[] = [];
  for (const [ordinal, e] of next.entries) {
    const was = parent.entries.get(ordinal);
    if (!was || was.tileHash !== e.tileHash || was.pack !== e.pack || was.offset !== e.offset || was.length !== e.length) set.push(e);
  }
  for (const ordinal of parent.entries.keys()) if (!next.entries.has(ordinal)) removed.push(ordinal);
  return { set: set.sort((a, b) => a.ordinal - b.ordinal), removed: removed.sort((a, b) => a - b) };
}

/**
 * "DLTD", version byte, u32 count of entries set, u32 count of ordinals removed; then each set
 * entry as in a full index (u32 ordinal, tile hash, pack hash, u32 offset, u32 length) and each
 * removed u32 ordinal, in ordinal order. Little-endian.
 */
export function encodeTileIndexDelta(delta: TileIndexDelta): Uint8Array {
  const out = Buffer.alloc(DELTA_HEADER_BYTES + delta.set.length * ENTRY_BYTES + delta.removed.length * 4);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, DELTA_MAGIC, true);
  out[4] = DELTA_VERSION;
  view.setUint32(5, delta.set.length, true);
  view.setUint32(9, delta.removed.length, true);
  let o = DELTA_HEADER_BYTES;
  for (const e of delta.set) {
    writeTileIndexEntry(out, view, o, e);
    o += ENTRY_BYTES;
  }
  for (const ordinal of delta.removed) {
    view.setUint32(o, ordinal, true);
    o += 4;
  }
  return out;
}

export function decodeTileIndexDelta(bytes: Uint8Array, grid: TileGrid): TileIndexDelta {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isTileIndexDelta(bytes) || bytes[4] !== DELTA_VERSION) throw corrupt();
  const setCount = view.getUint32(5, true);
  const removedCount = view.getUint32(9, true);
  if (bytes.length !== DELTA_HEADER_BYTES + setCount * ENTRY_BYTES + removedCount * 4) throw corrupt();
  const tiles = tileCount(grid);
  const set: TileIndexEntry[] = [];
  let o = DELTA_HEADER_BYTES;
  for (let k = 0; k < setCount; k++, o += ENTRY_BYTES) set.push(readTileIndexEntry(bytes, view, o, tiles));
  const removed: number[] = [];
  for (let k = 0; k < removedCount; k++, o += 4) removed.push(view.getUint32(o, true));
  return { set, removed };
}

export function isTileIndexDelta(bytes: Uint8Array): boolean {
  return bytes.length >= DELTA_HEADER_BYTES && new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true) === DELTA_MAGIC;
}

/** A revision's index as resolved from its chain, with what the next save needs to extend it. */
export interface ResolvedTileIndex {
  readonly index: TileIndex;
  /** SHA-256 of the full index encoding (`revisions.tile_index_hash`). */
  readonly hash: string;
  /** The full index encoding (what `hash` is the hash of): the next save patches it instead of encoding every entry again. */
  readonly bytes: Uint8Array;
  /** The version holding the full index the chain starts from. */
  readonly base: number;
  /** Bytes of the deltas after `base` up to this revision. */
  readonly chainBytes: number;
}

/** One stored row of a chain, oldest first: the first holds a full index. */
export interface StoredIndexRow {
  readonly version: number;
  readonly tileIndex: Uint8Array;
}

/**
 * Applies a chain (a full index, then each later version's delta) and checks the result against
 * the revision's recorded full-index hash, so a damaged or missing delta is found, never served.
 */
export function resolveTileIndexChain(rows: readonly StoredIndexRow[], expectedHash: string): ResolvedTileIndex {
  const [first, ...rest] = rows;
  if (!first || isTileIndexDelta(first.tileIndex)) throw corrupt();
  const base = decodeTileIndex(first.tileIndex);
  // Every delta is applied to one map: a copy per delta cost a cold reader of a slide (2,000
  // entries, a chain of tens of one-stroke deltas) most of its time.
  const entries = new Map(base.entries);
  const index: TileIndex = { grid: base.grid, entries };
  let chainBytes = 0;
  let version = first.version;
  for (const row of rest) {
    if (row.version !== version + 1) throw corrupt();
    version = row.version;
    const delta = decodeTileIndexDelta(row.tileIndex, index.grid);
    for (const ordinal of delta.removed) entries.delete(ordinal);
    for (const e of delta.set) entries.set(e.ordinal, e);
    chainBytes += row.tileIndex.length;
  }
  const bytes = encodeTileIndex(index);
  const hash = sha256Hex(bytes);
  if (hash !== expectedHash) throw corrupt();
  return { index, hash, bytes, base: first.version, chainBytes };
}

/** How a new revision's index is stored: as a delta on its parent's chain while that is cheaper. */
export interface StoredIndexForm {
  readonly bytes: Uint8Array;
  /** null: a full index. */
  readonly base: number | null;
  readonly chainBytes: number;
}

/** `known`: the delta from the parent when the caller made it (a save knows the tiles it changed). */
export function storedIndexForm(parent: ResolvedTileIndex | undefined, next: TileIndex, fullBytes: Uint8Array, known?: TileIndexDelta): StoredIndexForm {
  if (parent) {
    const delta = encodeTileIndexDelta(known ?? diffTileIndex(parent.index, next));
    // A full index once the chain would outweigh one: reads stay one bounded range query.
    if (parent.chainBytes + delta.length < fullBytes.length) return { bytes: delta, base: parent.base, chainBytes: parent.chainBytes + delta.length };
  }
  return { bytes: fullBytes, base: null, chainBytes: 0 };
}

function corrupt(): DelineateError {
  return new DelineateError('DLN_REVISION_MASK_INVALID', 'A stored tile index is damaged');
}
