import { runStatements, type Migration } from '../migration';

/**
 * Slide tile serving (issue 16): each converted slide keeps, beside its pyramid blob, a tile
 * index blob (layout and SHA-256 of every tile), so ranged reads of the encrypted pyramid are
 * verified tile by tile. Null for a slide registered before it; such a slide is not served.
 */
export const slideTileIndex: Migration = {
  id: '0770_slide_tile_index',
  up: (db) =>
    runStatements(db, [`alter table slides add column tile_index_hash text check (tile_index_hash is null or tile_index_hash ~ '^[0-9a-f]{64}$')`]),
};
