import type { Kysely } from 'kysely';
import { DelineateError } from '@delineate/schema';
import type { SlideInfo, SlideLevel } from '@delineate/wsi';
import type { DB } from '../sql/tables';

/**
 * What a slide item shows (the tile server's and the workspace's input): its converted pyramid
 * and the pixel size and objective read from the source at ingest. DLN_NOT_FOUND for an item that
 * is not a slide.
 */
export async function slideInfoForItem(db: Kysely<DB>, itemId: string): Promise<SlideInfo & { readonly slideId: string }> {
  const row = await db
    .selectFrom('items')
    .innerJoin('slides', 'slides.id', 'items.slide_id')
    .select(['slides.id', 'slides.width', 'slides.height', 'slides.tile_width', 'slides.tile_height', 'slides.levels', 'slides.mpp', 'slides.mpp_y', 'slides.magnification', 'slides.pyramid_hash'])
    .where('items.id', '=', itemId)
    .executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Slide not found');
  const levels = (typeof row.levels === 'string' ? JSON.parse(row.levels) : row.levels) as SlideLevel[];
  return {
    slideId: row.id,
    width: row.width,
    height: row.height,
    tileWidth: row.tile_width,
    tileHeight: row.tile_height,
    levels,
    mppX: row.mpp,
    mppY: row.mpp_y ?? row.mpp,
    magnification: row.magnification,
    pyramidHash: row.pyramid_hash,
  };
}
