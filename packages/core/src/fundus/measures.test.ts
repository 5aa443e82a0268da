import { describe, expect, it } from 'vitest';
import { ellipseContour, rasteriseDiscAndCup } from './contours';
import { fundusMeasures, verticalCdr } from './measures';
import type { FundusMask } from './cup-disc';

const labels = { disc: 1, cup: 2 };

/** Draws a mask from rows of characters: '.' background, 'd' disc (rim), 'c' cup. */
function drawn(rows: string[]): FundusMask {
  const width = rows[0]!.length;
  const data = new Uint8Array(width * rows.length);
  rows.forEach((row, y) => [...row].forEach((ch, x) => (data[x + width * y] = ch === 'd' ? 1 : ch === 'c' ? 2 : 0)));
  return { width, height: rows.length, data };
}

// A 10 × 10 disc (rows 1–10, columns 1–10). The cup spans rows 3–8 in column 5 with a hole at
// row 6 (a rim pixel inside the cup), and rows 4–7 in columns 4 and 6.
const withHole = drawn([
  '............',
  '.dddddddddd.',
  '.dddddddddd.',
  '.ddddcddddd.',
  '.dddcccdddd.',
  '.dddcccdddd.',
  '.dddcdcdddd.',
  '.dddcccdddd.',
  '.ddddcddddd.',
  '.dddddddddd.',
  '.dddddddddd.',
  '............',
]);

describe('vertical cup-to-disc ratio conventions', () => {
  it('REFUGE counts the pixels of the fullest column: 5 cup pixels in column 5 (the hole is not cup) over 10 disc pixels = 0.5', () => {
    // Worked by hand: column 4 has cup rows 4,5,6,7 = 4; column 5 rows 3,4,5,7,8 = 5 (row 6 is
    // the hole); column 6 rows 4,5,6,7 = 4. The disc (rim and cup) fills 10 rows in every column.
    const m = fundusMeasures(withHole, labels, 'OD', null);
    expect(verticalCdr(m, 'refuge')).toBe(0.5);
  });

  it('the extent ratio spans the hole: rows 3 to 8 = 6 over 10 = 0.6, larger than REFUGE by the hole', () => {
    const m = fundusMeasures(withHole, labels, 'OD', null);
    expect(verticalCdr(m, 'extent')).toBe(0.6);
    expect(verticalCdr(m, 'extent') - verticalCdr(m, 'refuge')).toBeCloseTo(0.1, 12);
  });

  it('horizontal ratios and the area ratio: 3 cup columns over 10, 13 cup pixels over 100', () => {
    const m = fundusMeasures(withHole, labels, 'OD', null);
    const refuge = m.cdr.find((c) => c.convention === 'refuge')!;
    const extent = m.cdr.find((c) => c.convention === 'extent')!;
    // Row 6 has cup at columns 4 and 6 only (2); rows 4, 5 and 7 have 3.
    expect(refuge.horizontal).toBe(0.3);
    expect(extent.horizontal).toBe(0.3);
    expect(m.cupAreaPx).toBe(13);
    expect(m.discAreaPx).toBe(100);
    expect(m.areaRatio).toBe(0.13);
    expect(m.discAreaMm2).toBeNull();
  });

  it('without a cup every ratio is 0, and without a disc NaN (nothing to measure against)', () => {
    const noCup = drawn(['....', '.dd.', '.dd.', '....']);
    expect(verticalCdr(fundusMeasures(noCup, labels, null, null), 'refuge')).toBe(0);
    const empty = drawn(['...', '...']);
    expect(verticalCdr(fundusMeasures(empty, labels, null, null), 'extent')).toBeNaN();
  });
});

