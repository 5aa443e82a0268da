import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random';
import { decodeRle8, encodeRle8 } from './rle';
import { checkTiles, cutRle8, decodeTileSet, encodeTileSet, joinTilesRle8, tileCount, tileExtent, tileGridOf, tileOrdinal, type TileGrid } from './tiles';

/** A volume of blobs (runs of labels 0–3 with long zero gaps), seeded. */
function blobVolume(n: number, seed: number): Uint8Array {
  const rand = seededRandom(seed);
  const v = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    const run = 1 + Math.floor(rand.next() ** 3 * 3000);
    const value = rand.next() < 0.6 ? 0 : 1 + Math.floor(rand.next() * 3);
    v.fill(value, i, Math.min(n, i + run));
    i += run;
  }
  return v;
}

/** The voxels of one tile, read directly from the volume. */
function tileOf(grid: TileGrid, volume: Uint8Array, slice: number, tileRow: number, tileColumn: number): Uint8Array {
  const { width, height } = tileExtent(grid, { slice, tileRow, tileColumn });
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const start = slice * grid.columns * grid.rows + (tileRow * grid.tileSize + y) * grid.columns + tileColumn * grid.tileSize;
    out.set(volume.subarray(start, start + width), y * width);
  }
  return out;
}

describe('tiles', () => {
  for (const [columns, rows, slices, size] of [
    [512, 512, 3, 512],
    [37, 23, 4, 8],
    [64, 16, 2, 64],
    [100, 1, 5, 7],
  ] as const) {
    it(`cuts a ${columns}×${rows}×${slices} volume into ${size}-voxel tiles and joins it back byte for byte`, () => {
      const grid = tileGridOf(columns, rows, slices, size);
      const volume = blobVolume(columns * rows * slices, columns + rows);
      // An empty slice: its tiles must not be stored.
      volume.fill(0, columns * rows, 2 * columns * rows);
      const whole = encodeRle8(volume);
      const cut = cutRle8(grid, whole);
      if (!cut.ok) throw new Error(cut.reason);
      expect(cut.labels).toEqual([...new Set(volume)].filter((l) => l !== 0).sort());
      const stored = new Map(cut.tiles.map((t) => [tileOrdinal(grid, t.position), t.runs]));
      for (let ordinal = 0; ordinal < tileCount(grid); ordinal++) {
        const t = cut.tiles.find((c) => tileOrdinal(grid, c.position) === ordinal);
        const p = t?.position;
        if (!t || !p) continue;
        const expected = tileOf(grid, volume, p.slice, p.tileRow, p.tileColumn);
        expect(t.runs).toEqual(encodeRle8(expected));
        expect(expected.some((v) => v !== 0)).toBe(true);
      }
      expect(cut.tiles.some((t) => t.position.slice === 1)).toBe(false);
      expect(joinTilesRle8(grid, (o) => stored.get(o))).toEqual(whole);
    });
  }

  it('joins sparse tiles (empty neighbours taken as one background stretch) back into the canonical stream', () => {
    // 23 × 10 × 3 on 4² tiles: a band with nothing painted, bands with one or two painted tiles
    // amid empty ones, and a painted tile at the ragged right edge.
    const [columns, rows, slices] = [23, 10, 3];
    const grid = tileGridOf(columns, rows, slices, 4);
    const volume = new Uint8Array(columns * rows * slices);
    const paint = (x: number, y: number, z: number, label: number) => (volume[x + columns * (y + rows * z)] = label);
    paint(5, 1, 0, 1);
    paint(6, 1, 0, 2);
    paint(17, 2, 0, 1);
    paint(22, 9, 1, 3);
    paint(0, 8, 2, 1);
    paint(13, 5, 2, 2);
    const whole = encodeRle8(volume);
    const cut = cutRle8(grid, whole);
    if (!cut.ok) throw new Error(cut.reason);
    expect(cut.tiles).toHaveLength(5); // (5,1) and (6,1) share a tile
    const stored = new Map(cut.tiles.map((t) => [tileOrdinal(grid, t.position), t.runs]));
    expect(joinTilesRle8(grid, (o) => stored.get(o))).toEqual(whole);
  });

  it('cuts a non-canonical stream (split runs) into canonical tiles', () => {
    const grid = tileGridOf(4, 2, 1, 2);
    // 3 × label 1, then 3 × 1 again, then 2 × 0: the same volume as [1×6, 0×2].
    const cut = cutRle8(grid, new Uint8Array([1, 3, 1, 3, 0, 2]));
    if (!cut.ok) throw new Error(cut.reason);
    const joined = joinTilesRle8(grid, (o) => cut.tiles.find((t) => tileOrdinal(grid, t.position) === o)?.runs);
    expect(joined).toEqual(encodeRle8(new Uint8Array([1, 1, 1, 1, 1, 1, 0, 0])));
  });

  it('refuses a stream that does not cover the grid', () => {
    const grid = tileGridOf(4, 4, 1, 2);
    expect(cutRle8(grid, new Uint8Array([1, 15]))).toEqual({ ok: false, reason: 'length_mismatch' });
    expect(cutRle8(grid, new Uint8Array([1]))).toEqual({ ok: false, reason: 'truncated' });
  });

  it('checks client tiles against the grid and their extents', () => {
    const grid = tileGridOf(5, 3, 2, 4);
    const edge = { slice: 1, tileRow: 0, tileColumn: 1 };
    expect(tileExtent(grid, edge)).toEqual({ width: 1, height: 3 });
    expect(checkTiles(grid, [{ position: edge, runs: new Uint8Array([2, 3]) }])).toEqual({ ok: true, labels: [2] });
    expect(checkTiles(grid, [{ position: edge, runs: new Uint8Array([2, 4]) }])).toEqual({ ok: false, reason: 'length_mismatch' });
    expect(checkTiles(grid, [{ position: { slice: 2, tileRow: 0, tileColumn: 0 }, runs: new Uint8Array([0, 12]) }])).toEqual({ ok: false, reason: 'off_grid' });
    const twice = { position: edge, runs: new Uint8Array([0, 3]) };
    expect(checkTiles(grid, [twice, twice])).toEqual({ ok: false, reason: 'duplicate' });
  });

  it('round-trips the tile-set wire format and refuses damaged ones', () => {
    const tiles = [
      { position: { slice: 3, tileRow: 1, tileColumn: 2 }, runs: new Uint8Array([1, 0x80, 0x02]) },
      { position: { slice: 0, tileRow: 0, tileColumn: 0 }, runs: new Uint8Array([0, 4]) },
    ];
    const bytes = encodeTileSet(tiles);
    expect(decodeTileSet(bytes)).toEqual({ ok: true, tiles });
    expect(decodeTileSet(bytes.subarray(0, bytes.length - 1))).toEqual({ ok: false, reason: 'truncated' });
    expect(decodeTileSet(new Uint8Array([...bytes, 0]))).toEqual({ ok: false, reason: 'trailing_bytes' });
    expect(decodeTileSet(new Uint8Array(12))).toEqual({ ok: false, reason: 'not_a_tile_set' });
  });

  it('joins an absent tile as label 0', () => {
    const grid = tileGridOf(3, 3, 2, 2);
    const decoded = decodeRle8(joinTilesRle8(grid, () => undefined), 18);
    expect(decoded).toEqual({ ok: true, voxels: new Uint8Array(18) });
  });
});
