import { tileExtent, tileVoxels, walkRle8Runs, type Tile, type TileGrid } from '@delineate/core';
import { DelineateError, type SlideRegion } from '@delineate/schema';
import { insideSpans } from './geometry';
import { zoomRefusal } from './magnification';

/**
 * The server's side of a slide task's tool rules (issue 17 §1): a mask save made outside the
 * task's zoom band, or painting a label outside the region's polygon, is refused before anything
 * is stored. `magnification` is the viewer's magnification at the edit, which the client sends.
 */
export function assertRegionEdit(region: SlideRegion, magnification: number | undefined, grid: TileGrid, tiles: readonly Tile[]): void {
  const target = region.template.magnification;
  if (magnification === undefined) {
    throw new DelineateError('DLN_PATHOLOGY_ZOOM_OUT_OF_BAND', `A save in this ${target}× task must say the magnification it was made at`, { target });
  }
  const refusal = zoomRefusal(region.zoomBand, target, magnification);
  if (refusal) throw new DelineateError('DLN_PATHOLOGY_ZOOM_OUT_OF_BAND', refusal, { target, magnification, min: region.zoomBand.min, max: region.zoomBand.max });
  const spans = new Map<number, Array<[number, number]>>();
  const spansOf = (y: number) => {
    let s = spans.get(y);
    if (!s) spans.set(y, (s = insideSpans(region.polygon, y)));
    return s;
  };
  for (const tile of tiles) {
    const { width } = tileExtent(grid, tile.position);
    const ox = region.bounds.x + tile.position.tileColumn * grid.tileSize;
    const oy = region.bounds.y + tile.position.tileRow * grid.tileSize;
    let outside = false;
    walkRle8Runs(tile.runs, tileVoxels(grid, tile.position), (value, start, length) => {
      if (value === 0 || outside) return;
      // A run may wrap over several rows of the tile: check it row piece by row piece.
      for (let i = start; i < start + length && !outside; ) {
        const row = Math.floor(i / width), col = i % width;
        const end = Math.min(start + length, (row + 1) * width);
        const x0 = ox + col, x1 = ox + col + (end - i);
        if (!spansOf(oy + row).some(([a, b]) => x0 >= a && x1 <= b)) outside = true;
        i = end;
      }
    });
    if (outside) throw new DelineateError('DLN_PATHOLOGY_EDIT_OUTSIDE_REGION', "Painting reaches outside the task's region; only the region can be painted");
  }
}
