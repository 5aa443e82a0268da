import { describe, expect, it } from 'vitest';
import type { TaskField } from '@delineate/schema';
import { advancedState, fieldAt, nextOpenField, progressWords, stepField, zoomBandRefusal } from './region-task';

const band = { min: 40 / 1.5, max: 60 };
const field = (index: number, state: TaskField['state'], x = index * 100): TaskField => ({ index, box: { x, y: 0, width: 100, height: 100 }, state, changedBy: null, changedAt: null });

describe('a slide task in the viewer', () => {
  it('turns the tools off outside the zoom band with the reason in words', () => {
    expect(zoomBandRefusal(band, 40, 5)).toBe('Painting works from 26.67× to 60× for this 40× task; zoom in from 5×');
    expect(zoomBandRefusal(band, 40, 80)).toBe('Painting works from 26.67× to 60× for this 40× task; zoom out from 80×');
    expect(zoomBandRefusal(band, 40, 40)).toBeNull();
    // The edges are inside, with the server's slack.
    expect(zoomBandRefusal(band, 40, 26.666666)).toBeNull();
    expect(zoomBandRefusal(band, 40, 60.00001)).toBeNull();
    expect(zoomBandRefusal(band, 40, 26.6)).not.toBeNull();
  });

  it('steps through fields both ways, wrapping round', () => {
    expect(stepField(3, null, 1)).toBe(0);
    expect(stepField(3, null, -1)).toBe(2);
    expect(stepField(3, 2, 1)).toBe(0);
    expect(stepField(3, 0, -1)).toBe(2);
    expect(stepField(0, null, 1)).toBeNull();
  });

  it('finds the next field not done, and none when all are', () => {
    const fields = [field(0, 'done'), field(1, 'seen'), field(2, 'done'), field(3, 'unseen')];
    expect(nextOpenField(fields, 1)).toBe(3);
    expect(nextOpenField(fields, 3)).toBe(1);
    expect(nextOpenField(fields, null)).toBe(1);
    expect(nextOpenField(fields.map((f) => ({ ...f, state: 'done' as const })), 0)).toBeNull();
  });

  it('moves states forward only and finds the field under a pixel', () => {
    expect(advancedState('seen', 'unseen')).toBe('seen');
    expect(advancedState('seen', 'done')).toBe('done');
    expect(advancedState('done', 'seen')).toBe('done');
    const fields = [field(0, 'unseen'), field(1, 'unseen')];
    expect(fieldAt(fields, 150, 50)?.index).toBe(1);
    expect(fieldAt(fields, 200, 50)).toBeNull();
    expect(progressWords({ unseen: 1, seen: 1, done: 2, total: 4 })).toBe('2 of 4 fields done, 1 seen');
  });
});
