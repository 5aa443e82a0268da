import type { SlideBox, SlidePolygon } from '@delineate/schema';
import { boxOverlapsPolygon } from './geometry';

/**
 * Square fields of `size` px laid from the region's top-left corner, row by row, cut to the
 * region's bounds, keeping those that overlap the polygon. Row-major order is the order an
 * annotator works through them (field index = position in this list).
 */
export function regionFields(polygon: SlidePolygon, bounds: SlideBox, size: number): SlideBox[] {
  const fields: SlideBox[] = [];
  for (let y = bounds.y; y < bounds.y + bounds.height; y += size) {
    for (let x = bounds.x; x < bounds.x + bounds.width; x += size) {
      const box = { x, y, width: Math.min(size, bounds.x + bounds.width - x), height: Math.min(size, bounds.y + bounds.height - y) };
      if (boxOverlapsPolygon(polygon, box)) fields.push(box);
    }
  }
  return fields;
}
