import { describe, expect, it } from 'vitest';
import { CHUNK_PIXELS, chunkDraws, COARSE_OUTLINE_CORNERS, chunksInView, drawRanges, MAX_CLASSES, MAX_DRAW_VERTICES, packCells, rgb, viewOf } from './cell-pack';
import { personCell } from './test-cells';

const cell = personCell;

describe('cells packed for the GPU', () => {
  it('puts each cell relative to the origin with its class (nuclei marked as rings), its id and its outline radius', () => {
    const classes = new Map([['nucleus', 0], ['mitotic_figure', 1]]);
    const square: [number, number][] = [[1000, 2000], [1010, 2000], [1010, 2010]];
    const b = packCells([cell(1, 'mitotic_figure', 1005, 2003), cell(2, 'nucleus', 1004, 2006, square), cell(3, 'unknown', 1000, 2000)], classes, [1000, 2000]);
    expect(b.count).toBe(3);
    expect([...b.points]).toEqual([5, 3, 1, 4, 6, 0.5, 0, 0, MAX_CLASSES - 1]);
    expect([...b.ids]).toEqual([1, 2, 3]);
    // Half the larger side of the outline's box around the centroid; a point cell has none.
    expect([...b.radii]).toEqual([0, 6, 0]);
    // One segment per polygon edge, the last closing it.
    expect([...b.lines]).toEqual([0, 0, 10, 0, 10, 0, 10, 10, 10, 10, 0, 0]);
    expect([...b.lineClasses]).toEqual([0, 0, 0, 0, 0, 0]);
    // A triangle has fewer corners than a simplified outline keeps: the same segments.
    expect([...b.coarseLines]).toEqual([...b.lines]);
  });

  it('simplifies an outline of many corners to COARSE_OUTLINE_CORNERS evenly spaced ones, still closed', () => {
    const sixteen = Array.from({ length: 16 }, (_, v): [number, number] => [100 + Math.round(10 * Math.cos((Math.PI * v) / 8)), 100 + Math.round(10 * Math.sin((Math.PI * v) / 8))]);
    const b = packCells([cell(1, 'nucleus', 100, 100, sixteen)], new Map([['nucleus', 2]]), [0, 0]);
    expect(b.lines.length / 4).toBe(16);
    expect(b.coarseLines.length / 4).toBe(COARSE_OUTLINE_CORNERS);
    const kept = Array.from({ length: COARSE_OUTLINE_CORNERS }, (_, i) => sixteen[2 * i]!);
    const segments = kept.flatMap((a, i) => [...a, ...kept[(i + 1) % kept.length]!]);
    expect([...b.coarseLines]).toEqual(segments);
    expect([...b.coarseLineClasses]).toEqual(new Array(2 * COARSE_OUTLINE_CORNERS).fill(2));
    expect(b.chunks[0]).toMatchObject({ lineStart: 0, lineCount: 32, coarseStart: 0, coarseCount: 2 * COARSE_OUTLINE_CORNERS });
  });

  it('keeps sub-pixel precision far out on a large slide', () => {
    const b = packCells([cell(1, 'a', 99_999, 99_998)], new Map([['a', 0]]), [99_000, 99_000]);
    expect([b.points[0], b.points[1]]).toEqual([999, 998]);
    expect(rgb('#ff8000')).toEqual([1, 128 / 255, 0]);
  });

  it('packs 100,000 nuclei in spatial chunks, contiguous in the buffers, and draws only those in view in bounded calls', () => {
    const hexagon: [number, number][] = [[-4, 0], [-2, -3], [2, -3], [4, 0], [2, 3], [-2, 3]];
    const cells = Array.from({ length: 100_000 }, (_, i) => {
      const x = (i % 400) * 50 + 10, y = Math.floor(i / 400) * 50 + 10;
      return cell(i + 1, 'nucleus', x, y, hexagon.map(([dx, dy]) => [x + dx, y + dy] as [number, number]));
    });
    const b = packCells(cells, new Map([['nucleus', 0]]), [0, 0]);
    // Centroids up to (19,960, 12,460) px in 128 px chunks: 156 × 98.
    expect(b.chunks).toHaveLength(156 * 98);
    expect(b.chunks.reduce((n, c) => n + c.pointCount, 0)).toBe(100_000);
    expect(b.chunks.reduce((n, c) => n + c.lineCount, 0)).toBe(b.lines.length / 2);
    for (const [i, c] of b.chunks.entries()) {
      const next = b.chunks[i + 1];
      if (next) expect([next.pointStart, next.lineStart]).toEqual([c.pointStart + c.pointCount, c.lineStart + c.lineCount]);
      let outside = 0;
      for (let k = c.pointStart; k < c.pointStart + c.pointCount; k++) {
        const [x, y] = [b.points[3 * k]!, b.points[3 * k + 1]!];
        if (!(x >= c.x0 && x <= c.x1 && y >= c.y0 && y <= c.y1)) outside++;
      }
      expect(outside).toBe(0);
    }
    // A 40× view of 1600 × 1000 px meets at most 14 × 9 chunks, drawn row by row; its draws stay bounded.
    const t = { a: 1, b: 0, c: 0, d: 1, e: -5000, f: -3000 };
    const view = viewOf(t, 1600, 1000);
    expect(view).toEqual({ x0: 5000, y0: 3000, x1: 6600, y1: 4000 });
    const visible = chunksInView(b.chunks, view);
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.length).toBeLessThanOrEqual(14 * 9);
    for (const c of visible) expect(c.x1 >= 5000 - CHUNK_PIXELS && c.x0 <= 6600).toBe(true);
    const rows = new Set(visible.map((c) => Math.floor(c.y0 / CHUNK_PIXELS))).size;
    const pointDraws = chunkDraws(visible, 'points');
    expect(pointDraws).toHaveLength(rows);
    expect(pointDraws.reduce((n, [, count]) => n + count, 0)).toBe(visible.reduce((n, c) => n + c.pointCount, 0));
    expect(chunkDraws(visible, 'lines').reduce((n, [, count]) => n + count, 0)).toBe(visible.reduce((n, c) => n + c.lineCount, 0));
    expect(chunkDraws(visible, 'coarse lines').reduce((n, [, count]) => n + count, 0)).toBe(visible.reduce((n, c) => n + c.coarseCount, 0));
    const all = chunkDraws(b.chunks, 'lines');
    // Every chunk is adjacent to the next, so all outlines merge into draws as large as allowed, in whole segments.
    expect(all.slice(0, -1).every(([, n]) => n === MAX_DRAW_VERTICES)).toBe(true);
    expect(all.reduce((n, [, count]) => n + count, 0)).toBe(b.lines.length / 2);
    expect(drawRanges(10, 150_000, 2)).toEqual([[10, 65_536], [65_546, 65_536], [131_082, 18_928]]);
  });
});
