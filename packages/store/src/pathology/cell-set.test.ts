import { describe, expect, it } from 'vitest';
import type { CellClass } from '@delineate/schema';
import { applyCellEdits } from './cell-set';

const classes: CellClass[] = [
  { key: 'nucleus', name: 'Nucleus', colour: '#1f77b4', shape: 'polygon', matchRadiusUm: 4 },
  { key: 'mitotic_figure', name: 'Mitotic figure', colour: '#d62728', shape: 'point', matchRadiusUm: 4 },
  { key: 'mitotic_lookalike', name: 'Mitotic look-alike', colour: '#ff7f0e', shape: 'point', lookAlikeOf: 'mitotic_figure', matchRadiusUm: 4 },
];
const ctx = { authorId: '00000000-0000-4000-8000-000000000001', classes, polygon: [[0, 0], [100, 0], [100, 100], [0, 100]] as Array<[number, number]> };
const square = (x: number, y: number): Array<[number, number]> => [[x - 2, y - 2], [x + 2, y - 2], [x + 2, y + 2], [x - 2, y + 2]];

describe('batch cell edits', () => {
  it('adds with new ids, moves outlines with their centre, reclassifies (resetting review), reviews and deletes', () => {
    const added = applyCellEdits([], 1, [
      { op: 'add', cell: { classKey: 'nucleus', x: 10, y: 10, polygon: square(10, 10) } },
      { op: 'add', cell: { classKey: 'mitotic_figure', x: 50, y: 50, source: { kind: 'model', model: 'mitosis-net', version: '2.1' } } },
      { op: 'add', cell: { classKey: 'mitotic_figure', x: 60, y: 60 } },
    ], ctx);
    expect(added.added).toEqual([1, 2, 3]);
    expect(added.nextId).toBe(4);
    const edited = applyCellEdits(added.cells, added.nextId, [
      { op: 'move', id: 1, dx: 5, dy: -3 },
      { op: 'review', id: 2, reviewStatus: 'accepted' },
      { op: 'reclassify', id: 3, classKey: 'mitotic_lookalike' },
      { op: 'delete', id: 2 },
    ], ctx);
    expect(edited.cells).toEqual([
      { id: 1, classKey: 'nucleus', x: 15, y: 7, polygon: square(15, 7), authorId: ctx.authorId, source: { kind: 'person' }, reviewStatus: 'unreviewed' },
      { id: 3, classKey: 'mitotic_lookalike', x: 60, y: 60, authorId: ctx.authorId, source: { kind: 'person' }, reviewStatus: 'unreviewed' },
    ]);
    // Ids are never reused after a delete.
    expect(applyCellEdits(edited.cells, edited.nextId, [{ op: 'add', cell: { classKey: 'mitotic_figure', x: 1, y: 1 } }], ctx).added).toEqual([4]);
  });

  it('refuses the whole batch for an unknown id, a wrong shape or a move out of the region', () => {
    const base = applyCellEdits([], 1, [{ op: 'add', cell: { classKey: 'mitotic_figure', x: 50, y: 50 } }], ctx);
    expect(() => applyCellEdits(base.cells, 2, [{ op: 'delete', id: 9 }], ctx)).toThrow(expect.objectContaining({ code: 'DLN_PATHOLOGY_CELL_UNKNOWN' }));
    expect(() => applyCellEdits(base.cells, 2, [{ op: 'add', cell: { classKey: 'nucleus', x: 5, y: 5 } }], ctx)).toThrow(expect.objectContaining({ code: 'DLN_PATHOLOGY_CELL_INVALID' }));
    expect(() => applyCellEdits(base.cells, 2, [{ op: 'reclassify', id: 1, classKey: 'nucleus' }], ctx)).toThrow(expect.objectContaining({ code: 'DLN_PATHOLOGY_CELL_INVALID' }));
    expect(() => applyCellEdits(base.cells, 2, [{ op: 'move', id: 1, dx: 60, dy: 0 }], ctx)).toThrow(expect.objectContaining({ code: 'DLN_PATHOLOGY_EDIT_OUTSIDE_REGION' }));
    expect(() => applyCellEdits(base.cells, 2, [{ op: 'add', cell: { classKey: 'unknown', x: 5, y: 5 } }], ctx)).toThrow(expect.objectContaining({ code: 'DLN_PATHOLOGY_CELL_INVALID' }));
  });
});
