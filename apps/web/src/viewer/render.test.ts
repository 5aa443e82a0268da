import { describe, expect, it } from 'vitest';
import { planeIndex, planeSize, planeWalk, sliceCount, voxelIndex, type Dims, type Orientation } from './geometry';
import { greyLut, hexToRgb, labelLut, renderPlane, windowPresets } from './render';

const dims: Dims = { columns: 4, rows: 3, slices: 2, spacing: [1, 1, 2] };

describe('renderPlane', () => {
  it('windows HU to grey: below the window black, above white, the centre mid-grey', () => {
    const lut = greyLut({ width: 100, centre: 0 });
    expect(lut[-100 + 32768]).toBe(0);
    expect(lut[100 + 32768]).toBe(255);
    expect(lut[0 + 32768]).toBe(127);
    expect(windowPresets.lung).toEqual({ width: 1500, centre: -600 });
  });

  it('draws coronal slices with the last axial slice at the top and blends visible labels only', () => {
    const hu = new Int16Array(4 * 3 * 2).fill(-1000);
    hu[voxelIndex(dims, 2, 1, 1)] = 1000;
    const labels = new Uint8Array(hu.length);
    labels[voxelIndex(dims, 1, 1, 0)] = 2;
    labels[voxelIndex(dims, 3, 1, 0)] = 1;
    const overlay = labelLut({ colours: new Map([[1, hexToRgb('#00ff00')], [2, hexToRgb('#ff0000')]]), visible: new Set([2]), opacity: new Map([[2, 1]]) });
    const out = new Uint8ClampedArray(4 * 2 * 4);
    renderPlane(dims, 'coronal', 1, hu, labels, greyLut({ width: 400, centre: 40 }), overlay, out);
    const px = (u: number, v: number) => Array.from(out.subarray((v * 4 + u) * 4, (v * 4 + u) * 4 + 4));
    expect(px(2, 0)).toEqual([255, 255, 255, 255]); // z = 1 on the top row
    expect(px(1, 1)).toEqual([254, 0, 0, 255]); // label 2, fully opaque red over black
    expect(px(3, 1)).toEqual([0, 0, 0, 255]); // label 1 hidden
  });
});

describe('label outlines', () => {
  it('draws only the border pixels of a label, opaque, and leaves its inside showing the image', () => {
    const d: Dims = { columns: 5, rows: 5, slices: 1, spacing: [1, 1, 1] };
    const hu = new Int16Array(25).fill(40);
    const labels = new Uint8Array(25);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) labels[voxelIndex(d, x, y, 0)] = 1;
    const overlay = labelLut({ colours: new Map([[1, hexToRgb('#ff0000')]]), visible: new Set([1]), opacity: new Map([[1, 0.3]]) });
    const grey = greyLut({ width: 400, centre: 40 });
    const out = new Uint8ClampedArray(25 * 4);
    renderPlane(d, 'axial', 0, hu, labels, grey, overlay, out, undefined, true);
    const px = (u: number, v: number) => Array.from(out.subarray((v * 5 + u) * 4, (v * 5 + u) * 4 + 4));
    expect(px(1, 1)).toEqual([254, 0, 0, 255]); // border: the label's colour at full strength
    expect(px(2, 2)).toEqual([grey[40 + 32768], grey[40 + 32768], grey[40 + 32768], 255]); // inside: the image
    expect(px(0, 0)).toEqual(px(2, 2)); // background
  });
});

describe('planeWalk', () => {
  it('walks the same voxels as planeIndex in every view and slice', () => {
    const d: Dims = { columns: 5, rows: 4, slices: 3, spacing: [1, 1, 1] };
    for (const o of ['axial', 'coronal', 'sagittal'] as Orientation[]) {
      const { width, height } = planeSize(d, o);
      for (let s = 0; s < sliceCount(d, o); s++) {
        const { base, stepU, stepV } = planeWalk(d, o, s);
        for (let v = 0; v < height; v++) for (let u = 0; u < width; u++) expect(base + u * stepU + v * stepV).toBe(planeIndex(d, o, u, v, s));
      }
    }
  });
});
