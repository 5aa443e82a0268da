import { DelineateError } from '@delineate/schema';
import type { Database } from '@delineate/store';

/** Voxels in the grid of an item's volume, which every mask of the item must cover exactly. */
export async function itemVoxelCount(database: Database, itemId: string): Promise<number> {
  const row = await database.db
    .selectFrom('items')
    .leftJoin('series', 'series.id', 'items.series_id')
    .select(['items.kind', 'series.rows', 'series.columns', 'series.slices', 'items.region_width', 'items.region_height'])
    .where('items.id', '=', itemId)
    .executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
  if (row.kind === 'series_volume' && row.rows && row.columns && row.slices) return row.rows * row.columns * row.slices;
  if (row.kind === 'slide_region' && row.region_width && row.region_height) return row.region_width * row.region_height;
  throw new DelineateError('DLN_CONFLICT', 'This item has no voxel grid yet; masks cannot be saved for it');
}
