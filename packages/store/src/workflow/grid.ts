import { gridOf, type Grid } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { DB } from '../sql/tables';

/** The voxel grid every mask of an item covers: a series volume (x = columns) or a 2D slide region. */
export async function itemGrid(db: Kysely<DB>, itemId: string): Promise<Grid> {
  const row = await db
    .selectFrom('items')
    .leftJoin('series', 'series.id', 'items.series_id')
    .select(['items.kind', 'series.rows', 'series.columns', 'series.slices', 'series.spacing', 'items.region_width', 'items.region_height'])
    .where('items.id', '=', itemId)
    .executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
  return gridOfItemRow(row);
}

/** The columns of an item (and its series) a grid is made from. */
export interface ItemGridRow {
  readonly kind: string;
  readonly rows: number | null;
  readonly columns: number | null;
  readonly slices: number | null;
  readonly spacing: readonly number[] | null;
  readonly region_width: number | null;
  readonly region_height: number | null;
}

/** An item's grid from its row (for callers that read the item with other things in one query). */
export function gridOfItemRow(row: ItemGridRow): Grid {
  // A photo is one image of its series: the same grid, one slice deep.
  if ((row.kind === 'series_volume' || row.kind === 'photo' || row.kind === 'cine_volume') && row.rows && row.columns && row.slices) {
    const spacing = row.spacing ?? [1, 1, 1];
    return gridOf([row.columns, row.rows, row.slices], [spacing[0] ?? 1, spacing[1] ?? 1, spacing[2] ?? 1]);
  }
  if (row.kind === 'slide_region' && row.region_width && row.region_height) return gridOf([row.region_width, row.region_height], [1, 1]);
  throw new DelineateError('DLN_CONFLICT', 'This item has no voxel grid yet');
}
