import { describe, expect, it } from 'vitest';
import { ContourGesture, ellipseFromDrag, noShapes } from './contour-tools';
import { fitTransform, levelFor, localContrast, toImage, toScreen, zoomAt } from './fundus-image';

describe('fundus contour tools', () => {
  it('an ellipse drag gives the inscribed ellipse as a disc contour', () => {
    const g = new ContourGesture('disc-ellipse', [10, 20]);
    g.move([30, 60]);
    const shapes = g.finish(noShapes);
    expect(shapes.disc?.tool).toBe('ellipse');
    const xs = shapes.disc!.points.map((p) => p[0]);
    const ys = shapes.disc!.points.map((p) => p[1]);
    expect([Math.min(...xs), Math.max(...xs)]).toEqual([10, 30]);
    expect(Math.min(...ys)).toBeCloseTo(20, 6);
    expect(Math.max(...ys)).toBeCloseTo(60, 6);
    expect(shapes.cup).toBeNull();
  });

  it('freehand keeps the path as the cup contour and drops jitter under 1.5 px', () => {
    const g = new ContourGesture('cup-freehand', [0, 0]);
    for (const p of [[0.5, 0.5], [5, 0], [5, 5], [5.2, 5.1], [0, 5]] as const) g.move(p);
    expect(g.finish(noShapes).cup).toEqual({ tool: 'freehand', points: [[0, 0], [5, 0], [5, 5], [0, 5]] });
  });

  it('a click is no contour, and the fovea tool places a point', () => {
    expect(new ContourGesture('disc-ellipse', [5, 5]).finish(noShapes)).toEqual(noShapes);
    expect(new ContourGesture('fovea', [7, 8]).finish(noShapes).fovea).toEqual([7, 8]);
    expect(ellipseFromDrag([0, 0], [4, 2], 4)[1]![1]).toBeCloseTo(2, 9);
  });
});

describe('fundus view', () => {
  it('fits, zooms about the pointer and maps both ways', () => {
    const t = fitTransform({ width: 2000, height: 1000 }, { width: 1000, height: 1000 });
    expect(t.scale).toBe(0.5);
    expect(toImage(t, ...toScreen(t, 300, 400))).toEqual([300, 400]);
    const z = zoomAt(t, 4, 500, 500);
    expect(toImage(z, 500, 500)).toEqual(toImage(t, 500, 500));
    expect(levelFor(0.5, 4)).toBe(1);
    expect(levelFor(0.2, 4)).toBe(2);
    expect(levelFor(2, 4)).toBe(0);
  });

  it('contrast enhancement is mid-grey on a flat image and stretches an edge', () => {
    const flat = { width: 8, height: 8, data: new Uint8ClampedArray(256).fill(100) };
    expect(localContrast(flat)[1]).toBe(128);
    const edge = { width: 40, height: 1, data: new Uint8ClampedArray(160).map((_, i) => (i >= 80 ? 200 : 50)) };
    const out = localContrast(edge);
    expect(out[4 * 19 + 1]).toBeLessThan(128);
    expect(out[4 * 20 + 1]).toBeGreaterThan(128);
  });
});
