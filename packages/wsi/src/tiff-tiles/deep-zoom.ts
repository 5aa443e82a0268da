import type { SlidePyramidLayout } from './layout';
import { planReducedTile, reductionLevels, unsupported, type TilePlan } from './tile-plan';

/**
 * Deep Zoom numbers levels from 1×1 pixel (level 0) up to full resolution (level max =
 * ceil(log2(max(width, height)))), each level ceil(full / 2^(max − level)) wide. With the stored
 * tile size as TileSize and no overlap, DZI level max − k is stored level k tile for tile.
 */
export function deepZoomMaxLevel(layout: SlidePyramidLayout): number {
  return Math.ceil(Math.log2(Math.max(layout.width, layout.height)));
}

export function deepZoomDescriptor(layout: SlidePyramidLayout): string {
  if (reductionLevels(layout) === 0) unsupported('This slide pyramid does not step by 2× with square tiles');
  const tile = layout.levels[0]!.tileWidth;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="jpeg" Overlap="0" TileSize="${tile}">` +
    `<Size Width="${layout.width}" Height="${layout.height}"/></Image>\n`
  );
}

export function planDeepZoomTile(layout: SlidePyramidLayout, dzLevel: number, column: number, row: number): TilePlan {
  const max = deepZoomMaxLevel(layout);
  const k = max - dzLevel;
  if (!Number.isInteger(dzLevel) || dzLevel < 0 || k < 0) return planReducedTile(layout, -1, column, row, { width: 0, height: 0 });
  const tile = layout.levels[0]!.tileWidth;
  const width = Math.ceil(layout.width / 2 ** k);
  const height = Math.ceil(layout.height / 2 ** k);
  const expected = { width: Math.min(tile, width - column * tile), height: Math.min(tile, height - row * tile) };
  if (expected.width < 1 || expected.height < 1) return planReducedTile(layout, -1, column, row, expected);
  return planReducedTile(layout, k, column, row, expected);
}
