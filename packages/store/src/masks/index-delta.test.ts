import { seededRandom, tileCount, tileGridOf } from '@delineate/core';
import { describe, expect, it } from 'vitest';
import {
  decodeTileIndexDelta,
  diffTileIndex,
  encodeTileIndexDelta,
  fullIndexBytes,
  resolveTileIndexChain,
  storedIndexForm,
  type ResolvedTileIndex,
  type StoredIndexRow,
} from './index-delta';
import { encodeTileIndex, patchTileIndexBytes, sha256Hex, type TileIndex, type TileIndexEntry } from './tiled-masks';

const grid = tileGridOf(1024, 1024, 40);
const hex = (n: number) => sha256Hex(Uint8Array.of(n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24));

function entry(ordinal: number, seed: number): TileIndexEntry {
  return { ordinal, tileHash: hex(seed), pack: hex(seed + 7), offset: seed % 1000, length: 10 + (seed % 300) };
}

describe('tile index deltas', () => {
  it('round-trips a delta and refuses one that is cut short', () => {
    const delta = { set: [entry(3, 1), entry(90, 2)], removed: [5, 17] };
    const bytes = encodeTileIndexDelta(delta);
    expect(decodeTileIndexDelta(bytes, grid)).toEqual(delta);
    expect(() => decodeTileIndexDelta(bytes.subarray(0, bytes.length - 1), grid)).toThrow(expect.objectContaining({ code: 'DLN_REVISION_MASK_INVALID' }));
    expect(() => decodeTileIndexDelta(encodeTileIndexDelta({ set: [entry(tileCount(grid), 1)], removed: [] }), grid)).toThrow();
  });

  it('resolves to the same index as a full one across 50 random saves, with checkpoints bounding the chain', () => {
    const rnd = seededRandom(12);
    let current: TileIndex = { grid, entries: new Map() };
    const rows: (StoredIndexRow & { base: number | null; hash: string })[] = [];
    let parent: ResolvedTileIndex | undefined;
    let seed = 1;
    for (let version = 1; version <= 50; version++) {
      const entries = new Map(current.entries);
      // Set or erase a few tiles; now and then a large edit.
      const changes = rnd.next() < 0.1 ? 60 : 1 + Math.floor(rnd.next() * 3);
      for (let k = 0; k < changes; k++) {
        const ordinal = Math.floor(rnd.next() * tileCount(grid));
        if (rnd.next() < 0.25) entries.delete(ordinal);
        else entries.set(ordinal, entry(ordinal, seed++));
      }
      const previous = current;
      current = { grid, entries };
      const full = encodeTileIndex(current);
      // Patching the previous encoding where the delta changed it gives the same bytes.
      expect(patchTileIndexBytes(encodeTileIndex(previous), diffTileIndex(previous, current))).toEqual(full);
      const form = storedIndexForm(parent, current, full);
      const hash = sha256Hex(full);
      rows.push({ version, tileIndex: form.bytes, base: form.base, hash });
      // What a reader with no cache does: the rows from the chain's full index up to this version.
      const base = form.base ?? version;
      const resolved = resolveTileIndexChain(rows.filter((r) => r.version >= base && r.version <= version), hash);
      expect(encodeTileIndex(resolved.index)).toEqual(full);
      expect(resolved.base).toBe(base);
      // The chain never outweighs one full index.
      expect(resolved.chainBytes).toBeLessThan(full.length);
      parent = resolved;
    }
    const deltas = rows.filter((r) => r.base !== null);
    expect(deltas.length).toBeGreaterThan(25);
    expect(rows.length - deltas.length).toBeGreaterThan(1);
    // A one-tile edit stores one entry, whatever the index holds.
    const small = deltas.filter((r) => r.tileIndex.length <= 13 + 76 * 3 + 4 * 3);
    expect(small.length).toBeGreaterThan(20);
    expect(Math.max(...small.map((r) => r.tileIndex.length))).toBeLessThan(fullIndexBytes(current.entries.size) / 10);
  });

  it('finds a changed or missing delta through the full-index hash', () => {
    const a: TileIndex = { grid, entries: new Map([[1, entry(1, 1)], [2, entry(2, 2)]]) };
    const b: TileIndex = { grid, entries: new Map([[1, entry(1, 1)], [4, entry(4, 9)]]) };
    const c: TileIndex = { grid, entries: new Map([[4, entry(4, 9)]]) };
    const rows = [
      { version: 1, tileIndex: encodeTileIndex(a) },
      { version: 2, tileIndex: encodeTileIndexDelta(diffTileIndex(a, b)) },
      { version: 3, tileIndex: encodeTileIndexDelta(diffTileIndex(b, c)) },
    ];
    const hashC = sha256Hex(encodeTileIndex(c));
    expect(resolveTileIndexChain(rows, hashC).index.entries).toEqual(c.entries);
    expect(() => resolveTileIndexChain([rows[0]!, rows[2]!], hashC)).toThrow(expect.objectContaining({ code: 'DLN_REVISION_MASK_INVALID' }));
    const tampered = rows.map((r) => ({ ...r, tileIndex: r.tileIndex.slice() }));
    const bytes = tampered[1]!.tileIndex;
    bytes[20] = bytes[20]! ^ 1;
    expect(() => resolveTileIndexChain(tampered, hashC)).toThrow(expect.objectContaining({ code: 'DLN_REVISION_MASK_INVALID' }));
  });
});
