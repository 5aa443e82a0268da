import { describe, expect, it } from 'vitest';
import type { Cell } from '@delineate/schema';
import { mulberry32 } from '../workflow/sampling';
import { decodeCells, encodeCells } from './cell-codec';
import { CellGridIndex } from './cell-index';
import { cellAt, cellsOf, columnsOf } from './cell-set';
import { pointInPolygon } from './geometry';

const classes = ['nucleus', 'mitotic_figure', 'mitotic_lookalike'];

/** n nuclei on a jittered lattice (14 px apart, radius 4–6 px, 12–16 vertices), every 50th a mitotic point. */
function syntheticCells(n: number, seed = 1): Cell[] {
  const random = mulberry32(seed);
  const across = Math.ceil(Math.sqrt(n));
  return Array.from({ length: n }, (_, i): Cell => {
    const x = 100 + (i % across) * 14 + Math.floor(random() * 3);
    const y = 100 + Math.floor(i / across) * 14 + Math.floor(random() * 3);
    const base = { id: i + 1, x, y, authorId: i % 3 === 0 ? null : `00000000-0000-4000-8000-00000000000${i % 3}`, reviewStatus: (['unreviewed', 'accepted', 'rejected'] as const)[i % 3]! };
    if (i % 50 === 49) return { ...base, classKey: i % 100 === 99 ? 'mitotic_lookalike' : 'mitotic_figure', source: { kind: 'person' } };
    const k = 12 + (i % 5);
    const r = 4 + random() * 2;
    const polygon = Array.from({ length: k }, (_, v): [number, number] => [x + Math.round(r * Math.cos((2 * Math.PI * v) / k)), y + Math.round(r * Math.sin((2 * Math.PI * v) / k))]);
    return { ...base, classKey: 'nucleus', polygon, source: i % 2 ? { kind: 'person' } : { kind: 'model', model: 'hovernet', version: '1.0.2' } };
  });
}

describe('columnar cell sets', () => {
  it('encodes 100,000 nuclei under 10 MB and round-trips them exactly', { timeout: 180_000 }, () => {
    const cells = syntheticCells(100_000);
    const bytes = encodeCells(columnsOf(cells, classes, 100_001));
    expect(bytes.length).toBeLessThan(10 * 1024 * 1024);
    const decoded = decodeCells(bytes);
    expect(decoded.count).toBe(100_000);
    expect(decoded.nextId).toBe(100_001);
    // Compared as JSON text: a deep equality of 100,000 objects takes minutes in the matcher.
    const canonical = (list: readonly Cell[]) => JSON.stringify(list.map((c) => [c.id, c.classKey, c.x, c.y, c.polygon ?? null, c.authorId, c.source, c.reviewStatus]));
    expect(canonical(cellsOf(decoded)) === canonical(cells)).toBe(true);
    // And again: the same cells give the same bytes.
    expect(Buffer.compare(encodeCells(decoded), bytes)).toBe(0);
  });

  it('refuses damaged bytes with a coded error', () => {
    const bytes = encodeCells(columnsOf(syntheticCells(10), classes, 11));
    expect(() => decodeCells(bytes.subarray(0, bytes.length - 8))).toThrow(expect.objectContaining({ code: 'DLN_PATHOLOGY_CELL_INVALID' }));
    const wrongClass = bytes.slice();
    // The class column sits before the last (review) column of 10 bytes, padded to 12.
    wrongClass[wrongClass.length - 12 - 12] = 9;
    expect(() => decodeCells(wrongClass)).toThrow(expect.objectContaining({ code: 'DLN_PATHOLOGY_CELL_INVALID' }));
    expect(() => decodeCells(new TextEncoder().encode('{"type":"FeatureCollection"}'))).toThrow(expect.objectContaining({ code: 'DLN_PATHOLOGY_CELL_INVALID' }));
  });
});

describe('the cell grid index', () => {
  const cells = syntheticCells(1_500, 7);
  const columns = decodeCells(encodeCells(columnsOf(cells, classes, 1_501)));
  const index = new CellGridIndex(columns);

  /** Brute force: every cell containing the point (or point cell within tolerance), nearest centroid, lower id on ties. */
  function bruteForcePick(px: number, py: number, tolerance: number): number {
    let best = -1, bestD = Infinity;
    cells.forEach((c, i) => {
      const hit = c.polygon ? pointInPolygon(c.polygon, px, py) : (px - c.x) ** 2 + (py - c.y) ** 2 <= tolerance ** 2;
      const d = (px - c.x) ** 2 + (py - c.y) ** 2;
      if (hit && (d < bestD || (d === bestD && c.id < cells[best]!.id))) {
        best = i;
        bestD = d;
      }
    });
    return best;
  }

  it('picks the same cell as a brute-force search, at centres, edges and in gaps', { timeout: 120_000 }, () => {
    const random = mulberry32(3);
    let hits = 0;
    for (let k = 0; k < 300; k++) {
      const target = cells[Math.floor(random() * cells.length)]!;
      const px = target.x + (random() * 16 - 8), py = target.y + (random() * 16 - 8);
      const expected = bruteForcePick(px, py, 6);
      expect(index.pick(px, py, 6), `at ${px}, ${py}`).toBe(expected);
      if (expected >= 0) hits++;
    }
    expect(hits).toBeGreaterThan(60);
    expect(index.pick(-500, -500)).toBe(-1);
    const mitosis = cells.findIndex((c) => !c.polygon);
    expect(cellAt(columns, index.pick(cells[mitosis]!.x + 3, cells[mitosis]!.y + 3, 6)).classKey).toMatch(/^mitotic/);
  });

  it('returns exactly the cells whose extent meets a viewport', () => {
    const box = { x0: 200, y0: 250, x1: 400, y1: 400 };
    const expected = cells
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => {
        const xs = [c.x, ...(c.polygon ?? []).map((p) => p[0])], ys = [c.y, ...(c.polygon ?? []).map((p) => p[1])];
        return Math.max(...xs) >= box.x0 && Math.min(...xs) <= box.x1 && Math.max(...ys) >= box.y0 && Math.min(...ys) <= box.y1;
      })
      .map(({ i }) => i);
    expect(expected.length).toBeGreaterThan(50);
    expect(index.within(box.x0, box.y0, box.x1, box.y1)).toEqual(expected);
  });
});
