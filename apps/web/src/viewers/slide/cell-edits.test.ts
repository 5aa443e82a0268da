import { describe, expect, it } from 'vitest';
import type { Cell, CellEdit } from '@delineate/schema';
import { CellEdits } from './cell-edits';
import { personCell } from './test-cells';

const stored = (id: number, x: number, y: number, classKey = 'mitotic_figure', polygon?: [number, number][]): Cell => personCell(id, classKey, x, y, polygon);

describe('cell edits in the viewer', () => {
  it('queues one batch: edits of saved cells as edits, edits of unsaved cells folded into their add', async () => {
    const cells = new CellEdits(3, 'me');
    cells.merge(3, [stored(1, 100, 100), stored(2, 300, 300)]);
    const a = cells.add('mitotic_figure', 500.4, 500.6);
    const b = cells.add('mitotic_figure', 700, 700);
    cells.move(a.id, 10, -5);
    cells.reclassify(a.id, 'mitotic_lookalike');
    cells.remove(b.id);
    cells.move(1, 2, 3);
    cells.reclassify(2, 'mitotic_lookalike');
    cells.remove(2);
    let sent: { version: number; edits: readonly CellEdit[] } | null = null;
    const saved = await cells.save(async (version, edits) => {
      sent = { version, edits: [...edits] };
      return { version: 4, added: [9] };
    });
    expect(saved).toBe(true);
    expect(sent).toEqual({
      version: 3,
      edits: [
        { op: 'add', cell: { classKey: 'mitotic_lookalike', x: 510, y: 496 } },
        { op: 'move', id: 1, dx: 2, dy: 3 },
        { op: 'reclassify', id: 2, classKey: 'mitotic_lookalike' },
        { op: 'delete', id: 2 },
      ],
    });
    // The unsaved cell took the server's id; nothing is pending and the version moved on.
    expect([...cells.cells.keys()].sort()).toEqual([1, 9]);
    expect(cells.cells.get(9)).toMatchObject({ x: 510, y: 496, classKey: 'mitotic_lookalike' });
    expect([cells.version, cells.pendingCount]).toEqual([4, 0]);
    expect(await cells.save(() => Promise.reject(new Error('not called')))).toBe(false);
  });

  it('keeps the batch when the save fails, to send again', async () => {
    const cells = new CellEdits(0, 'me');
    cells.add('mitotic_figure', 10, 10);
    await expect(cells.save(() => Promise.reject(new Error('412')))).rejects.toThrow('412');
    expect(cells.pendingCount).toBe(1);
    const again = await cells.save(async (version, edits) => ({ version: version + 1, added: edits.map((_, k) => k + 1) }));
    expect([again, cells.version, [...cells.cells.keys()]]).toEqual([true, 1, [1]]);
  });

  it('picks the nucleus containing the pointer, else the nearest point within the tolerance', () => {
    const cells = new CellEdits(1, 'me');
    const square: [number, number][] = [[200, 200], [240, 200], [240, 240], [200, 240]];
    cells.merge(1, [stored(1, 100, 100), stored(2, 106, 100), stored(3, 220, 220, 'nucleus', square)]);
    expect(cells.pick(104, 100, 6)?.id).toBe(2);
    expect(cells.pick(101, 99, 6)?.id).toBe(1);
    expect(cells.pick(230, 236, 2)?.id).toBe(3);
    expect(cells.pick(150, 150, 6)).toBeNull();
    // Across bucket borders (64 px): a point just over the edge is found.
    cells.merge(1, [stored(4, 127, 10)]);
    expect(cells.pick(129, 10, 4)?.id).toBe(4);
    // A moved cell is picked at its new place only.
    cells.move(1, 300, 0);
    expect(cells.pick(100, 100, 3)).toBeNull();
    expect(cells.pick(400, 100, 3)?.id).toBe(1);
  });
});
