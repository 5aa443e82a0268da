import type { ManifestSlideRegion } from '@delineate/schema';
import type { Kysely } from 'kysely';
import { pathologyDb } from '../pathology/tables';
import type { DB } from '../sql/tables';
import type { ReleaseCandidate } from './selection';

/**
 * A pathology region item as a release sees it (issue 17): one image of the region's bounding
 * box in full-resolution pixels, spaced by the slide's pixel size (mm, as series geometry is),
 * placed at the box's corner. Null for a slide item that is not a region (a whole slide's mask
 * is not held whole in memory, so whole slides are not released as images).
 */
export async function slideRegionPlacement(
  db: Kysely<DB>,
  projectId: string,
  itemId: string,
): Promise<{ geometry: ReleaseCandidate['geometry']; slide: ManifestSlideRegion } | null> {
  const row = await pathologyDb(db)
    .selectFrom('pathology_regions as r')
    .innerJoin('items as i', 'i.id', 'r.item_id')
    .innerJoin('slides as s', 's.id', 'i.slide_id')
    .leftJoin('deid_records as d', (j) => j.onRef('d.output_hash', '=', 's.pyramid_hash').on('d.project_id', '=', projectId).on('d.status', '=', 'passed'))
    .select(['r.id', 'r.slide_item_id', 'r.slide_mpp', 's.id as slide_id', 's.mpp_y', 's.source_format', 'i.region_x', 'i.region_y', 'i.region_width', 'i.region_height', 'd.id as deid_id'])
    .where('r.item_id', '=', itemId)
    .orderBy('d.created_at')
    .executeTakeFirst();
  if (!row || !row.region_width || !row.region_height) return null;
  const mppX = row.slide_mpp, mppY = row.mpp_y ?? row.slide_mpp;
  const bounds = { x: row.region_x ?? 0, y: row.region_y ?? 0, width: row.region_width, height: row.region_height };
  return {
    geometry: {
      dims: [bounds.width, bounds.height, 1],
      spacing: [mppX / 1000, mppY / 1000, 1],
      origin: [(bounds.x * mppX) / 1000, (bounds.y * mppY) / 1000, 0],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    },
    slide: { regionId: row.id, slideItemId: row.slide_item_id, slideId: row.slide_id, bounds, mppX, mppY, sourceFormat: row.source_format, deidRecordId: row.deid_id },
  };
}
