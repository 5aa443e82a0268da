import { labelsPresent } from '@delineate/core';
import { phantomLabelValues } from '@delineate/formats';
import { describe, expect, it } from 'vitest';
import { phantomLabelMap, tinyCtPhantom } from './phantom';

describe('tinyCtPhantom', () => {
  it('is an 8×64×64 series over the demo field of view with liver and lesion in its ground truth', () => {
    const phantom = tinyCtPhantom();
    expect(phantom.dims).toEqual([64, 64, 8]);
    expect(phantom.spacing).toEqual([6.25, 6.25, 32]);
    expect(phantom.slices).toHaveLength(8);
    const map = phantomLabelMap(phantom);
    expect(map.grid.dims).toEqual([64, 64, 8]);
    expect(labelsPresent(map)).toEqual([phantomLabelValues.liver, phantomLabelValues.lesion]);
  });
});
