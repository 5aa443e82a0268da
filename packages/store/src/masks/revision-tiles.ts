import { alignTiles, cutRle8, labelsInRle8, tileOrdinal, type AlignedTile, type OrdinalTile, type TileGrid } from '@delineate/core';
import { DelineateError, type RevisionRef } from '@delineate/schema';
import type { Kysely } from 'kysely';
import { AnnotationRepository } from '../repositories/annotations';
import type { DB } from '../sql/tables';
import { TiledMasks, type MaskBlobs } from './tiled-masks';

/** A revision's mask as tiles: its grid and a fresh pass over its non-empty tiles on each call. */
export interface RevisionTileSource {
  readonly grid: TileGrid;
  tiles(): AsyncIterable<OrdinalTile>;
}

/**
 * Reads revisions' masks tile by tile for the label-runs consumers (metrics, agreement, STAPLE,
 * the workflow's sizes and labels, exports): a tiled revision's tiles come out of their packs a
 * batch at a time; a revision kept whole (saved before tiling) is cut on runs, never decoded.
 */
export class RevisionTileReader {
  readonly #annotations: AnnotationRepository;
  readonly #masks: TiledMasks;

  constructor(db: Kysely<DB>, blobs: MaskBlobs, masks: TiledMasks = new TiledMasks(blobs)) {
    this.#masks = masks;
    this.#annotations = new AnnotationRepository(db, { blobs, masks });
  }

  async source(revision: RevisionRef): Promise<RevisionTileSource> {
    const { annotationId, version } = revision;
    const stored = await this.#annotations.storedTileIndex(annotationId, version);
    if (stored) {
      const index = await this.#masks.index(stored.hash, async () => stored.bytes);
      return { grid: index.grid, tiles: () => this.#masks.tiles(index) };
    }
    const grid = await this.#annotations.tileGrid(annotationId);
    const cut = cutRle8(grid, await this.#annotations.readMask(annotationId, version));
    if (!cut.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `A stored mask does not decode on its item's grid (${cut.reason})`);
    const tiles = cut.tiles.map((t) => ({ ordinal: tileOrdinal(grid, t.position), runs: t.runs }));
    return {
      grid,
      async *tiles() {
        yield* tiles;
      },
    };
  }

  /** The revisions' tiles side by side (one grid for all), in volume order. */
  async aligned(revisions: readonly RevisionRef[]): Promise<{ grid: TileGrid; tiles: () => AsyncIterable<AlignedTile> }> {
    const sources = await Promise.all(revisions.map((r) => this.source(r)));
    const grid = sources[0]?.grid;
    if (!grid) throw new RangeError('no revisions to align');
    for (const s of sources) {
      if (s.grid.columns !== grid.columns || s.grid.rows !== grid.rows || s.grid.slices !== grid.slices || s.grid.tileSize !== grid.tileSize) {
        throw new DelineateError('DLN_CONFLICT', 'The revisions compared are on different tile grids');
      }
    }
    return { grid, tiles: () => alignTiles(grid, sources.map((s) => s.tiles())) };
  }

  /** The non-zero labels a revision's mask holds, from its runs alone. */
  async labelsPresent(revision: RevisionRef): Promise<Set<number>> {
    const present = new Set<number>();
    for await (const tile of (await this.source(revision)).tiles()) for (const label of labelsInRle8(tile.runs)) if (label !== 0) present.add(label);
    return present;
  }
}
