import { AScanState, type BoundarySet, octBoundaries, octBoundaryConcepts } from './boundaries';
import type { OctGeometry } from './thickness';

const stateWords = ['not_annotated', 'value', 'absent'] as const;

/**
 * Boundary heights as CSV, one line per boundary, B-scan and A-scan: the coded boundary, the
 * A-scan's state, its height in pixel rows and in µm from the top of the B-scan (empty unless
 * the state is value). Heights use 4 decimals in pixels and 3 in µm.
 */
export function boundaryHeightsCsv(set: BoundarySet, geometry: OctGeometry): string {
  const lines = ['boundary,coding_scheme,code_value,bscan,ascan,state,height_px,height_um'];
  const plane = set.bscans * set.ascans;
  octBoundaries.forEach((boundary, b) => {
    const concept = octBoundaryConcepts[boundary];
    for (let s = 0; s < set.bscans; s++) {
      for (let a = 0; a < set.ascans; a++) {
        const at = b * plane + s * set.ascans + a;
        const state = set.states[at]!;
        const valued = state === AScanState.value;
        const px = valued ? set.heights[at]!.toFixed(4) : '';
        const um = valued ? (set.heights[at]! * geometry.axialUmPerPixel).toFixed(3) : '';
        lines.push(`${boundary},${concept.scheme},${concept.value},${s},${a},${stateWords[state]},${px},${um}`);
      }
    }
  });
  return `${lines.join('\n')}\n`;
}

/** Boundary heights as JSON: per boundary its code and per B-scan arrays of states and heights (null unless valued). */
export function boundaryHeightsJson(set: BoundarySet, geometry: OctGeometry): object {
  const plane = set.bscans * set.ascans;
  return {
    geometry,
    states: stateWords,
    heightOrigin: 'top edge of the B-scan; row i spans [i, i + 1)',
    boundaries: octBoundaries.map((boundary, b) => ({
      boundary,
      concept: octBoundaryConcepts[boundary],
      bscans: Array.from({ length: set.bscans }, (_, s) => {
        const base = b * plane + s * set.ascans;
        const states = Array.from(set.states.subarray(base, base + set.ascans), (state) => stateWords[state]!);
        const px = Array.from(set.heights.subarray(base, base + set.ascans), (h) => (Number.isNaN(h) ? null : h));
        return { bscan: s, states, heightPx: px, heightUm: px.map((h) => (h === null ? null : h * geometry.axialUmPerPixel)) };
      }),
    })),
  };
}
