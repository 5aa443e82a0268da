import { describe, expect, it } from 'vitest';
import type { Dims } from '../viewer/geometry';
import { Labelmap } from '../viewer/labelmap';
import { clearDraftLabel, draftCounts, draftLayer, withoutLabel } from './preannotate-draft';

const dims: Dims = { columns: 4, rows: 1, slices: 1, spacing: [1, 1, 1] };

describe('model draft layer', () => {
  it('is what the ai revision drew over the version before it', () => {
    const before = Uint8Array.from([0, 1, 2, 0]);
    const ai = Uint8Array.from([1, 1, 1, 0]);
    const layer = draftLayer(before, ai);
    expect(Array.from(layer.drawn)).toEqual([1, 0, 1, 0]);
    expect([...draftCounts(layer)]).toEqual([[1, 2]]);
    expect(Array.from(withoutLabel(layer, 1).drawn)).toEqual([0, 0, 0, 0]);
  });

  it('clears one label as one undoable edit, keeping what the annotator relabelled', () => {
    const before = Uint8Array.from([0, 2, 0, 0]);
    const ai = Uint8Array.from([1, 1, 1, 2]);
    const layer = draftLayer(before, ai);
    const map = new Labelmap(dims, ai.slice());
    map.begin('brush');
    map.set(2, 2);
    map.end();
    const stroke = clearDraftLabel(map, layer, 1);
    expect(Array.from(map.data)).toEqual([0, 2, 2, 2]);
    expect(stroke?.indices.length).toBe(2);
    expect(map.undo()).toBe(true);
    expect(Array.from(map.data)).toEqual([1, 1, 2, 2]);
  });
});
