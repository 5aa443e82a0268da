import { AScanState, type BoundarySet, emptyBoundarySet, octBoundaries, type OctGeometry } from '@delineate/core';

/**
 * A layered macula with known boundary heights: slab thicknesses (µm) that thin towards a
 * foveal pit, above a Bruch's membrane curved like the posterior pole, and a round patch where
 * the ellipsoid zone is lost. Every boundary height is a closed-form function of the A-scan's
 * en-face position, so measures computed from stored heights can be checked against it.
 */
export const octRetinaGeometry: OctGeometry = {
  bscans: 49,
  ascans: 512,
  rows: 496,
  ascanSpacingUm: 11.5,
  bscanSpacingUm: 120,
  axialUmPerPixel: 3.9,
  laterality: 'OD',
};

/** Fovea (µm on the en-face grid) and the EZ-loss patch: centre and radius. */
export const octRetinaFoveaUm = { x: (511 * 11.5) / 2, y: (48 * 120) / 2 } as const;
export const octRetinaEzLoss = { x: octRetinaFoveaUm.x + 1200, y: octRetinaFoveaUm.y + 240, radiusUm: 450 } as const;

const PIT_SIGMA_UM = 380;

/**
 * Thickness (µm) of the ten slabs between consecutive boundaries, ILM→RNFL/GCL first, at a
 * distance r from the fovea: the inner retina fades into the pit while the outer nuclear layer
 * thickens slightly, as Henle's fibres do.
 */
export function octRetinaSlabsUm(rUm: number): number[] {
  const pit = Math.exp(-(rUm * rUm) / (2 * PIT_SIGMA_UM * PIT_SIGMA_UM));
  const rim = 1 - pit;
  return [4 + 26 * rim, 4 + 42 * rim, 4 + 32 * rim, 4 + 28 * rim, 6 + 22 * rim, 70 + 25 * pit, 24, 22, 16, 18];
}

/** Retinal thickness ILM–BM (µm) at distance r from the fovea. */
export function octRetinaThicknessUm(rUm: number): number {
  return octRetinaSlabsUm(rUm).reduce((a, b) => a + b, 0);
}

/** Row of Bruch's membrane: deepest at the centre, rising towards the edges of the scan. */
function bmRow(dxUm: number, dyUm: number): number {
  return 400 - ((dxUm * dxUm + dyUm * dyUm) / 1e6) * 2.5;
}

export function octRetinaHasEzLoss(xUm: number, yUm: number): boolean {
  return Math.hypot(xUm - octRetinaEzLoss.x, yUm - octRetinaEzLoss.y) <= octRetinaEzLoss.radiusUm;
}

/**
 * The generator's boundary heights (rows, sub-pixel) over the whole volume: every boundary has a
 * value at every A-scan except the EZ inside the loss patch, which is absent.
 */
export function octRetinaBoundaries(geometry: OctGeometry = octRetinaGeometry): BoundarySet {
  const set = emptyBoundarySet(geometry.bscans, geometry.ascans);
  const plane = geometry.bscans * geometry.ascans;
  const ez = octBoundaries.indexOf('EZ');
  for (let s = 0; s < geometry.bscans; s++) {
    for (let a = 0; a < geometry.ascans; a++) {
      const x = a * geometry.ascanSpacingUm;
      const y = s * geometry.bscanSpacingUm;
      const dx = x - octRetinaFoveaUm.x;
      const dy = y - octRetinaFoveaUm.y;
      const slabs = octRetinaSlabsUm(Math.hypot(dx, dy));
      let row = bmRow(dx, dy);
      for (let b = octBoundaries.length - 1; b >= 0; b--) {
        const at = b * plane + s * geometry.ascans + a;
        if (b === ez && octRetinaHasEzLoss(x, y)) {
          set.states[at] = AScanState.absent;
        } else {
          set.states[at] = AScanState.value;
          set.heights[at] = row;
        }
        if (b > 0) row -= slabs[b - 1]! / geometry.axialUmPerPixel;
      }
    }
  }
  return set;
}
