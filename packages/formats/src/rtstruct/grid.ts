import { DelineateError } from '@delineate/schema';
import type { SegTargetGrid } from '../seg/types';
import { fillContours, type PixelContour } from './contours';
import type { RtStructRoi } from './types';

/**
 * An ROI's CLOSED_PLANAR contours rasterised on a series grid: each contour is placed on the
 * slice whose plane it lies in (within a tenth of the slice spacing) and filled with every other
 * contour of that slice by the even-odd rule at pixel centres, so inner contours are holes.
 * Other geometric types (POINT, OPEN_PLANAR) have no area and are left out. A closed contour off
 * every slice, or not in a slice plane, is refused (DLN_IMPORT_OFF_GRID): nothing partial.
 */
export function rasteriseRoi(roi: RtStructRoi, grid: SegTargetGrid): Uint8Array {
  const { rows, columns, positions } = grid;
  const o = grid.orientation;
  const rowDir = [o[0], o[1], o[2]] as const;
  const colDir = [o[3], o[4], o[5]] as const;
  const normal = [rowDir[1] * colDir[2] - rowDir[2] * colDir[1], rowDir[2] * colDir[0] - rowDir[0] * colDir[2], rowDir[0] * colDir[1] - rowDir[1] * colDir[0]];
  const first = positions[0];
  if (!first) throw new DelineateError('DLN_IMPORT_OFF_GRID', 'The series has no slices');
  const dot = (v: readonly number[], w: readonly number[]) => (v[0] ?? 0) * (w[0] ?? 0) + (v[1] ?? 0) * (w[1] ?? 0) + (v[2] ?? 0) * (w[2] ?? 0);
  const offsets = positions.map((p) => dot([p[0] - first[0], p[1] - first[1], p[2] - first[2]], normal));
  const spacing = offsets.length > 1 ? Math.abs((offsets[1] ?? 0) - (offsets[0] ?? 0)) : 1;
  const tolerance = Math.max(spacing * 0.1, 1e-3);
  const [rowSpacing, columnSpacing] = grid.pixelSpacing;
  const perSlice = new Map<number, PixelContour[]>();
  for (const [i, contour] of roi.contours.entries()) {
    if (contour.geometricType !== 'CLOSED_PLANAR') continue;
    const n = contour.points.length / 3;
    if (n < 3) continue;
    const pixels: PixelContour = [];
    let slice = -1;
    for (let p = 0; p < n; p++) {
      const d = [(contour.points[3 * p] ?? 0) - first[0], (contour.points[3 * p + 1] ?? 0) - first[1], (contour.points[3 * p + 2] ?? 0) - first[2]];
      const s = dot(d, normal);
      const k = slice >= 0 ? slice : offsets.findIndex((off) => Math.abs(off - s) <= tolerance);
      if (k < 0 || Math.abs((offsets[k] ?? 0) - s) > tolerance) {
        throw new DelineateError('DLN_IMPORT_OFF_GRID', `Contour ${i + 1} of an ROI does not lie in a slice of the series`, { contour: i + 1 });
      }
      slice = k;
      pixels.push(dot(d, rowDir) / columnSpacing, dot(d, colDir) / rowSpacing);
    }
    const list = perSlice.get(slice) ?? [];
    list.push(pixels);
    perSlice.set(slice, list);
  }
  const out = new Uint8Array(rows * columns * positions.length);
  for (const [k, contours] of perSlice) fillContours(contours, out, k * rows * columns, columns, rows);
  return out;
}
