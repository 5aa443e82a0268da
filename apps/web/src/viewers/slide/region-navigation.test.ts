import { describe, expect, it } from 'vitest';
import { constrainView, navigationLimit, regionMargin, viewKeptInside } from './region-navigation';

const slide = { width: 20_480, height: 20_480 };
const region = { x: 4000, y: 6000, width: 2000, height: 1000 };

describe('navigation inside a region task', () => {
  it('keeps the view in the region’s box and a small margin; a whole-slide item has no limit', () => {
    expect(regionMargin(region)).toBe(100);
    expect(regionMargin({ x: 0, y: 0, width: 300, height: 200 })).toBe(64);
    expect(navigationLimit(region, slide)).toEqual({ x: 3900, y: 5900, width: 2200, height: 1200 });
    expect(navigationLimit({ x: 0, y: 0, ...slide }, slide)).toBeNull();
  });

  it('slides a view panned far away back to the nearest edge, keeping its size', () => {
    const limit = navigationLimit(region, slide)!;
    // Far to the lower right: back to the limit's lower right corner.
    expect(constrainView({ x: 15_000, y: 15_000, width: 400, height: 300 }, limit)).toEqual({ x: 5700, y: 6800, width: 400, height: 300 });
    // Far to the upper left, one axis at a time.
    expect(constrainView({ x: -50_000, y: 6200, width: 400, height: 300 }, limit)).toEqual({ x: 3900, y: 6200, width: 400, height: 300 });
    expect(constrainView({ x: 4100, y: 0, width: 400, height: 300 }, limit)).toEqual({ x: 4100, y: 5900, width: 400, height: 300 });
    // Inside: unchanged.
    const inside = { x: 4500, y: 6100, width: 400, height: 300 };
    expect(constrainView(inside, limit)).toEqual(inside);
    expect(viewKeptInside(inside, limit)).toBe(true);
    expect(viewKeptInside({ ...inside, x: 9000 }, limit)).toBe(false);
  });

  it('centres a view larger than the region on it, whatever the pan (zoomed out, the band’s reason stays readable)', () => {
    const limit = navigationLimit(region, slide)!;
    expect(constrainView({ x: 0, y: 0, width: 8000, height: 6000 }, limit)).toEqual({ x: 1000, y: 3500, width: 8000, height: 6000 });
    // Wider than the limit but shorter: centred across, slid along.
    expect(constrainView({ x: 90_000, y: 90_000, width: 3000, height: 500 }, limit)).toEqual({ x: 3500, y: 6600, width: 3000, height: 500 });
  });
});
