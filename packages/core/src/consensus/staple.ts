import type { LabelArray } from '../mask/mask';
import { countBinaryPatterns, countPatterns, mapPatterns, mapStoredPatterns, patternDigits, type PatternCounts } from './patterns';

export interface StapleOptions {
  /** The label a rater's voxel must carry to count as "inside" (ITK ForegroundValue, default 1). */
  readonly foregroundValue?: number;
  /** Scales the global prior g_t (ITK ConfidenceWeight, default 1). */
  readonly confidenceWeight?: number;
  /** Iteration cap (ITK's default is unbounded; we stop at 100,000 and say so in `converged`). */
  readonly maximumIterations?: number;
}

/** The voxels the EM ran over: the prior depends on it, so it is part of every result. */
export interface FieldOfView {
  readonly kind: 'image';
  readonly voxels: number;
}

export interface StapleResult {
  /** Per rater, in input order. */
  readonly sensitivity: readonly number[];
  readonly specificity: readonly number[];
  /** EM iterations run. ITK's GetElapsedIterations() reports this minus one. */
  readonly iterations: number;
  readonly converged: boolean;
  /** The fixed global prior g_t = mean(W₀)·confidenceWeight. */
  readonly prior: number;
  /** Posterior probability of "inside" for each voxel. */
  readonly probability: Float32Array;
  readonly fieldOfView: FieldOfView;
}

/** ITK STAPLEImageFilter: convergence when every squared change of p and q is ≤ this. */
const MIN_SQUARED_CHANGE = 1e-14;

/**
 * Binary STAPLE (Warfield et al. 2004) with the semantics of ITK's STAPLEImageFilter: W starts as
 * the mean of the raters' decisions, the prior g_t is the mean of that W over the whole image and
 * stays fixed, each iteration re-estimates every rater's sensitivity p and specificity q and then
 * W, and it stops after an iteration (not the first) in which no (Δp)² or (Δq)² exceeds 1e-14.
 * EM runs over the counts of rater-decision patterns, so the volume is read twice in total.
 */
export function staple(raters: readonly LabelArray[], options: StapleOptions = {}): StapleResult {
  const fg = options.foregroundValue ?? 1;
  const R = raters.length;
  if (R < 1) throw new RangeError('STAPLE needs at least one rater');
  if (R > 30) throw new RangeError('binary STAPLE supports at most 30 raters');
  const classify = (v: number): number => (v === fg ? 1 : 0);
  const n = raters[0]?.length ?? 0;
  // Up to 8 byte raters: keep each voxel's pattern (1 byte) for the output pass.
  const stored = R <= 8 && n % 4 === 0 ? new Uint32Array(n / 4) : undefined;
  const fast = countBinaryPatterns(raters, classify, stored);
  const pc = fast ?? countPatterns(raters, 2, classify);
  const em = staplePatterns(pc, options);
  const probability =
    fast && stored
      ? mapStoredPatterns(stored, pc, em.posterior, new Float32Array(pc.voxels))
      : mapPatterns(raters, 2, classify, pc, em.posterior, new Float32Array(pc.voxels));
  const { posterior: _posterior, ...result } = em;
  return { ...result, probability };
}

/** STAPLE's EM over binary pattern counts alone; `posterior[k]` is W for the pattern `pc.codes[k]`. */
export interface StaplePatternsResult extends Omit<StapleResult, 'probability'> {
  readonly posterior: Float64Array;
}

/**
 * The EM of {@link staple} on rater-decision pattern counts (binary, rater r = bit r), which a
 * tiled mask sums tile by tile; the caller maps each voxel's pattern to its posterior.
 */
export function staplePatterns(pc: PatternCounts, options: Pick<StapleOptions, 'confidenceWeight' | 'maximumIterations'> = {}): StaplePatternsResult {
  const weight = options.confidenceWeight ?? 1;
  const maxIter = options.maximumIterations ?? 100_000;
  const R = pc.raters;
  if (R < 1) throw new RangeError('STAPLE needs at least one rater');
  if (R > 30) throw new RangeError('binary STAPLE supports at most 30 raters');
  const P = pc.codes.length;
  const digits = new Int32Array(R);
  const bits: Int32Array[] = [];
  const W = new Float64Array(P);
  let sumW = 0;
  for (let k = 0; k < P; k++) {
    const d = Int32Array.from(patternDigits(pc.codes[k] ?? 0, R, 2, digits));
    bits.push(d);
    W[k] = d.reduce((a, b) => a + b, 0) / R;
    sumW += (W[k] ?? 0) * (pc.counts[k] ?? 0);
  }
  const g = (sumW / pc.voxels) * weight;
  const p = new Float64Array(R), q = new Float64Array(R);
  const lastP = new Float64Array(R).fill(-10), lastQ = new Float64Array(R).fill(-10);
  let iter = 0;
  let converged = false;
  for (; iter < maxIter; iter++) {
    let pDen = 0, qDen = 0;
    for (let k = 0; k < P; k++) {
      const c = pc.counts[k] ?? 0, w = W[k] ?? 0;
      pDen += c * w;
      qDen += c * (1 - w);
    }
    for (let r = 0; r < R; r++) {
      let pNum = 0, qNum = 0;
      for (let k = 0; k < P; k++) {
        const c = pc.counts[k] ?? 0, w = W[k] ?? 0;
        if (bits[k]?.[r]) pNum += c * w;
        else qNum += c * (1 - w);
      }
      p[r] = pNum / pDen;
      q[r] = qNum / qDen;
    }
    for (let k = 0; k < P; k++) {
      let a = 1, b = 1;
      const d = bits[k];
      for (let r = 0; r < R; r++) {
        const pr = p[r] ?? 0, qr = q[r] ?? 0;
        if (d?.[r]) { a *= pr; b *= 1 - qr; } else { a *= 1 - pr; b *= qr; }
      }
      W[k] = (g * a) / (g * a + (1 - g) * b);
    }
    let done = iter !== 0;
    for (let r = 0; r < R && done; r++) {
      const dp = (p[r] ?? 0) - (lastP[r] ?? 0), dq = (q[r] ?? 0) - (lastQ[r] ?? 0);
      if (dp * dp > MIN_SQUARED_CHANGE || dq * dq > MIN_SQUARED_CHANGE) done = false;
    }
    lastP.set(p);
    lastQ.set(q);
    if (done) {
      converged = true;
      break;
    }
  }
  return {
    sensitivity: [...p],
    specificity: [...q],
    iterations: converged ? iter + 1 : iter,
    converged,
    prior: g,
    posterior: W,
    fieldOfView: { kind: 'image', voxels: pc.voxels },
  };
}