describe('ellipse fit convention', () => {
  it('recovers the diameters of rasterised ellipses within a pixel, and their ratio', () => {
    const raster = rasteriseDiscAndCup(ellipseContour([100, 90], [40, 60], 180), ellipseContour([104, 92], [18, 30], 180), 200, 180, labels);
    if (!raster.ok) throw new Error(raster.reason);
    const fit = fundusMeasures(raster.mask, labels, 'OS', [0.01, 0.01]).cdr.find((c) => c.convention === 'ellipse_fit')!;
    expect(fit.disc.vertical).toBeGreaterThan(119);
    expect(fit.disc.vertical).toBeLessThan(121);
    expect(fit.disc.horizontal).toBeGreaterThan(79);
    expect(fit.disc.horizontal).toBeLessThan(81);
    expect(fit.cup.vertical).toBeGreaterThan(59);
    expect(fit.cup.vertical).toBeLessThan(61);
    expect(fit.vertical).toBeCloseTo(0.5, 1);
  });

  it('is not pulled inward by a hole in the cup: the fit follows the outer contour', () => {
    const m = fundusMeasures(withHole, labels, null, null);
    const fit = m.cdr.find((c) => c.convention === 'ellipse_fit')!;
    // The cup's outer contour is 6 rows tall and 3 columns wide (a diamond-like cross): the
    // ellipse through it is taller than the REFUGE count.
    expect(fit.cup.vertical).toBeGreaterThan(5);
    expect(fit.disc.vertical).toBeGreaterThan(9.5);
  });
});

describe('rim widths by ISNT sector', () => {
  // Disc centred at (50, 50), radius 40; cup shifted up (superior) so the superior rim is thinner.
  const raster = rasteriseDiscAndCup(ellipseContour([50, 50], [40, 40], 360), ellipseContour([50, 40], [15, 15], 360), 101, 101, labels);
  if (!raster.ok) throw new Error(raster.reason);

  it('follows the cup: the superior rim is thinner than the inferior one', () => {
    const rim = fundusMeasures(raster.mask, labels, 'OD', null).rim;
    const of = (s: string) => rim.find((r) => r.sector === s)!;
    expect(of('superior').minimumPx).toBeLessThan(of('inferior').minimumPx);
    // Straight up: disc edge 40 px from the centre, the cup reaches 25 px, so about 15 px of rim.
    expect(of('superior').minimumPx).toBeGreaterThan(13);
    expect(of('superior').minimumPx).toBeLessThan(17);
  });

  it('names nasal on the image right for OD and on the left for OS, and neither without laterality', () => {
    const shifted = rasteriseDiscAndCup(ellipseContour([50, 50], [40, 40], 360), ellipseContour([60, 50], [15, 15], 360), 101, 101, labels);
    if (!shifted.ok) throw new Error(shifted.reason);
    const right = fundusMeasures(shifted.mask, labels, 'OD', null).rim;
    const left = fundusMeasures(shifted.mask, labels, 'OS', null).rim;
    const mean = (rim: typeof right, s: string) => rim.find((r) => r.sector === s)!.meanPx;
    // The cup sits toward the image right, so the rim is thin there: nasal for OD, temporal for OS.
    expect(mean(right, 'nasal')).toBeLessThan(mean(right, 'temporal'));
    expect(mean(left, 'temporal')).toBeLessThan(mean(left, 'nasal'));
    expect(fundusMeasures(shifted.mask, labels, null, null).rim.map((r) => r.sector)).toEqual(['inferior', 'superior']);
  });
});

describe('disc and cup contours', () => {
  it('refuses a cup that leaves the disc, counting the pixels outside', () => {
    const r = rasteriseDiscAndCup(ellipseContour([50, 50], [20, 20]), ellipseContour([65, 50], [10, 10]), 100, 100, labels);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('cup_outside_disc');
      expect(r.cupPixelsOutside).toBeGreaterThan(0);
    }
  });

  it('refuses an empty disc or cup', () => {
    expect(rasteriseDiscAndCup([[1, 1], [2, 1]], ellipseContour([5, 5], [2, 2]), 10, 10, labels)).toMatchObject({ ok: false, reason: 'disc_empty' });
    expect(rasteriseDiscAndCup(ellipseContour([5, 5], [4, 4]), [[1, 1], [2, 1]], 10, 10, labels)).toMatchObject({ ok: false, reason: 'cup_empty' });
  });
});
