/**
 * Retinal layer boundaries on OCT B-scans: one sub-pixel height per A-scan per B-scan for each
 * coded boundary, each A-scan in one of three states. A layer is the slab between two
 * boundaries, so thicknesses and agreement are computed on boundaries, never on masks.
 */

/** The eleven boundaries, top (vitreous side) to bottom (choroid side). */
export const octBoundaries = ['ILM', 'RNFL_GCL', 'GCL_IPL', 'IPL_INL', 'INL_OPL', 'OPL_ONL', 'ELM', 'EZ', 'IZ', 'RPE', 'BM'] as const;
export type OctBoundary = (typeof octBoundaries)[number];

/**
 * Coded concept of each boundary. No SNOMED CT or DICOM (CID) concept names these interfaces
 * as boundaries (the terminologies code the layers, not the surfaces between them), so a local
 * scheme `99DLNOCT` is used and documented in docs/oct.md; its values are the names of the
 * IN•OCT consensus nomenclature (Staurenghi et al., Ophthalmology 2014).
 */
export const octBoundaryConcepts: Readonly<Record<OctBoundary, { scheme: '99DLNOCT'; value: string; meaning: string; colour: string }>> = {
  ILM: { scheme: '99DLNOCT', value: 'B01', meaning: 'Internal limiting membrane', colour: '#ff3b30' },
  RNFL_GCL: { scheme: '99DLNOCT', value: 'B02', meaning: 'Nerve fibre layer / ganglion cell layer boundary', colour: '#ff9500' },
  GCL_IPL: { scheme: '99DLNOCT', value: 'B03', meaning: 'Ganglion cell layer / inner plexiform layer boundary', colour: '#ffcc00' },
  IPL_INL: { scheme: '99DLNOCT', value: 'B04', meaning: 'Inner plexiform layer / inner nuclear layer boundary', colour: '#34c759' },
  INL_OPL: { scheme: '99DLNOCT', value: 'B05', meaning: 'Inner nuclear layer / outer plexiform layer boundary', colour: '#00c7be' },
  OPL_ONL: { scheme: '99DLNOCT', value: 'B06', meaning: 'Outer plexiform layer / outer nuclear layer boundary', colour: '#30b0c7' },
  ELM: { scheme: '99DLNOCT', value: 'B07', meaning: 'External limiting membrane', colour: '#007aff' },
  EZ: { scheme: '99DLNOCT', value: 'B08', meaning: 'Ellipsoid zone (inner border)', colour: '#5856d6' },
  IZ: { scheme: '99DLNOCT', value: 'B09', meaning: 'Interdigitation zone', colour: '#af52de' },
  RPE: { scheme: '99DLNOCT', value: 'B10', meaning: 'Retinal pigment epithelium (inner border)', colour: '#ff2d55' },
  BM: { scheme: '99DLNOCT', value: 'B11', meaning: "Bruch's membrane", colour: '#a2845e' },
};

/** State of one A-scan of one boundary. */
export const AScanState = { notAnnotated: 0, value: 1, absent: 2 } as const;
export type AScanState = (typeof AScanState)[keyof typeof AScanState];

/**
 * Heights of all boundaries over a volume. `heights[(b * bscans + s) * ascans + a]` is the row
 * coordinate (pixels from the top edge of the B-scan, so row i spans [i, i + 1)) of boundary b
 * on B-scan s at A-scan a; it is NaN unless the state there is `value`.
 */
export interface BoundarySet {
  bscans: number;
  ascans: number;
  states: Uint8Array;
  heights: Float32Array;
}

export function emptyBoundarySet(bscans: number, ascans: number): BoundarySet {
  const size = octBoundaries.length * bscans * ascans;
  return { bscans, ascans, states: new Uint8Array(size), heights: new Float32Array(size).fill(Number.NaN) };
}

export function boundaryIndex(boundary: OctBoundary): number {
  return octBoundaries.indexOf(boundary);
}

export function cellOf(set: BoundarySet, boundary: number, bscan: number, ascan: number): number {
  return (boundary * set.bscans + bscan) * set.ascans + ascan;
}

export function setHeight(set: BoundarySet, boundary: number, bscan: number, ascan: number, height: number): void {
  const at = cellOf(set, boundary, bscan, ascan);
  set.states[at] = AScanState.value;
  set.heights[at] = height;
}

export function setAbsent(set: BoundarySet, boundary: number, bscan: number, ascan: number): void {
  const at = cellOf(set, boundary, bscan, ascan);
  set.states[at] = AScanState.absent;
  set.heights[at] = Number.NaN;
}

/** Height where the state is `value`, else undefined. */
export function heightAt(set: BoundarySet, boundary: number, bscan: number, ascan: number): number | undefined {
  const at = cellOf(set, boundary, bscan, ascan);
  return set.states[at] === AScanState.value ? set.heights[at] : undefined;
}

export interface BoundaryOrderViolation {
  upper: OctBoundary;
  lower: OctBoundary;
  bscan: number;
  ascan: number;
}

/**
 * The first place where a boundary lies below one that must be below it (ILM above … above BM,
 * compared only where both have values; touching is allowed, as RPE and BM do in atrophy).
 * Checking each valued boundary against the previous valued one covers all pairs by transitivity.
 */
export function findBoundaryOrderViolation(set: BoundarySet): BoundaryOrderViolation | undefined {
  const plane = set.bscans * set.ascans;
  for (let s = 0; s < set.bscans; s++) {
    for (let a = 0; a < set.ascans; a++) {
      let previous = -1;
      for (let b = 0; b < octBoundaries.length; b++) {
        const at = b * plane + s * set.ascans + a;
        if (set.states[at] !== AScanState.value) continue;
        if (previous >= 0 && set.heights[previous * plane + s * set.ascans + a]! > set.heights[at]!) {
          return { upper: octBoundaries[previous]!, lower: octBoundaries[b]!, bscan: s, ascan: a };
        }
        previous = b;
      }
    }
  }
  return undefined;
}

export type BoundarySetCheck = { ok: true } | { ok: false; reason: string };

/** Shape and state checks of a decoded set: states in range, heights finite exactly where valued. */
export function checkBoundarySet(set: BoundarySet): BoundarySetCheck {
  const size = octBoundaries.length * set.bscans * set.ascans;
  if (!Number.isInteger(set.bscans) || !Number.isInteger(set.ascans) || set.bscans < 1 || set.ascans < 1) return { ok: false, reason: 'B-scan and A-scan counts must be positive integers' };
  if (set.states.length !== size || set.heights.length !== size) return { ok: false, reason: 'state and height arrays do not match the B-scan and A-scan counts' };
  for (let i = 0; i < size; i++) {
    const state = set.states[i]!;
    if (state > AScanState.absent) return { ok: false, reason: 'an A-scan state is not one of not annotated, value, absent' };
    if ((state === AScanState.value) !== Number.isFinite(set.heights[i])) return { ok: false, reason: 'a height is missing where the state is value, or given where it is not' };
  }
  return { ok: true };
}
