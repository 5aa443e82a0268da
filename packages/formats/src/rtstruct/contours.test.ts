import { describe, expect, it } from 'vitest';
import { fillContours, sliceContours } from './contours';

function roundTrip(pixels: Uint8Array, columns: number, rows: number): Uint8Array {
  const out = new Uint8Array(pixels.length);
  fillContours(sliceContours(pixels, 0, columns, rows), out, 0, columns, rows);
  return out;
}

describe('slice contours (marching squares) and even-odd filling', () => {
  it('outlines a square by the midpoints around it, dropping collinear points', () => {
    const px = new Uint8Array(25);
    for (let r = 1; r <= 3; r++) for (let c = 1; c <= 3; c++) px[r * 5 + c] = 1;
    const contours = sliceContours(px, 0, 5, 5);
    expect(contours).toHaveLength(1);
    // Eight vertices: the corners are cut at the midpoints (0.5, 1), (1, 0.5), …
    expect(contours[0]).toHaveLength(16);
    expect(roundTrip(px, 5, 5)).toEqual(px);
  });

  it('keeps holes: a ring gives two contours and fills back as a ring', () => {
    const px = new Uint8Array(49);
    for (let r = 1; r <= 5; r++) for (let c = 1; c <= 5; c++) px[r * 7 + c] = r === 3 && c === 3 ? 0 : 1;
    expect(sliceContours(px, 0, 7, 7)).toHaveLength(2);
    const back = roundTrip(px, 7, 7);
    expect(back[3 * 7 + 3]).toBe(0);
    expect(back).toEqual(px);
  });

  it('gives back random masks exactly, including shapes touching the slice edge and diagonal neighbours', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 20; t++) {
      const columns = 13 + t;
      const rows = 9 + (t % 5);
      const px = new Uint8Array(columns * rows);
      for (let i = 0; i < px.length; i++) px[i] = rnd() < 0.45 ? 1 : 0;
      expect(roundTrip(px, columns, rows)).toEqual(px);
    }
  });

  it('fills a hand-written polygon by pixel centres', () => {
    const out = new Uint8Array(16);
    // Triangle covering centres (0,0), (1,0), (2,0), (0,1), (1,1), (0,2).
    fillContours([[-0.5, -0.5, 3.2, -0.5, -0.5, 3.2]], out, 0, 4, 4);
    expect([...out]).toEqual([1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });
});
