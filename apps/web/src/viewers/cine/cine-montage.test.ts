import { describe, expect, it } from 'vitest';
import { montageCellSize, montageModel, outlineThumbnail } from './cine-montage';

describe('the cine montage', () => {
  const base = { slices: 3, phases: 4, designation: { edPhase: 0, esPhase: 2 }, book: new Map(), labels: null, planeSize: 4, current: { slice: 1, phase: 3 } };

  it('lays slices out as rows and phases as columns, marking the ED and ES columns', () => {
    const m = montageModel(base);
    expect(m.rows).toHaveLength(3);
    expect(m.rows.every((r) => r.length === 4)).toBe(true);
    expect(m.columns.map((c) => c.mark)).toEqual(['ED', null, 'ES', null]);
    expect(m.columns.map((c) => c.words)).toEqual(['Phase 1 (end-diastole)', 'Phase 2', 'Phase 3 (end-systole)', 'Phase 4']);
    expect(m.rows[2]![1]).toMatchObject({ slice: 2, phase: 1, plane: 1 * 3 + 2, outlined: false, current: false });
    expect(m.rows.flat().filter((c) => c.current).map((c) => [c.slice, c.phase])).toEqual([[1, 3]]);
    expect(montageModel({ ...base, designation: null }).columns.every((c) => c.mark === null)).toBe(true);
  });

  it('outlines a cell with contours drawn in this visit or labels stored on its plane', () => {
    const labels = new Uint8Array(3 * 4 * 4);
    labels[(2 * 3 + 0) * 4 + 1] = 1; // slice 0, phase 2
    const book = new Map([['1:0', { lvEndocardium: [0, 0, 1, 0, 1, 1] }], ['2:3', {}]]);
    const outlined = montageModel({ ...base, book, labels }).rows.flat().filter((c) => c.outlined).map((c) => `${c.slice}:${c.phase}`);
    expect(outlined).toEqual(['0:2', '1:0']);
    expect(montageModel({ ...base, book, labels }).rows[0]![2]!.words).toBe('Slice 1, phase 3 (end-systole), outlined');
  });

  it('fits its cells to the width, within 16 to 64 pixels', () => {
    expect(montageCellSize(20, 520)).toBe(24);
    expect(montageCellSize(2, 520)).toBe(64);
    expect(montageCellSize(100, 520)).toBe(16);
  });

  it('draws the label boundary, not its inside, on the thumbnail grid', () => {
    // A 4×4 square of label 3 in an 8×8 plane: its 12 border pixels, not its 4 inner ones.
    const plane = new Uint8Array(64);
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) plane[y * 8 + x] = 3;
    const full = outlineThumbnail(plane, 8, 8, 8);
    expect([...full].filter((v) => v === 3)).toHaveLength(12);
    expect(full[3 * 8 + 3]).toBe(0);
    const half = outlineThumbnail(plane, 8, 8, 4);
    expect([...half].filter((v) => v === 3)).toHaveLength(4);
  });
});
