import { describe, expect, it } from 'vitest';
import type { Cell } from '@delineate/schema';
import { cellDetail, mapTexel, markerPixels, paintTile, tileBox, tilesInView, TILE_TEXELS } from './cell-map';
import { packCells } from './cell-pack';
import { personCell } from './test-cells';

const cell = personCell;

/** A nucleus of radius 5 (a 12-gon) at (x, y). */
const nucleus = (id: number, x: number, y: number) =>
  cell(id, 'nucleus', x, y, Array.from({ length: 12 }, (_, v): [number, number] => [x + Math.round(5 * Math.cos((Math.PI * v) / 6)), y + Math.round(5 * Math.sin((Math.PI * v) / 6))]));

const classes = new Map([['nucleus', 0], ['mitotic_figure', 1]]);
const palette = Uint8Array.from([10, 20, 30, 200, 0, 0]);

const texelAt = (texels: Uint8Array, i: number, j: number) => [...texels.subarray((j * TILE_TEXELS + i) * 4, (j * TILE_TEXELS + i) * 4 + 4)];

describe('level of detail for cells', () => {
  it('paints a nucleus under 5 screen pixels into the map, draws markers up to 12 px, then outlines where there are any (simplified up to 24 px)', () => {
    expect([0.5, 3, 4.99].map((px) => cellDetail(px, true))).toEqual(['map', 'map', 'map']);
    expect([5, 10, 11.99].map((px) => cellDetail(px, true))).toEqual(['markers', 'markers', 'markers']);
    expect([12, 23.9].map((px) => cellDetail(px, true))).toEqual(['simplified outlines', 'simplified outlines']);
    expect([24, 30, 400].map((px) => cellDetail(px, true))).toEqual(['outlines', 'outlines', 'outlines']);
    // Point cells only: markers however far in.
    expect(cellDetail(30, false)).toBe('markers');
    expect([markerPixels('markers', 5), markerPixels('markers', 10), markerPixels('markers', 11.9), markerPixels('outlines', 40), markerPixels('simplified outlines', 12), markerPixels('map', 1)]).toEqual([5, 10, 11.9, 6, 6, 4]);
  });

  it('chooses map texels of one to two screen pixels, so every texel reaches the screen', () => {
    expect([0.3, 0.5, 0.25, 0.1, 1, 3].map(mapTexel)).toEqual([4, 2, 4, 16, 1, 1]);
    for (let zoom = 0.001; zoom <= 1; zoom *= 1.07) {
      const screen = mapTexel(zoom) * zoom;
      expect(screen).toBeGreaterThanOrEqual(1 - 1e-9);
      expect(screen).toBeLessThan(2);
    }
  });

  it('finds the map tiles covering a view', () => {
    const side = TILE_TEXELS * 4;
    const tiles = tilesInView({ x0: -10, y0: 0, x1: side + 1, y1: side - 1 }, 4);
    expect(tiles.map((t) => [t.column, t.row])).toEqual([[-1, 0], [0, 0], [1, 0]]);
    expect(tileBox({ texel: 4, column: 1, row: 2 })).toEqual({ x0: side, y0: 2 * side, x1: 2 * side, y1: 3 * side });
  });
});

describe('the cell map', () => {
  it('paints every cell at least one texel in its class colour, point cells on top, and nothing for an empty tile', () => {
    const cells: Cell[] = [];
    // Nuclei 14 px apart as in the benchmark (the last columns beyond the first tile at one pixel a texel), with a mitotic figure between two of them.
    for (let i = 0; i < 400; i++) cells.push(nucleus(i + 1, 20 + (i % 20) * 14, 20 + Math.floor(i / 20) * 14));
    cells.push(cell(999, 'mitotic_figure', 27, 20));
    const packed = packCells(cells, classes, [0, 0]);
    for (const texel of [1, 2, 4, 8, 16]) {
      const texels = paintTile(packed, { texel, column: 0, row: 0 }, palette)!;
      for (const c of cells.filter((c) => c.x < TILE_TEXELS * texel && c.y < TILE_TEXELS * texel)) {
        expect(texelAt(texels, Math.floor(c.x / texel), Math.floor(c.y / texel))[3]).toBe(230);
      }
      // The mitotic figure keeps its own colour over the nuclei around it.
      expect(texelAt(texels, Math.floor(27 / texel), Math.floor(20 / texel))).toEqual([200, 0, 0, 230]);
      // Beyond the cells (which end 300 px in) the tile stays clear.
      if (texel > 1) expect(texelAt(texels, TILE_TEXELS - 1, TILE_TEXELS - 1)).toEqual([0, 0, 0, 0]);
    }
    // At one slide pixel a texel, a nucleus covers its outline's disc: 5 px from the centre, not 7.
    const fine = paintTile(packed, { texel: 1, column: 0, row: 0 }, palette)!;
    expect(texelAt(fine, 20 + 4, 20)).toEqual([10, 20, 30, 230]);
    expect(texelAt(fine, 34 - 7, 34)).toEqual([0, 0, 0, 0]);
    expect(paintTile(packed, { texel: 1, column: 3, row: 0 }, palette)).toBeNull();
  });

  it('paints a cell across a tile edge into both tiles', () => {
    const side = TILE_TEXELS * 2;
    const packed = packCells([nucleus(1, side, 100)], classes, [0, 0]);
    const left = paintTile(packed, { texel: 2, column: 0, row: 0 }, palette)!;
    const right = paintTile(packed, { texel: 2, column: 1, row: 0 }, palette)!;
    expect(texelAt(left, TILE_TEXELS - 1, 50)).toEqual([10, 20, 30, 230]);
    expect(texelAt(right, 0, 50)).toEqual([10, 20, 30, 230]);
  });
});
