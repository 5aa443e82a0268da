import { octBoundaries, type BoundarySet, type OctBoundary } from './boundaries';
import { type EnFacePoint, type EtdrsGrid, etdrsGrid, etdrsSectorIndex, type OctGeometry, thicknessMap, thinnestCentralPoint } from './thickness';

/** A slab between two boundaries: the whole retina (ILM–BM) or two consecutive boundaries. */
export interface OctSlab {
  top: OctBoundary;
  bottom: OctBoundary;
}

export const retinaSlab: OctSlab = { top: 'ILM', bottom: 'BM' };

/** The ten slabs between consecutive boundaries, ILM–RNFL/GCL first. */
export const consecutiveSlabs: readonly OctSlab[] = octBoundaries.slice(1).map((bottom, i) => ({ top: octBoundaries[i]!, bottom }));

export interface SlabMeasures extends OctSlab {
  /** Mean thickness (µm) over the A-scans where both boundaries have values; NaN when none. */
  meanUm: number;
  valuedAScans: number;
  etdrs: EtdrsGrid['sectors'];
  centralSubfieldUm: number;
}

export interface OctMeasures {
  /** Where the ETDRS grids are centred, and how that point was found. */
  fovea: EnFacePoint | null;
  foveaFrom: 'set' | 'thinnest_central_point' | 'none';
  retina: SlabMeasures;
  slabs: SlabMeasures[];
}

function slabMeasures(set: BoundarySet, geometry: OctGeometry, slab: OctSlab, fovea: EnFacePoint | null, sectors: Int8Array | null): SlabMeasures {
  const map = thicknessMap(set, geometry, slab.top, slab.bottom);
  let sum = 0;
  let n = 0;
  for (const value of map) {
    if (Number.isNaN(value)) continue;
    sum += value;
    n += 1;
  }
  const grid = fovea && sectors ? etdrsGrid(map, geometry, fovea, sectors) : undefined;
  return { ...slab, meanUm: n === 0 ? Number.NaN : sum / n, valuedAScans: n, etdrs: grid?.sectors ?? emptySectors(), centralSubfieldUm: grid?.centralSubfieldUm ?? Number.NaN };
}

function emptySectors(): EtdrsGrid['sectors'] {
  const none = { meanUm: Number.NaN, ascans: 0 };
  return { central: none, inner_superior: none, inner_nasal: none, inner_inferior: none, inner_temporal: none, outer_superior: none, outer_nasal: none, outer_inferior: none, outer_temporal: none };
}

/**
 * The derived measures of one boundary set: retinal (ILM–BM) and per-slab thickness with their
 * ETDRS grids, centred on a set fovea point or else the thinnest central point of the retina.
 */
export function octMeasures(set: BoundarySet, geometry: OctGeometry, setFovea?: EnFacePoint): OctMeasures {
  const found = setFovea ?? thinnestCentralPoint(thicknessMap(set, geometry, 'ILM', 'BM'), geometry);
  const fovea = found ?? null;
  const sectors = fovea ? etdrsSectorIndex(geometry, fovea) : null;
  return {
    fovea,
    foveaFrom: setFovea ? 'set' : found ? 'thinnest_central_point' : 'none',
    retina: slabMeasures(set, geometry, retinaSlab, fovea, sectors),
    slabs: consecutiveSlabs.map((slab) => slabMeasures(set, geometry, slab, fovea, sectors)),
  };
}
