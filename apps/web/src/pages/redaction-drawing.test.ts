import { describe, expect, it } from 'vitest';
import { appliesTo, rectangleBetween, toImagePoint, toRedactionRegions } from './redaction-drawing';

describe('drawing redaction rectangles', () => {
  const size = { columns: 1024, rows: 768 };

  it('covers both ends of a drag in whole pixels, in either direction, cut to the image', () => {
    expect(rectangleBetween({ x: 10.4, y: 30.6 }, { x: 2.2, y: 5.5 }, size)).toEqual({ x: 2, y: 5, width: 9, height: 26 });
    expect(rectangleBetween({ x: -20, y: -5 }, { x: 2000, y: 24 }, size)).toEqual({ x: 0, y: 0, width: 1024, height: 24 });
    expect(rectangleBetween({ x: 5, y: 5 }, { x: 5, y: 5 }, size)).toBeNull();
    expect(rectangleBetween({ x: 1100, y: 5 }, { x: 1200, y: 50 }, size)).toBeNull();
  });

  it('maps a page point on the shown image to image pixels', () => {
    expect(toImagePoint({ x: 110, y: 220 }, { left: 10, top: 20, width: 512, height: 384 }, size)).toEqual({ x: 200, y: 400 });
  });

  it('sends one region for every frame, or one per chosen frame', () => {
    const rects = [
      { x: 0, y: 0, width: 10, height: 4, frames: null },
      { x: 5, y: 6, width: 7, height: 8, frames: [0, 2] },
    ];
    expect(toRedactionRegions(rects)).toEqual([
      { x: 0, y: 0, width: 10, height: 4 },
      { x: 5, y: 6, width: 7, height: 8, frame: 0 },
      { x: 5, y: 6, width: 7, height: 8, frame: 2 },
    ]);
    expect(appliesTo(rects[1]!, 2)).toBe(true);
    expect(appliesTo(rects[1]!, 1)).toBe(false);
    expect(appliesTo(rects[0]!, 7)).toBe(true);
  });
});
