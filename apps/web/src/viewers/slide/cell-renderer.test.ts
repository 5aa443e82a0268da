import { describe, expect, it } from 'vitest';
import type { Cell } from '@delineate/schema';
import { MAX_CLASSES, packCells, rgb } from './cell-renderer';

const cell = (id: number, classKey: string, x: number, y: number, polygon?: [number, number][]): Cell => ({
  id,
  classKey,
  x,
  y,
  ...(polygon ? { polygon } : {}),
  authorId: null,
  source: { kind: 'person' },
  reviewStatus: 'unreviewed',
});

describe('cells packed for the GPU', () => {
  it('puts each cell relative to the origin with its class (nuclei marked as rings) and the selection', () => {
    const classes = new Map([['nucleus', 0], ['mitotic_figure', 1]]);
    const square: [number, number][] = [[1000, 2000], [1010, 2000], [1010, 2010]];
    const b = packCells([cell(1, 'mitotic_figure', 1005, 2003), cell(2, 'nucleus', 1004, 2006, square), cell(3, 'unknown', 1000, 2000)], classes, [1000, 2000], 2);
    expect(b.count).toBe(3);
    expect([...b.points]).toEqual([5, 3, 1, 0, 4, 6, 0.5, 1, 0, 0, MAX_CLASSES - 1, 0]);
    // One segment per polygon edge, the last closing it.
    expect([...b.lines]).toEqual([0, 0, 10, 0, 10, 0, 10, 10, 10, 10, 0, 0]);
    expect([...b.lineClasses]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('keeps sub-pixel precision far out on a large slide', () => {
    const b = packCells([cell(1, 'a', 99_999, 99_998)], new Map([['a', 0]]), [99_000, 99_000], null);
    expect([b.points[0], b.points[1]]).toEqual([999, 998]);
    expect(rgb('#ff8000')).toEqual([1, 128 / 255, 0]);
  });
});
