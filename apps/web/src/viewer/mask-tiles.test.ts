import { describe, expect, it } from 'vitest';
import { cutRle8, encodeRle8, joinTilesRle8, tileGridOf, tileOrdinal } from '@delineate/core';
import { readTile, readTileAt, tilesOfSlices, tilesOfVoxels, writeTile } from './mask-tiles';

/** A grid with several tiles per slice (tile size 4), to exercise edge tiles and row gathering. */
const grid = tileGridOf(10, 6, 3, 4);

function randomVolume(seed: number): Uint8Array {
  const data = new Uint8Array(grid.columns * grid.rows * grid.slices);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    data[i] = s % 7 < 2 ? s % 3 : 0;
  }
  return data;
}

describe('mask tiles in the browser', () => {
  it('reads tiles with the same runs as the core cuts, and writes them back to the same voxels', () => {
    const data = randomVolume(7);
    const cut = cutRle8(grid, encodeRle8(data));
    if (!cut.ok) throw new Error(cut.reason);
    for (const tile of cut.tiles) expect(readTile(data, grid, tile.position).runs).toEqual(tile.runs);
    const copy = new Uint8Array(data.length);
    for (const tile of cut.tiles) expect(writeTile(copy, grid, tile)).toBe(true);
    expect(copy).toEqual(data);
    const byOrdinal = new Map(cut.tiles.map((t) => [tileOrdinal(grid, t.position), t.runs]));
    expect(joinTilesRle8(grid, (o) => (byOrdinal.has(o) ? readTileAt(data, grid, o).runs : undefined))).toEqual(encodeRle8(data));
  });

  it('refuses a tile off the grid or of the wrong size and writes nothing', () => {
    const data = new Uint8Array(grid.columns * grid.rows * grid.slices);
    expect(writeTile(data, grid, { position: { slice: 3, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(new Uint8Array(16).fill(1)) })).toBe(false);
    expect(writeTile(data, grid, { position: { slice: 0, tileRow: 1, tileColumn: 2 }, runs: encodeRle8(new Uint8Array(16).fill(1)) })).toBe(false);
    expect(data.every((v) => v === 0)).toBe(true);
  });

  it('names the tiles that voxels fall in', () => {
    const into = new Set<number>();
    // Voxel (9, 5, 2) is in the last tile; (0, 0, 0) in the first.
    tilesOfVoxels(grid, [9 + 10 * (5 + 6 * 2), 0], into);
    expect([...into].sort((a, b) => a - b)).toEqual([0, tileOrdinal(grid, { slice: 2, tileRow: 1, tileColumn: 2 })]);
    expect(tilesOfSlices(grid, [1])).toHaveLength(6);
  });
});
