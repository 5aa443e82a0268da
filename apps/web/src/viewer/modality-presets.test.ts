import { describe, expect, it } from 'vitest';
import { formatValue, modalityDisplay, valueRange } from './modality-presets';
import { windowPresets } from './render';

describe('modality presets', () => {
  it('gives CT its Hounsfield windows and unit', () => {
    const ct = modalityDisplay('CT');
    expect(ct.unit).toBe('HU');
    expect(ct.presets.map((p) => p.label)).toEqual(['Lung', 'Mediastinum', 'Abdomen', 'Liver', 'Bone', 'Brain']);
    expect(ct.initial).toEqual(windowPresets.abdomen);
    expect(formatValue(ct, -40)).toBe('-40 HU');
  });

  it('gives MR no HU and no CT window: windows come from its own values', () => {
    const values = new Int16Array(1000);
    for (let i = 0; i < values.length; i++) values[i] = i;
    values[999] = 30000; // one bright outlier the contrast window ignores
    const range = valueRange(values);
    expect(range).toEqual({ min: 0, max: 30000, p1: 9, p99: 989 });
    const mr = modalityDisplay('MR', range);
    expect(mr.unit).toBeNull();
    expect(mr.valueLabel).toBe('signal intensity');
    expect(mr.presets.map((p) => p.key)).toEqual(['contrast', 'full']);
    expect(mr.presets.some((p) => p.label === 'Lung' || p.label === 'Bone')).toBe(false);
    expect(mr.initial).toEqual({ width: 980, centre: 499 });
    expect(mr.presets[1]!.window).toEqual({ width: 30000, centre: 15000 });
    expect(formatValue(mr, 812)).toBe('812 (signal intensity)');
    expect(JSON.stringify(mr)).not.toContain('HU');
  });

  it('treats every other modality as unitless pixel values', () => {
    const us = modalityDisplay('US', valueRange(Int16Array.of(0, 255)));
    expect(us).toMatchObject({ unit: null, valueLabel: 'pixel value' });
    expect(modalityDisplay('PT').valueLabel).toBe('uptake value');
  });

  it('copes with an empty or flat item', () => {
    expect(valueRange(new Int16Array(0))).toEqual({ min: 0, max: 0, p1: 0, p99: 0 });
    const flat = modalityDisplay('MR', valueRange(new Int16Array(10).fill(7)));
    expect(flat.initial.width).toBe(1);
  });
});
