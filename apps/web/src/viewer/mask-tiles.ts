/**
 * The label volume as the server's tiles (512 × 512 in-plane per slice, `tiles.ts` in
 * @delineate/core): which tiles a set of voxels falls in, a tile's runs read from the volume, and
 * received tiles written into it. A save sends only the tiles its edits touched; a load writes the
 * tiles as they arrive.
 */
import { encodeRle8, isOnGrid, tileAtOrdinal, tileExtent, tileGridOf, tilesAcross, tilesDown, validateRle8, walkRle8Runs, type Tile, type TileGrid, type TilePosition } from '@delineate/core';
import type { Dims } from './geometry';

export function maskTileGrid(dims: Dims): TileGrid {
  return tileGridOf(dims.columns, dims.rows, dims.slices);
}

/** Adds the ordinal of every tile that holds one of `indices` (voxel indices) to `into`. */
export function tilesOfVoxels(grid: TileGrid, indices: ArrayLike<number>, into: Set<number>): void {
  const across = tilesAcross(grid);
  const down = tilesDown(grid);
  const plane = grid.columns * grid.rows;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    const z = Math.floor(i / plane);
    const inPlane = i - z * plane;
    const y = Math.floor(inPlane / grid.columns);
    const x = inPlane - y * grid.columns;
    into.add((z * down + Math.floor(y / grid.tileSize)) * across + Math.floor(x / grid.tileSize));
  }
}

/** The ordinals of every tile of the given slices. */
export function tilesOfSlices(grid: TileGrid, slices: readonly number[]): TilePosition[] {
  const out: TilePosition[] = [];
  for (const slice of slices) for (let tileRow = 0; tileRow < tilesDown(grid); tileRow++) for (let tileColumn = 0; tileColumn < tilesAcross(grid); tileColumn++) out.push({ slice, tileRow, tileColumn });
  return out;
}

/** Where a tile's rows start in the volume, and its extent. */
function tileRows(grid: TileGrid, p: TilePosition): { first: number; width: number; height: number } {
  const { width, height } = tileExtent(grid, p);
  const first = p.tileColumn * grid.tileSize + grid.columns * (p.tileRow * grid.tileSize + grid.rows * p.slice);
  return { first, width, height };
}

/** The tile's voxels as canonical `rle` runs (what the server stores; all zero for an erased tile). */
export function readTile(data: Uint8Array, grid: TileGrid, position: TilePosition): Tile {
  const { first, width, height } = tileRows(grid, position);
  // A tile as wide as the volume is one contiguous range; otherwise gather its rows.
  if (width === grid.columns) return { position, runs: encodeRle8(data.subarray(first, first + width * height)) };
  const voxels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) voxels.set(data.subarray(first + y * grid.columns, first + y * grid.columns + width), y * width);
  return { position, runs: encodeRle8(voxels) };
}

export function readTileAt(data: Uint8Array, grid: TileGrid, ordinal: number): Tile {
  return readTile(data, grid, tileAtOrdinal(grid, ordinal));
}

/** Writes a received tile into the volume; false (and nothing written) when it does not fit its place. */
export function writeTile(data: Uint8Array, grid: TileGrid, tile: Tile): boolean {
  const p = tile.position;
  if (!isOnGrid(grid, p)) return false;
  const { first, width, height } = tileRows(grid, p);
  if (width <= 0 || height <= 0 || !validateRle8(tile.runs, width * height).ok) return false;
  walkRle8Runs(tile.runs, width * height, (value, start, length) => {
    let t = start;
    let left = length;
    while (left > 0) {
      const y = Math.floor(t / width);
      const x = t - y * width;
      const n = Math.min(left, width - x);
      const at = first + y * grid.columns + x;
      data.fill(value, at, at + n);
      t += n;
      left -= n;
    }
  });
  return true;
}
