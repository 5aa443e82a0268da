import { describe, expect, it } from 'vitest';
import { decodeRle8, encodeRle8 } from '@delineate/core';
import { fromVoxel, planeIndex, toVoxel, voxelIndex, type Dims } from './geometry';
import { interpolateSlices, distanceTo } from './interpolate';
import { brush, brushLine, fill, Labelmap, scissorsCircle, scissorsRect } from './labelmap';

const dims: Dims = { columns: 32, rows: 24, slices: 10, spacing: [1, 1, 2] };

describe('geometry', () => {
  it('maps plane pixels to voxels and back in every orientation', () => {
    for (const o of ['axial', 'coronal', 'sagittal'] as const) {
      const [x, y, z] = toVoxel(dims, o, 3, 4, 5);
      expect(fromVoxel(dims, o, x, y, z)).toEqual({ u: 3, v: 4, s: 5 });
    }
    // Coronal and sagittal put the last slice (towards the head) at the top row.
    expect(toVoxel(dims, 'coronal', 0, 0, 7)).toEqual([0, 7, 9]);
    expect(planeIndex(dims, 'sagittal', 2, 9, 5)).toBe(voxelIndex(dims, 5, 2, 0));
  });
});

describe('labelmap tools', () => {
  it('paints a circle of the brush radius in mm and undoes and redoes it', () => {
    const map = new Labelmap(dims);
    map.begin('brush');
    brush(map, 'axial', 10, 10, 3, { radius: 3, sphere: false, value: 2 });
    const stroke = map.end();
    // Pixels within 3 mm of the centre: 29 lattice points.
    expect(map.count(2)).toBe(29);
    expect(stroke?.indices.length).toBe(29);
    expect(map.data[voxelIndex(dims, 10, 13, 3)]).toBe(2);
    expect(map.data[voxelIndex(dims, 10, 14, 3)]).toBe(0);
    expect(map.undo()).toBe(true);
    expect(map.count(2)).toBe(0);
    expect(map.redo()).toBe(true);
    expect(map.count(2)).toBe(29);
  });

  it('a sphere brush reaches neighbouring slices by their spacing', () => {
    const map = new Labelmap(dims);
    map.begin('sphere');
    brush(map, 'axial', 10, 10, 5, { radius: 4.5, sphere: true, value: 1 });
    map.end();
    const onSlice = (z: number) => {
      let n = 0;
      for (let y = 0; y < dims.rows; y++) for (let x = 0; x < dims.columns; x++) if (map.data[voxelIndex(dims, x, y, z)]) n++;
      return n;
    };
    expect(onSlice(5)).toBeGreaterThan(onSlice(4));
    expect(onSlice(3)).toBeGreaterThan(0); // 4 mm away
    expect(onSlice(2)).toBe(0); // 6 mm away
  });

  it('the threshold brush paints only voxels in the HU range; the eraser clears', () => {
    const hu = new Int16Array(dims.columns * dims.rows * dims.slices).fill(-1000);
    for (let x = 0; x < 11; x++) for (let y = 0; y < dims.rows; y++) hu[voxelIndex(dims, x, y, 0)] = 60;
    const map = new Labelmap(dims);
    map.begin('threshold');
    brush(map, 'axial', 10, 10, 0, { radius: 3, sphere: false, value: 1, threshold: { lower: 0, upper: 100, hu } });
    map.end();
    for (let i = 0; i < map.data.length; i++) if (map.data[i]) expect(hu[i]).toBe(60);
    expect(map.count(1)).toBeGreaterThan(5);
    map.begin('erase');
    brushLine(map, 'axial', [5, 10], [15, 10], 0, { radius: 5, sphere: false, value: 0 });
    map.end();
    expect(map.count(1)).toBe(0);
  });

  it('scissors fill a rectangle and a circle; paint fill fills an enclosed hole only', () => {
    const map = new Labelmap(dims);
    map.begin('rect');
    scissorsRect(map, 'coronal', [2, 2], [5, 4], 7, 3);
    map.end();
    expect(map.count(3)).toBe(4 * 3);
    map.begin('ring');
    scissorsCircle(map, 'axial', [16, 12], [16, 17], 1, 1);
    scissorsCircle(map, 'axial', [16, 12], [16, 14], 1, 0);
    map.end();
    const ring = map.count(1);
    map.begin('fill');
    const filled = fill(map, 'axial', 16, 12, 1, 1);
    map.end();
    expect(filled).toBe(13); // the cleared 2 mm disc
    expect(map.count(1)).toBe(ring + 13);
  });

  it('interpolates a shape between annotated slices and round-trips through rle', () => {
    const map = new Labelmap(dims);
    map.begin('paint');
    brush(map, 'axial', 10, 10, 1, { radius: 3, sphere: false, value: 2 });
    brush(map, 'axial', 14, 10, 5, { radius: 5, sphere: false, value: 2 });
    map.end();
    map.begin('interpolate');
    const slices = interpolateSlices(map, 'axial', 2);
    map.end();
    expect(slices).toEqual([2, 3, 4]);
    const area = (z: number) => {
      let n = 0;
      for (let y = 0; y < dims.rows; y++) for (let x = 0; x < dims.columns; x++) if (map.data[voxelIndex(dims, x, y, z)] === 2) n++;
      return n;
    };
    expect(area(2)).toBeGreaterThan(area(1));
    expect(area(4)).toBeLessThan(area(5));
    expect(area(3)).toBeGreaterThan(area(2));
    // The middle shape's centre moved half way.
    expect(map.data[voxelIndex(dims, 12, 10, 3)]).toBe(2);
    const decoded = decodeRle8(encodeRle8(map.data), map.data.length);
    expect(decoded.ok && decoded.voxels.every((value, i) => value === map.data[i])).toBe(true);
  });

  it('distance transform is exact on a line', () => {
    const inside = new Uint8Array(5);
    inside[0] = 1;
    expect(Array.from(distanceTo(inside, 5, 1, 2, 1))).toEqual([0, 2, 4, 6, 8]);
  });

  it('replays strokes onto another volume as one undoable edit', () => {
    const mine = new Labelmap(dims);
    mine.begin('paint');
    brush(mine, 'axial', 5, 5, 0, { radius: 2, sphere: false, value: 1 });
    mine.end();
    const theirs = new Labelmap(dims);
    theirs.begin('theirs');
    brush(theirs, 'axial', 20, 20, 0, { radius: 2, sphere: false, value: 2 });
    theirs.end();
    theirs.replay(mine.undoStack);
    expect(theirs.count(1)).toBe(mine.count(1));
    expect(theirs.count(2)).toBeGreaterThan(0);
    theirs.undo();
    expect(theirs.count(1)).toBe(0);
  });
});
