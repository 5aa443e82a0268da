import { runStatements, type Migration } from '../migration';

/**
 * Tiled masks (issue 12): a revision's mask becomes a tile index (`tile_index`, see
 * `masks/tiled-masks.ts`) pointing into pack blobs, with its SHA-256 (`tile_index_hash`) beside
 * the whole-volume `mask_hash`, which stays the hash of the canonical whole-volume `rle` stream.
 * Revisions saved before keep their whole-volume blob and no index: readers fall back to the
 * blob, and the first tiled save over such a revision cuts it (docs/ARCHITECTURE.md).
 */
export const maskTiles: Migration = {
  id: '0400_mask_tiles',
  async up(db) {
    await runStatements(db, [
      `alter table revisions
         add column tile_index bytea,
         add column tile_index_hash text check (tile_index_hash ~ '^[0-9a-f]{64}$'),
         add constraint revisions_tile_index_hashed check ((tile_index is null) = (tile_index_hash is null))`,
    ]);
  },
};
