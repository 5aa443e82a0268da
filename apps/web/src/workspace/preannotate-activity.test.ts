import { describe, expect, it } from 'vitest';
import { EditingRecorder } from './preannotate-activity';

describe('editing recorder', () => {
  it('counts strokes, clicks and undos, and adds the gaps between actions up to the idle limit', () => {
    let t = 1000;
    const r = new EditingRecorder(() => t, 30_000);
    r.click();
    t += 2000;
    r.stroke();
    t += 500;
    r.stroke();
    // A long pause counts as the idle limit only.
    t += 600_000;
    r.undo();
    t += 1500;
    r.stroke();
    expect(r.activity()).toEqual({ activeEditingMs: 2000 + 500 + 30_000 + 1500, strokes: 3, clicks: 1, undos: 1 });
  });

  it('reports nothing before the first action', () => {
    expect(new EditingRecorder(() => 5).activity()).toEqual({ activeEditingMs: 0, strokes: 0, clicks: 0, undos: 0 });
  });
});
