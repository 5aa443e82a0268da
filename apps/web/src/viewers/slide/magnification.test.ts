import { describe, expect, it } from 'vitest';
import { brushRadiusPixels, magnificationAt, magnificationText, scaleBar, zoomForMagnification } from './magnification';

describe('slide magnification', () => {
  it('is 40× at one screen pixel per 0.25 µm pixel and halves as the view zooms out', () => {
    expect(magnificationAt(0.25, 1)).toBeCloseTo(40);
    expect(magnificationAt(0.25, 0.5)).toBeCloseTo(20);
    expect(magnificationAt(0.5, 1)).toBeCloseTo(20);
    expect(magnificationAt(0.25, 0.05)).toBeCloseTo(2);
  });

  it('gives back the zoom of each step', () => {
    for (const step of [2, 5, 10, 20, 40]) expect(magnificationAt(0.2527, zoomForMagnification(0.2527, step))).toBeCloseTo(step);
    expect(zoomForMagnification(0.25, 10)).toBeCloseTo(0.25);
  });

  it('reads as the nearest step when close to it, else as its value', () => {
    expect(magnificationText(39.2)).toBe('40×');
    expect(magnificationText(20.9)).toBe('20×');
    expect(magnificationText(5)).toBe('5×');
    expect(magnificationText(12.6)).toBe('13×');
    expect(magnificationText(3.14)).toBe('3.1×');
  });
});

describe('scale bar', () => {
  it('is the longest 1-2-5 length that fits', () => {
    // 0.25 µm per screen pixel: 150 px hold 37.5 µm, so 20 µm (80 px).
    expect(scaleBar(0.25, 1, 150)).toEqual({ microns: 20, pixels: 80, text: '20 µm' });
    // 10 µm per screen pixel: 150 px hold 1.5 mm, so 1 mm.
    expect(scaleBar(0.25, 0.025, 150)).toMatchObject({ microns: 1000, text: '1 mm' });
    expect(scaleBar(0.25, 0.025, 150).pixels).toBeCloseTo(100);
    expect(scaleBar(0.5, 1, 120)).toMatchObject({ microns: 50, pixels: 100, text: '50 µm' });
  });
});

describe('brush size', () => {
  it('turns a diameter in µm into a radius in slide pixels', () => {
    expect(brushRadiusPixels(50, 0.25)).toBe(100);
    expect(brushRadiusPixels(10, 0.5)).toBe(10);
  });
});
