import { runStatements, type Migration } from '../migration';

/**
 * The voxel grid of a series volume: masks are validated against it and exported with it.
 * Rows and columns per slice, slice count, spacing in mm (column, row, slice), the position of
 * the first voxel centre and the direction cosines (row, column, normal) in patient space.
 */
export const seriesGeometry: Migration = {
  id: '0020_series_geometry',
  async up(db) {
    await runStatements(db, [
      `alter table series
         add column rows integer check (rows > 0),
         add column columns integer check (columns > 0),
         add column slices integer check (slices > 0),
         add column spacing double precision[] check (spacing is null or (array_length(spacing, 1) = 3)),
         add column origin double precision[] check (origin is null or (array_length(origin, 1) = 3)),
         add column direction double precision[] check (direction is null or (array_length(direction, 1) = 9))`,
    ]);
  },
};
