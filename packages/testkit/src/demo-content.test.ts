import { phantomLabelValues } from '@delineate/formats';
import { liverCtLabelSchema } from '@delineate/schema';
import { describe, expect, it } from 'vitest';
import { tinyCtPhantom } from './phantom';

describe('demo content and the synthetic phantom', () => {
  it('share one label numbering, so the phantom ground truth is a valid mask under the demo schema', () => {
    const byKey = Object.fromEntries(liverCtLabelSchema.labels.map((l) => [l.key, l.value]));
    expect(byKey).toEqual({ liver: phantomLabelValues.liver, liver_lesion: phantomLabelValues.lesion });
    const schemaValues = new Set<number>([0, ...liverCtLabelSchema.labels.map((l) => l.value)]);
    for (const value of new Set(tinyCtPhantom().labels)) expect(schemaValues.has(value)).toBe(true);
  });

  it('has only lesions the protocol requires (10 mm or more), so the ground truth is complete under it', () => {
    for (const lesion of tinyCtPhantom().lesions) expect(lesion.diameterMm).toBeGreaterThanOrEqual(10);
  });
});
