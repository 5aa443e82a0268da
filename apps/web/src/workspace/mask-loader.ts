/**
 * Loads a revision's label volume from its tiles: the tiles of the slices in view first (so the
 * labels there show at once), then every other non-empty tile in one request. Empty tiles are
 * never sent, so a mostly empty mask costs its painted tiles only.
 */
import { decodeTileSet, tileAtOrdinal, tileOrdinal, type TileGrid } from '@delineate/core';
import { ApiError, revisionTiles } from '../api';
import type { Dims } from '../viewer/geometry';
import { maskTileGrid, tilesOfSlices, writeTile } from '../viewer/mask-tiles';
import type { TileLabelmap } from '../viewer/tile-labelmap';

function writeAll(data: Uint8Array, grid: TileGrid, bytes: Uint8Array, skip: Set<number> | null): number[] {
  const set = decodeTileSet(bytes);
  if (!set.ok) throw new ApiError('DLN_REVISION_MASK_INVALID', 'The saved mask does not fit this image', 0);
  const written: number[] = [];
  for (const tile of set.tiles) {
    const ordinal = tileOrdinal(grid, tile.position);
    if (skip?.has(ordinal)) continue;
    if (!writeTile(data, grid, tile)) throw new ApiError('DLN_REVISION_MASK_INVALID', 'The saved mask does not fit this image', 0);
    written.push(ordinal);
  }
  return written;
}

/**
 * Fills `data` (zeroed) with a revision's labels: `inView` slices first, calling `onInView` once
 * they are in, then the rest. Resolves when every tile is written.
 */
export async function loadMaskTiles(annotationId: string, version: number, dims: Dims, data: Uint8Array, inView: readonly number[], onInView: () => void): Promise<void> {
  const grid = maskTileGrid(dims);
  const first = tilesOfSlices(grid, inView);
  const seen = new Set(writeAll(data, grid, await revisionTiles(annotationId, version, first), null));
  // Empty tiles in view were not sent; they are loaded too (as zeros), so nothing overwrites them.
  for (const p of first) seen.add(tileOrdinal(grid, p));
  onInView();
  writeAll(data, grid, await revisionTiles(annotationId, version), seen);
}

/** A whole revision's labels (a read-only look, a comparison, the reviewed version). */
export async function fetchRevisionVolume(annotationId: string, version: number, dims: Dims): Promise<Uint8Array> {
  const data = new Uint8Array(dims.columns * dims.rows * dims.slices);
  writeAll(data, maskTileGrid(dims), await revisionTiles(annotationId, version), null);
  return data;
}

/** The server's limit on tiles named in one request. */
const TILES_PER_REQUEST = 4096;

/**
 * Sparse labels' loader: the stored labels of the tiles asked for, from the version the labels
 * are based on (`version()`, which moves with each save), each tile fetched once.
 */
export function tileLoader(annotationId: string, map: TileLabelmap, version: () => number): (ordinals: readonly number[]) => Promise<void> {
  const loading = new Map<number, Promise<void>>();
  return async (ordinals) => {
    const missing = [...new Set(ordinals)].filter((o) => !map.isLoaded(o) && !loading.has(o));
    const waits = ordinals.flatMap((o) => (loading.has(o) ? [loading.get(o)!] : []));
    for (let k = 0; k < missing.length; k += TILES_PER_REQUEST) {
      const batch = missing.slice(k, k + TILES_PER_REQUEST);
      const base = version();
      const done = (async () => {
        if (base === 0) return map.load([], batch);
        const set = decodeTileSet(await revisionTiles(annotationId, base, batch.map((o) => tileAtOrdinal(map.grid, o))));
        if (!set.ok) throw new ApiError('DLN_REVISION_MASK_INVALID', 'The saved mask does not fit this image', 0);
        // A newer version was loaded meanwhile (a conflict resolved): these tiles are of the old one.
        if (version() !== base) return;
        map.load(set.tiles, batch);
      })().finally(() => batch.forEach((o) => loading.delete(o)));
      for (const o of batch) loading.set(o, done);
      waits.push(done);
    }
    await Promise.all(waits);
  };
}
