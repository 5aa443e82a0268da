import { runStatements, type Migration } from '../migration';

/**
 * Tile index deltas (issue 12, save cost): a revision's `tile_index` may hold only what changed
 * since its parent, so a one-tile save stores one entry instead of the whole index.
 * `tile_index_base` is the version of the full index the delta chain starts from (null: this row
 * holds a full index, as every row written before). `tile_index_hash` stays the SHA-256 of the
 * full index, so a resolved chain is checked against it (see `masks/index-delta.ts`).
 */
export const tileIndexDeltas: Migration = {
  id: '0410_tile_index_deltas',
  async up(db) {
    await runStatements(db, [
      `alter table revisions
         add column tile_index_base integer,
         add constraint revisions_tile_index_base_before check (tile_index_base is null or (tile_index is not null and tile_index_base < version))`,
    ]);
  },
};
