import { DelineateError } from '@delineate/schema';
import type { SlidePyramidLayout } from './layout';

/**
 * What a viewer's tile request needs from the stored pyramid: one stored tile as it is
 * (passthrough), or one stored tile re-cut (cropped at a level's edge, or shrunk for a level
 * below the smallest stored one) when the viewer expects another shape.
 */
export type TilePlan =
  | { readonly kind: 'stored'; readonly level: number; readonly column: number; readonly row: number }
  | {
      readonly kind: 'recut';
      readonly level: number;
      readonly column: number;
      readonly row: number;
      readonly crop: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
      readonly shrink: number;
      readonly output: { readonly width: number; readonly height: number };
    };

export function unsupported(message: string): never {
  throw new DelineateError('DLN_SLIDE_REGION_UNSUPPORTED', message);
}

function notFound(): never {
  throw new DelineateError('DLN_SLIDE_TILE_NOT_FOUND', 'No such tile in this slide');
}

/**
 * Stored level k is the 2^k reduction viewers compute (DZI and IIIF round up, converters such as
 * vips round down: either is accepted, the edge differs by at most one pixel) with one square tile size.
 */
export function reductionLevels(layout: SlidePyramidLayout): number {
  const tile = layout.levels[0]!.tileWidth;
  let k = 0;
  for (const level of layout.levels) {
    const f = 2 ** k;
    const fits = (stored: number, full: number): boolean => stored === Math.floor(full / f) || stored === Math.ceil(full / f);
    if (level.tileWidth !== tile || level.tileHeight !== tile || !fits(level.width, layout.width) || !fits(level.height, layout.height)) break;
    k++;
  }
  return k;
}

/**
 * The tile (column, row) of the 2^k reduction, `expected` pixels wide and high as the viewer
 * computes them: passthrough when it is a whole stored tile, else a re-cut.
 */
export function planReducedTile(layout: SlidePyramidLayout, k: number, column: number, row: number, expected: { width: number; height: number }): TilePlan {
  if (!Number.isInteger(k) || k < 0 || expected.width < 1 || expected.height < 1) notFound();
  const levels = reductionLevels(layout);
  if (levels === 0) unsupported('This slide pyramid does not step by 2× with square tiles');
  if (k < levels) {
    const level = layout.levels[k]!;
    if (column < 0 || row < 0 || column >= level.columns || row >= level.rows) notFound();
    if (expected.width === level.tileWidth && expected.height === level.tileHeight) return { kind: 'stored', level: k, column, row };
    return { kind: 'recut', level: k, column, row, crop: { x: 0, y: 0, width: expected.width, height: expected.height }, shrink: 1, output: expected };
  }
  // Below the smallest stored level: shrink its single tile (converters stop at one tile).
  const smallest = levels - 1;
  const level = layout.levels[smallest]!;
  if (level.columns !== 1 || level.rows !== 1) unsupported('This slide has no stored level small enough for the request');
  if (column !== 0 || row !== 0) notFound();
  return {
    kind: 'recut',
    level: smallest,
    column: 0,
    row: 0,
    crop: { x: 0, y: 0, width: level.width, height: level.height },
    shrink: 2 ** (k - smallest),
    output: expected,
  };
}
