import { tileGridOf, encodeRle8 } from '@delineate/core';
import type { SlideRegion } from '@delineate/schema';
import { describe, expect, it } from 'vitest';
import { boundaryBandFields } from './boundary';
import { cocoRle, cocoRuns, decompressCocoCounts } from './coco-rle';
import { assertRegionEdit } from './edit-check';
import { regionFields } from './fields';
import { insideSpans, polygonBounds } from './geometry';
import { fieldSizePx, targetDownsample, zoomBandOf, zoomRefusal } from './magnification';
import { tissueDiceAtMagnification } from './tissue-agreement';

describe('magnification and fields', () => {
  it('computes the target from the slide pixel size and the band as ±1.5×', () => {
    expect(targetDownsample(0.25, 40)).toBeCloseTo(1, 12);
    expect(targetDownsample(0.25, 10)).toBeCloseTo(4, 12);
    expect(targetDownsample(0.25, 2)).toBeCloseTo(20, 12);
    expect(zoomBandOf(40)).toEqual({ min: 40 / 1.5, max: 60 });
    expect(zoomRefusal(zoomBandOf(40), 40, 5)).toBe('Painting works from 26.67× to 60× for this 40× task; zoom in from 5×');
    expect(zoomRefusal(zoomBandOf(40), 40, 80)).toMatch(/zoom out from 80×/);
    expect(zoomRefusal(zoomBandOf(40), 40, 30)).toBeNull();
  });

  it('sizes high-power fields by area and fixed fields by side', () => {
    // 0.25 mm² → 500 µm side → 2,000 px at 0.25 µm/px.
    expect(fieldSizePx({ kind: 'hpf', areaMm2: 0.25 }, 0.25)).toBe(2000);
    expect(fieldSizePx({ kind: 'fixed', sizeUm: 100 }, 0.5)).toBe(200);
  });

  it('lays fields over the bounds and keeps those overlapping the polygon', () => {
    // A right triangle with legs of 400 px: of the 4 × 4 fields of 100 px, those whose top-left
    // corner has x + y ≥ 400 lie wholly past the hypotenuse (they only touch it at most): 10 remain.
    const triangle: Array<[number, number]> = [[0, 0], [400, 0], [0, 400]];
    const fields = regionFields(triangle, polygonBounds(triangle), 100);
    expect(fields).toHaveLength(10);
    expect(fields.every((f) => f.x + f.y < 400)).toBe(true);
    // A square region cut into 150 px fields: 3 × 3, the last row and column 100 px.
    const square: Array<[number, number]> = [[1000, 1000], [1400, 1000], [1400, 1400], [1000, 1400]];
    const cut = regionFields(square, polygonBounds(square), 150);
    expect(cut).toHaveLength(9);
    expect(cut[8]).toEqual({ x: 1300, y: 1300, width: 100, height: 100 });
  });

  it('gives the inside spans of a row by pixel centres', () => {
    expect(insideSpans([[0, 0], [10, 0], [10, 10], [0, 10]], 5)).toEqual([[0, 10]]);
    expect(insideSpans([[0, 0], [10, 0], [0, 10]], 0)).toEqual([[0, 9]]);
    expect(insideSpans([[0, 0], [10, 0], [0, 10]], 8)).toEqual([[0, 1]]);
    expect(insideSpans([[0, 0], [10, 0], [0, 10]], 9)).toEqual([]);
  });
});

