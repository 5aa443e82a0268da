import { AScanState, type BoundarySet, emptyBoundarySet, octBoundaries, type OctBoundary, type OctGeometry } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import type { OctInstanceInput, OctSourceIdentity } from '../oct/opt-write';

/** What a Heyex export (VOL or XML) holds, in the project's terms; everything an OPT instance needs. */
export interface HeyexExport {
  geometry: OctGeometry;
  /** 8-bit B-scans, `[(s · rows + r) · ascans + a]`. */
  bscans: Uint8Array;
  localizer: OctInstanceInput['localizer'];
  frameLines: OctInstanceInput['frameLines'];
  /** As read: the ingest turns it into an OPT instance and the gate removes it. */
  identity: OctSourceIdentity;
  /** The layer heights of the export; `not annotated` where Heyex marks a height invalid. */
  boundaries: BoundarySet;
  /** The boundaries the export segmented. */
  segmented: OctBoundary[];
}

/**
 * Heyex names a segmentation line after the layer above it (RNFL is the RNFL/GCL boundary) and
 * calls the photoreceptor lines PR1 (ellipsoid zone) and PR2 (interdigitation zone). Lines
 * with no boundary here (ONL, IOS, OPT, CHO, VIT, ANT) are not imported.
 */
export const heyexLineBoundary: Readonly<Record<string, OctBoundary>> = {
  ILM: 'ILM',
  RNFL: 'RNFL_GCL',
  GCL: 'GCL_IPL',
  IPL: 'IPL_INL',
  INL: 'INL_OPL',
  OPL: 'OPL_ONL',
  ELM: 'ELM',
  PR1: 'EZ',
  PR2: 'IZ',
  RPE: 'RPE',
  BM: 'BM',
};

/** Heyex writes 3.4e38 (FLT_MAX) or 3e38 where a line has no height. */
const INVALID_HEIGHT = 3e38;

export function invalidHeyex(message: string): never {
  throw new DelineateError('DLN_OCT_HEYEX_INVALID', message);
}

/**
 * Puts one Heyex line's heights into a boundary set. Heyex heights are row indices of pixel
 * centres; the project's heights are row coordinates with row i spanning [i, i + 1), so half a
 * pixel is added.
 */
export function putHeyexLine(set: BoundarySet, boundary: OctBoundary, bscan: number, heights: ArrayLike<number>): void {
  const b = octBoundaries.indexOf(boundary);
  const base = (b * set.bscans + bscan) * set.ascans;
  for (let a = 0; a < set.ascans; a++) {
    const value = heights[a]!;
    if (!Number.isFinite(value) || value >= INVALID_HEIGHT) continue;
    set.states[base + a] = AScanState.value;
    set.heights[base + a] = value + 0.5;
  }
}

export function emptyHeyexBoundaries(geometry: OctGeometry): BoundarySet {
  return emptyBoundarySet(geometry.bscans, geometry.ascans);
}

/** A Heyex date (days since 1899-12-30, as OLE automation dates) as YYYYMMDD, empty when absent. */
export function heyexDate(days: number): string {
  if (!Number.isFinite(days) || days <= 0) return '';
  const date = new Date(Date.UTC(1899, 11, 30) + Math.round(days * 86_400_000));
  return date.toISOString().slice(0, 10).replaceAll('-', '');
}
