import { AScanState, type BoundarySet, emptyBoundarySet, octBoundaries, type OctBoundary } from '../oct/boundaries';

/**
 * Agreement of two readers on one boundary in clinical units. Errors are reader A minus reader B
 * in µm (positive: A's boundary lies deeper), over the A-scans where both gave a value.
 */
export interface BoundaryAgreement {
  boundary: OctBoundary;
  /** A-scans where both readers gave a value. */
  comparedAScans: number;
  meanAbsoluteErrorUm: number;
  meanSignedErrorUm: number;
  /** 95th percentile of the absolute error (linear interpolation between order statistics). */
  p95AbsoluteErrorUm: number;
  /** A-scans graded (value or absent) by both readers. */
  gradedByBoth: number;
  /** Fraction of `gradedByBoth` where exactly one reader says absent; NaN when none. */
  absentDisagreement: number;
}

/** Percentile p (0–100) of ascending values, interpolating linearly (numpy's default). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = ((sorted.length - 1) * p) / 100;
  const low = Math.floor(at);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

export function boundaryAgreement(a: BoundarySet, b: BoundarySet, axialUmPerPixel: number): BoundaryAgreement[] {
  if (a.bscans !== b.bscans || a.ascans !== b.ascans) throw new RangeError('the two boundary sets cover different B-scan or A-scan counts');
  const plane = a.bscans * a.ascans;
  return octBoundaries.map((boundary, k) => {
    const errors: number[] = [];
    let graded = 0;
    let oneAbsent = 0;
    let signed = 0;
    let absolute = 0;
    for (let i = k * plane; i < (k + 1) * plane; i++) {
      const sa = a.states[i]!;
      const sb = b.states[i]!;
      if (sa === AScanState.notAnnotated || sb === AScanState.notAnnotated) continue;
      graded += 1;
      if ((sa === AScanState.absent) !== (sb === AScanState.absent)) oneAbsent += 1;
      if (sa !== AScanState.value || sb !== AScanState.value) continue;
      const error = (a.heights[i]! - b.heights[i]!) * axialUmPerPixel;
      signed += error;
      absolute += Math.abs(error);
      errors.push(Math.abs(error));
    }
    const n = errors.length;
    errors.sort((x, y) => x - y);
    return {
      boundary,
      comparedAScans: n,
      meanAbsoluteErrorUm: n === 0 ? Number.NaN : absolute / n,
      meanSignedErrorUm: n === 0 ? Number.NaN : signed / n,
      p95AbsoluteErrorUm: percentileOfSorted(errors, 95),
      gradedByBoth: graded,
      absentDisagreement: graded === 0 ? Number.NaN : oneAbsent / graded,
    };
  });
}

/**
 * Consensus of several readers, A-scan by A-scan: absent when more than half of the readers who
 * graded it say absent, else the median of the given values (the mean of the two middle ones for
 * an even count); not annotated when nobody graded it.
 */
export function consensusBoundarySet(readers: readonly BoundarySet[]): BoundarySet {
  const first = readers[0];
  if (!first) throw new RangeError('a consensus needs at least one reader');
  if (readers.some((r) => r.bscans !== first.bscans || r.ascans !== first.ascans)) throw new RangeError('the readers cover different B-scan or A-scan counts');
  const out = emptyBoundarySet(first.bscans, first.ascans);
  const values: number[] = [];
  for (let i = 0; i < out.states.length; i++) {
    values.length = 0;
    let absent = 0;
    for (const reader of readers) {
      if (reader.states[i] === AScanState.value) values.push(reader.heights[i]!);
      else if (reader.states[i] === AScanState.absent) absent += 1;
    }
    const graded = values.length + absent;
    if (graded === 0) continue;
    if (absent * 2 > graded) {
      out.states[i] = AScanState.absent;
      continue;
    }
    values.sort((x, y) => x - y);
    const mid = values.length >> 1;
    out.states[i] = AScanState.value;
    out.heights[i] = values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  }
  return out;
}

export interface FluidAgreement {
  label: number;
  dice: number;
  /** Reader A's volume minus reader B's, mm³. */
  volumeDifferenceMm3: number;
}

/** Dice and volume difference of one fluid label between two per-B-scan label volumes. */
export function fluidAgreement(a: Uint8Array, b: Uint8Array, label: number, voxelMm3: number): FluidAgreement {
  if (a.length !== b.length) throw new RangeError('the two label volumes differ in size');
  let na = 0;
  let nb = 0;
  let both = 0;
  for (let i = 0; i < a.length; i++) {
    const inA = a[i] === label;
    const inB = b[i] === label;
    if (inA) na += 1;
    if (inB) nb += 1;
    if (inA && inB) both += 1;
  }
  return { label, dice: na + nb === 0 ? Number.NaN : (2 * both) / (na + nb), volumeDifferenceMm3: (na - nb) * voxelMm3 };
}