describe('the edit check of a region task', () => {
  const polygon: Array<[number, number]> = [[100, 100], [300, 100], [100, 300]];
  const region = { polygon, bounds: polygonBounds(polygon), zoomBand: zoomBandOf(40), template: { magnification: 40 } } as unknown as SlideRegion;
  const grid = tileGridOf(200, 200, 1, 512);
  const tileWith = (paint: (x: number, y: number) => number) => {
    const voxels = new Uint8Array(200 * 200);
    for (let y = 0; y < 200; y++) for (let x = 0; x < 200; x++) voxels[y * 200 + x] = paint(x, y);
    return [{ position: { slice: 0, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(voxels) }];
  };

  it('refuses a save outside the zoom band with the reason, and one that does not say its magnification', () => {
    const tiles = tileWith(() => 0);
    expect(() => assertRegionEdit(region, 5, grid, tiles)).toThrow(expect.objectContaining({ code: 'DLN_PATHOLOGY_ZOOM_OUT_OF_BAND', message: expect.stringContaining('zoom in from 5×') }));
    expect(() => assertRegionEdit(region, undefined, grid, tiles)).toThrow(expect.objectContaining({ code: 'DLN_PATHOLOGY_ZOOM_OUT_OF_BAND' }));
    expect(() => assertRegionEdit(region, 40, grid, tiles)).not.toThrow();
  });

  it('accepts paint inside the triangle and refuses one pixel past its edge', () => {
    // Local pixel (x, y) is slide (100 + x, 100 + y); inside when its centre has x + y < 200.
    expect(() => assertRegionEdit(region, 40, grid, tileWith((x, y) => (x + y + 1 < 200 ? 1 : 0)))).not.toThrow();
    expect(() => assertRegionEdit(region, 40, grid, tileWith((x, y) => (x + y + 1 < 200 || (x === 150 && y === 60) ? 1 : 0)))).toThrow(
      expect.objectContaining({ code: 'DLN_PATHOLOGY_EDIT_OUTSIDE_REGION' }),
    );
  });
});

describe('the boundary band', () => {
  it('splits the band around a straight tumour–stroma boundary into the known number of fields', () => {
    // 400 × 300 px: tumour (1) left of x = 200, stroma (2) right. Boundary pixels are the columns
    // 199 and 200; a band of ±20 px covers columns 179–220, so with 50 px fields the columns of
    // fields 3 (150–199) and 4 (200–249) hold band pixels: 2 × 6 rows = 12 fields.
    const W = 400, H = 300;
    const labels = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) labels[y * W + x] = x < 200 ? 1 : 2;
    const fields = boundaryBandFields(labels, W, H, 1, 2, 20, 50);
    expect(fields).toHaveLength(12);
    expect(fields.map((f) => f.box.x)).toEqual(Array.from({ length: 6 }, () => [150, 200]).flat());
    // Columns 179–199 and 200–220: 21 and 21 columns of 50 rows.
    expect(fields[0]!.bandPixels).toBe(21 * 50);
    expect(boundaryBandFields(labels, W, H, 1, 3, 20, 50)).toEqual([]);
  });
});

describe('COCO RLE', () => {
  it('runs down columns starting with background and compresses as pycocotools', () => {
    // 3 × 2 (width × height), foreground at (1, 0) and (1, 1): column-major 0 0 | 1 1 | 0 0.
    const mask = new Uint8Array([0, 1, 0, 0, 1, 0]);
    expect(cocoRuns(mask, 3, 2, (v) => v === 1)).toEqual([2, 2, 2]);
    expect(cocoRle(mask, 3, 2, (v) => v === 1)).toEqual({ size: [2, 3], counts: '222' });
    // Longer runs and a leading zero run survive compression (differences from two runs before, negative ones too).
    const counts = [0, 5, 3, 100, 7, 1];
    const s = cocoRle(expandRuns(counts, 4), 4, 29, (v) => v === 1).counts;
    expect(decompressCocoCounts(s)).toEqual(counts);
  });
});

/** A column-major run list back to a row-major mask of width × height. */
function expandRuns(counts: readonly number[], width: number): Uint8Array {
  const total = counts.reduce((s, c) => s + c, 0);
  const height = total / width;
  const mask = new Uint8Array(total);
  let i = 0;
  counts.forEach((c, k) => {
    for (let n = 0; n < c; n++, i++) if (k % 2 === 1) mask[(i % height) * width + Math.floor(i / height)] = 1;
  });
  return mask;
}

describe('tissue Dice at the task magnification', () => {
  it('compares the masks sampled at the target downsample', () => {
    // 8 × 8 px; a at full resolution paints column 0–3, b columns 0–4. Sampled every 2 px, a
    // has columns 0 and 2, b 0, 2 and 4: 8 vs 12 samples of label 1, 8 shared → Dice 0.8.
    const a = new Uint8Array(64), b = new Uint8Array(64);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      a[y * 8 + x] = x < 4 ? 1 : 0;
      b[y * 8 + x] = x < 5 ? 1 : 0;
    }
    expect(tissueDiceAtMagnification(a, b, 8, 8, 2, [1]).get(1)).toBeCloseTo(0.8, 12);
    // At full resolution: 32 vs 40, 32 shared → 64/72.
    expect(tissueDiceAtMagnification(a, b, 8, 8, 1, [1]).get(1)).toBeCloseTo(64 / 72, 12);
    expect(Number.isNaN(tissueDiceAtMagnification(a, b, 8, 8, 1, [2]).get(2))).toBe(true);
  });
});
