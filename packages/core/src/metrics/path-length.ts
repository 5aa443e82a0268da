import type { BinaryMask } from '../mask/mask';
import { squaredDistanceField } from './edt';

/**
 * Contour-based correction effort, slice by slice along z (the plane annotators draw on):
 * - added path length (APL, Vaassen et al. 2020): the length of the corrected contour that is
 *   not on the automatic contour, within a tolerance;
 * - false-negative path length (FNPL, Kiser et al. 2021): the length of the corrected contour
 *   that lies outside the automatic mask, the part the model missed.
 * Kiser et al. found both follow correction time better than Dice.
 *
 * A contour is a slice's border pixels: foreground pixels with a 4-neighbour outside the mask or
 * on the image edge (the `voxel` convention, in 2-D). A length is its pixel count times the
 * in-plane pixel size (the mean of the x and y spacing), as Vaassen et al. measure it.
 */
export interface PathLengths {
  readonly addedPathLengthMm: number;
  readonly falseNegativePathLengthMm: number;
  /** Border pixels of the corrected mask, and how many of them were added / false negatives. */
  readonly correctedContourPixels: number;
  readonly addedPixels: number;
  readonly falseNegativePixels: number;
}

function sliceBorder(data: Uint8Array, nx: number, ny: number, offset: number, out: Uint8Array): number {
  let n = 0;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const i = offset + x + nx * y;
      const k = x + nx * y;
      if (data[i] === 0) {
        out[k] = 0;
        continue;
      }
      const edge =
        x === 0 || y === 0 || x === nx - 1 || y === ny - 1 || data[i - 1] === 0 || data[i + 1] === 0 || data[i - nx] === 0 || data[i + nx] === 0;
      out[k] = edge ? 1 : 0;
      if (edge) n++;
    }
  }
  return n;
}

/** APL and FNPL of `corrected` against `automatic` (same grid), with APL's tolerance in mm (0: the same pixel). */
export function pathLengths(automatic: BinaryMask, corrected: BinaryMask, toleranceMm: number): PathLengths {
  const [nx, ny, nz] = corrected.grid.dims;
  const [sx, sy] = corrected.grid.spacing;
  if (automatic.data.length !== corrected.data.length) throw new RangeError('the masks are not on one grid');
  const pixel = (sx + sy) / 2;
  const plane = nx * ny;
  const autoBorder = new Uint8Array(plane), corrBorder = new Uint8Array(plane);
  const limit = toleranceMm * toleranceMm + 1e-9;
  let contour = 0, added = 0, missed = 0;
  for (let z = 0; z < nz; z++) {
    const offset = z * plane;
    const nCorr = sliceBorder(corrected.data, nx, ny, offset, corrBorder);
    if (nCorr === 0) continue;
    const nAuto = sliceBorder(automatic.data, nx, ny, offset, autoBorder);
    contour += nCorr;
    const field = nAuto > 0 && toleranceMm > 0 ? squaredDistanceField(autoBorder, [nx, ny, 1], [sx, sy, 1]) : undefined;
    for (let k = 0; k < plane; k++) {
      if (corrBorder[k] === 0) continue;
      const onAutomatic = field ? field[k]! <= limit : autoBorder[k] === 1;
      if (!onAutomatic) added++;
      if (automatic.data[offset + k] === 0) missed++;
    }
  }
  return {
    addedPathLengthMm: added * pixel,
    falseNegativePathLengthMm: missed * pixel,
    correctedContourPixels: contour,
    addedPixels: added,
    falseNegativePixels: missed,
  };
}
