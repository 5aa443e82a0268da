import type { LabelArray } from '../mask/mask';
import { countPatterns, mapPatterns, patternDigits } from './patterns';
import { maximumLabel, votingDecision } from './vote';

export interface MultiLabelStapleOptions {
  /** Stop when no confusion-matrix entry changes by this much or more (ITK default 1e-5). */
  readonly terminationUpdateThreshold?: number;
  /** Iteration cap (ITK's default is unbounded; we stop at 100,000 and say so in `converged`). */
  readonly maximumIterations?: number;
}

export interface MultiLabelStapleResult {
  readonly labels: Uint8Array | Uint16Array | Uint32Array;
  /** Labels 0‥labelCount−1 are classes; `labelCount` itself marks undecided voxels. */
  readonly labelCount: number;
  readonly undecidedLabel: number;
  /**
   * Per rater, confusionMatrices[r][j][c] = P(rater says j | true class c), rows j = 0‥labelCount
   * (the last row is ITK's "reject" row), columns c = 0‥labelCount−1.
   */
  readonly confusionMatrices: number[][][];
  readonly priors: readonly number[];
  readonly iterations: number;
  readonly converged: boolean;
  readonly fieldOfView: { readonly kind: 'image'; readonly voxels: number };
}

/**
 * Multi-label STAPLE (Rohlfing et al. 2004) with the semantics of ITK's MultiLabelSTAPLEImageFilter:
 * confusion matrices start from the agreement of each rater with the ITK majority vote (rows
 * normalised), class priors are the label frequencies over all raters, EM stops when the largest
 * confusion-matrix change is below the threshold, and the output takes the class of largest
 * posterior, ties undecided (labelCount).
 *
 * One ITK quirk is kept on purpose so results match: ITK's initial vote can be "undecided" =
 * labelCount, one column past the matrix; ITK's flat matrix storage files that count under
 * column 0 of the next row. We do the same.
 */
export function multiLabelStaple(raters: readonly LabelArray[], options: MultiLabelStapleOptions = {}): MultiLabelStapleResult {
  const threshold = options.terminationUpdateThreshold ?? 1e-5;
  const maxIter = options.maximumIterations ?? 100_000;
  const R = raters.length;
  const L = maximumLabel(raters) + 1;
  const pc = countPatterns(raters, L, (v) => v);
  const P = pc.codes.length;
  const rows = L + 1;
  const cols = L;
  const digitsOf: Int32Array[] = [];
  const tmp = new Int32Array(R);
  for (let k = 0; k < P; k++) digitsOf.push(Int32Array.from(patternDigits(pc.codes[k] ?? 0, R, L, tmp)));

  // Initial confusion matrices from the ITK majority vote (flat [j·cols + c]).
  const M = Array.from({ length: R }, () => new Float64Array(rows * cols));
  const votes = new Int32Array(L);
  for (let k = 0; k < P; k++) {
    const d = digitsOf[k] ?? tmp;
    votes.fill(0);
    for (const j of d) votes[j] = (votes[j] ?? 0) + 1;
    const vote = votingDecision(votes, L);
    const c = pc.counts[k] ?? 0;
    for (let r = 0; r < R; r++) {
      const m = M[r];
      if (m) m[(d[r] ?? 0) * cols + vote] = (m[(d[r] ?? 0) * cols + vote] ?? 0) + c;
    }
  }
  for (const m of M) {
    for (let j = 0; j < rows; j++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += m[j * cols + c] ?? 0;
      if (sum > 0) for (let c = 0; c < cols; c++) m[j * cols + c] = (m[j * cols + c] ?? 0) / sum;
    }
  }

  const prior = new Float64Array(L);
  for (let k = 0; k < P; k++) for (const j of digitsOf[k] ?? tmp) prior[j] = (prior[j] ?? 0) + (pc.counts[k] ?? 0);
  const mass = prior.reduce((a, b) => a + b, 0);
  for (let l = 0; l < L; l++) prior[l] = (prior[l] ?? 0) / mass;

  const W = new Float64Array(L);
  const eStep = (d: Int32Array): void => {
    W.set(prior);
    for (let r = 0; r < R; r++) {
      const m = M[r];
      const row = (d[r] ?? 0) * cols;
      for (let c = 0; c < cols; c++) W[c] = (W[c] ?? 0) * (m?.[row + c] ?? 0);
    }
  };
  const U = Array.from({ length: R }, () => new Float64Array(rows * cols));
  let iter = 0;
  let converged = false;
  for (; iter < maxIter; iter++) {
    for (const u of U) u.fill(0);
    for (let k = 0; k < P; k++) {
      const d = digitsOf[k] ?? tmp;
      eStep(d);
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += W[c] ?? 0;
      if (sum) for (let c = 0; c < cols; c++) W[c] = (W[c] ?? 0) / sum;
      const n = pc.counts[k] ?? 0;
      for (let r = 0; r < R; r++) {
        const u = U[r];
        const row = (d[r] ?? 0) * cols;
        if (u) for (let c = 0; c < cols; c++) u[row + c] = (u[row + c] ?? 0) + n * (W[c] ?? 0);
      }
    }
    let maxUpdate = 0;
    for (let r = 0; r < R; r++) {
      const u = U[r], m = M[r];
      if (!u || !m) continue;
      for (let c = 0; c < cols; c++) {
        let sum = 0;
        for (let j = 0; j < rows; j++) sum += u[j * cols + c] ?? 0;
        if (sum) for (let j = 0; j < rows; j++) u[j * cols + c] = (u[j * cols + c] ?? 0) / sum;
      }
      for (let i = 0; i < rows * cols; i++) {
        maxUpdate = Math.max(maxUpdate, Math.abs((u[i] ?? 0) - (m[i] ?? 0)));
        m[i] = u[i] ?? 0;
      }
    }
    if (maxUpdate < threshold) {
      converged = true;
      break;
    }
  }

  const decision = new Float64Array(P);
  for (let k = 0; k < P; k++) {
    eStep(digitsOf[k] ?? tmp);
    let win = L, winW = 0;
    for (let c = 0; c < cols; c++) {
      const w = W[c] ?? 0;
      if (w > winW) { winW = w; win = c; }
      else if (!(w < winW)) win = L;
    }
    decision[k] = win;
  }
  const n = pc.voxels;
  const labels = L <= 255 ? new Uint8Array(n) : L <= 65535 ? new Uint16Array(n) : new Uint32Array(n);
  mapPatterns(raters, L, (v) => v, pc, decision, labels);
  return {
    labels,
    labelCount: L,
    undecidedLabel: L,
    confusionMatrices: M.map((m) => Array.from({ length: rows }, (_, j) => Array.from(m.subarray(j * cols, (j + 1) * cols)))),
    priors: [...prior],
    iterations: converged ? iter + 1 : iter,
    converged,
    fieldOfView: { kind: 'image', voxels: n },
  };
}
