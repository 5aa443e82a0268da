import { describe, expect, it } from 'vitest';
import { brush, Labelmap } from './labelmap';
import { brushDiameterMm, brushRadiusMm, ellipseStats, labelVolumes, segmentLengthMm } from './measure';
import type { Dims } from './geometry';

const dims: Dims = { columns: 64, rows: 64, slices: 40, spacing: [0.5, 0.5, 1] };
const voxels = dims.columns * dims.rows * dims.slices;

describe('measurements', () => {
  it('measures a ruler in mm with each axis scaled by its spacing', () => {
    expect(segmentLengthMm(dims, 'axial', [0, 0], [3, 4])).toBeCloseTo(2.5);
    // Coronal: u along x (0.5 mm), v along z (1 mm).
    expect(segmentLengthMm(dims, 'coronal', [0, 0], [6, 8])).toBeCloseTo(Math.hypot(3, 8));
  });

  it('gives the mean and standard deviation inside an ellipse, and nothing outside it', () => {
    const image = new Int16Array(voxels).fill(-1000);
    // Slice 7: the left half 40, the right half 60, inside a 20 × 10 pixel ellipse centred at (32, 32).
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) image[x + 64 * (y + 64 * 7)] = x < 32 ? 40 : 60;
    const stats = ellipseStats(dims, 'axial', 7, image, [31.5, 32], [10, 5])!;
    expect(stats.mean).toBeCloseTo(50);
    expect(stats.sd).toBeCloseTo(10);
    expect(stats.min).toBe(40);
    expect(stats.max).toBe(60);
    // π · 10 · 5 pixels of 0.25 mm², within the discretisation of a small ellipse.
    expect(stats.areaMm2).toBeGreaterThan(0.95 * Math.PI * 50 * 0.25);
    expect(stats.areaMm2).toBeLessThan(1.05 * Math.PI * 50 * 0.25);
    expect(ellipseStats(dims, 'axial', 7, image, [31.5, 32], [0, 5])).toBeNull();
  });

  it('counts each label and turns voxels into millilitres', () => {
    const labels = new Uint8Array(voxels);
    labels.fill(1, 0, 8000);
    labels.fill(3, 8000, 8100);
    const volumes = labelVolumes(labels, dims.spacing);
    expect(volumes.get(1)).toEqual({ voxels: 8000, ml: 2 });
    expect(volumes.get(3)).toEqual({ voxels: 100, ml: 0.025 });
    expect(volumes.has(2)).toBe(false);
  });

  it('labels the brush by the diameter it paints', () => {
    const map = new Labelmap(dims);
    const diameter = 10;
    map.begin('brush');
    brush(map, 'axial', 32, 32, 20, { radius: brushRadiusMm(diameter), sphere: false, value: 1 });
    map.end();
    let minX = Infinity;
    let maxX = -Infinity;
    for (let x = 0; x < 64; x++) {
      if (map.data[x + 64 * (32 + 64 * 20)] !== 1) continue;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
    }
    // Painted width from the first voxel's left edge to the last's right edge, in mm.
    expect((maxX - minX + 1) * dims.spacing[0]).toBeCloseTo(diameter + dims.spacing[0], 5);
    expect(brushDiameterMm(brushRadiusMm(diameter))).toBe(diameter);
  });

  it('a painted sphere measures the volume of the sphere within 2 %', () => {
    const map = new Labelmap(dims);
    const radius = 8;
    map.begin('sphere');
    brush(map, 'axial', 32, 32, 20, { radius, sphere: true, value: 2 });
    map.end();
    const ml = labelVolumes(map.data, dims.spacing).get(2)!.ml;
    const known = ((4 / 3) * Math.PI * radius ** 3) / 1000;
    expect(Math.abs(ml - known) / known).toBeLessThan(0.02);
  });
});
