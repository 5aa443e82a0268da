import { describe, expect, it } from 'vitest';
import { itemWords } from './item-words';

describe('item names', () => {
  it('names a series by modality, slices and size, then its subject', () => {
    expect(itemWords({ kind: 'series_volume', modality: 'CT', slices: 32, rows: 128, columns: 96, subjectPseudonym: 'SUBJ-4F2A' })).toBe('CT, 32 slices of 96 × 128 · SUBJ-4F2A');
    expect(itemWords({ kind: 'series_volume', modality: 'MR', slices: 1, subjectPseudonym: 'SUBJ-1' })).toBe('MR, 1 slice · SUBJ-1');
  });

  it('names other kinds of item in words, never by their key', () => {
    expect(itemWords({ kind: 'slide_region', modality: null, slices: null, subjectPseudonym: 'SUBJ-2' })).toBe('slide region · SUBJ-2');
    expect(itemWords({ kind: 'frame_range', modality: null, slices: null, subjectPseudonym: 'SUBJ-3' })).toBe('video frames · SUBJ-3');
  });
});
