/**
 * Level of detail for cells, and the cell map drawn zoomed out (pure, so it is tested without a
 * browser). Under a software rasteriser (SwiftShader) a frame costs about half a microsecond per
 * primitive whatever its size: 100,000 one-pixel points took 45 ms, so a whole field of cells as
 * points cannot pan at 30 fps. Zoomed out, cells are therefore painted once into map tiles (one
 * texel of at least one screen pixel per cell, in its class colour) and a frame draws one textured
 * quad per tile; markers (point sprites) take over once a nucleus is a few pixels across, and
 * outlines once it is large enough for its shape to read.
 */
import { FLOATS_PER_CELL, type Box, type CellBuffers } from './cell-pack';

export type CellDetail = 'map' | 'markers' | 'simplified outlines' | 'outlines';

/** Screen pixels a nucleus must span before cells are drawn as markers rather than painted in the map. */
export const MARKERS_FROM_PIXELS = 5;
/** Screen pixels a nucleus must span before its outline is drawn (through at most 8 of its corners at first). */
export const OUTLINES_FROM_PIXELS = 12;
/** Screen pixels a nucleus must span before its outline is drawn through every corner. */
export const FULL_OUTLINES_FROM_PIXELS = 24;
/** Side of a map tile in texels. */
export const TILE_TEXELS = 256;

/** Which representation a typical nucleus of `nucleusPixels` screen pixels is drawn as. */
export function cellDetail(nucleusPixels: number, hasOutlines: boolean): CellDetail {
  if (nucleusPixels < MARKERS_FROM_PIXELS) return 'map';
  if (nucleusPixels < OUTLINES_FROM_PIXELS || !hasOutlines) return 'markers';
  return nucleusPixels < FULL_OUTLINES_FROM_PIXELS ? 'simplified outlines' : 'outlines';
}

/** Marker diameter in screen pixels: the nucleus's size within 4–12 px (6 beside outlines; the map's size for the selected cell). */
export function markerPixels(detail: CellDetail, nucleusPixels: number): number {
  return detail === 'map' || detail === 'markers' ? Math.max(4, Math.min(12, nucleusPixels)) : 6;
}

/**
 * Slide pixels per map texel at `zoom` screen pixels per slide pixel: a power of two putting a
 * texel at 1 to 2 screen pixels, so with nearest sampling every texel (every cell) reaches the
 * screen and a tile serves all zooms up to twice its own.
 */
export function mapTexel(zoom: number): number {
  return 2 ** Math.max(0, Math.ceil(Math.log2(1 / zoom) - 1e-9));
}

export interface MapTile {
  texel: number;
  column: number;
  row: number;
}

/** The tiles (of `texel` slide pixels per texel) meeting `view`. */
export function tilesInView(view: Box, texel: number): MapTile[] {
  const side = TILE_TEXELS * texel;
  const out: MapTile[] = [];
  for (let row = Math.floor(view.y0 / side); row <= Math.floor(view.y1 / side); row++) {
    for (let column = Math.floor(view.x0 / side); column <= Math.floor(view.x1 / side); column++) out.push({ texel, column, row });
  }
  return out;
}

/** The tile's box in origin-relative slide pixels. */
export function tileBox(tile: MapTile): Box {
  const side = TILE_TEXELS * tile.texel;
  return { x0: tile.column * side, y0: tile.row * side, x1: (tile.column + 1) * side, y1: (tile.row + 1) * side };
}

/**
 * Paints the cells meeting `tile` into TILE_TEXELS² RGBA texels, or null when none does. A cell
 * covers its outline's extent in texels and never less than one texel (a point cell, a small cross); nuclei are painted first
 * so point cells (mitotic figures, usually few) stay on top. `palette`: RGB bytes per class.
 */
export function paintTile(cells: CellBuffers, tile: MapTile, palette: Uint8Array): Uint8Array | null {
  const box = tileBox(tile);
  const t = tile.texel;
  let texels: Uint8Array | null = null;
  for (const pass of [0.5, 0]) {
    for (const chunk of cells.chunks) {
      if (chunk.x1 < box.x0 || chunk.x0 >= box.x1 || chunk.y1 < box.y0 || chunk.y0 >= box.y1) continue;
      for (let n = chunk.pointStart; n < chunk.pointStart + chunk.pointCount; n++) {
        const at = n * FLOATS_PER_CELL;
        const kind = cells.points[at + 2]!;
        if (kind % 1 !== pass) continue;
        // A point cell gets a small cross so it stands out among nuclei of one texel.
        const reach = pass === 0 ? 1 : Math.max(0.5, cells.radii[n]! / t);
        const u = (cells.points[at]! - box.x0) / t, v = (cells.points[at + 1]! - box.y0) / t;
        if (u + reach < 0 || v + reach < 0 || u - reach >= TILE_TEXELS || v - reach >= TILE_TEXELS) continue;
        texels ??= new Uint8Array(TILE_TEXELS * TILE_TEXELS * 4);
        paintDisc(texels, u, v, reach, palette, Math.floor(kind) * 3);
      }
    }
  }
  return texels;
}

/** Texels whose centre lies within `reach` of (u, v), and always the texel holding (u, v). */
function paintDisc(texels: Uint8Array, u: number, v: number, reach: number, palette: Uint8Array, colour: number): void {
  const put = (i: number, j: number) => {
    if (i < 0 || j < 0 || i >= TILE_TEXELS || j >= TILE_TEXELS) return;
    const at = (j * TILE_TEXELS + i) * 4;
    texels[at] = palette[colour] ?? 255;
    texels[at + 1] = palette[colour + 1] ?? 255;
    texels[at + 2] = palette[colour + 2] ?? 255;
    texels[at + 3] = 230;
  };
  put(Math.floor(u), Math.floor(v));
  for (let j = Math.floor(v - reach); j <= Math.ceil(v + reach); j++) {
    for (let i = Math.floor(u - reach); i <= Math.ceil(u + reach); i++) {
      if ((i + 0.5 - u) ** 2 + (j + 0.5 - v) ** 2 <= reach * reach) put(i, j);
    }
  }
}
